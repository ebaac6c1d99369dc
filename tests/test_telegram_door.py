"""Issue 15's door scenario end to end, on SQLite and PostgreSQL: Telegram join requests go
through the entry engine and its answer goes out through the bot (``bot run --worker``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from shequn.engine.record import record
from shequn.model.events import Event
from tests.growth_helpers import COMMUNITY, group
from tests.telegram_helpers import (
    World,
    actions,
    bot_run,
    knock,
    member_update,
    one_use_links,
    private,
    telegram_world,
)
from tests.telegram_updates import CHAT

PAID = -1002
FULL = -1003


@pytest.fixture
def door(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    groups = (group("main"), group("paid", gates=["payment"], fee=9.9), group("full", capacity=1))
    chats = {"main": CHAT, "paid": PAID, "full": FULL}
    with telegram_world(database_url, capsys, monkeypatch, chats, *groups) as world:
        yield world


def test_free_group_approved_and_redelivery_knocks_once(door: Any) -> None:
    cli, api, url, _ = door
    api.push(knock(1, 9, CHAT), knock(1, 9, CHAT))
    bot_run(cli, url)
    assert api.called("approveChatJoinRequest") == [{"chat_id": CHAT, "user_id": 9}]
    assert actions(cli) == [("member.admit", "done")]


def test_payment_threshold_then_approved(door: Any) -> None:
    cli, api, url, store = door
    api.push(knock(1, 9, PAID))
    bot_run(cli, url)
    [asked] = api.called("sendMessage")
    assert asked["chat_id"] == 9  # the payment request goes to the newcomer, privately
    assert api.called("approveChatJoinRequest") == []
    paid = Event(
        kind="payment.made",
        occurred_at=datetime.now(UTC),
        community=COMMUNITY,
        group="paid",
        source="payments",
        source_ref="p1",
        actor="telegram:9",
        data={"amount": 9.9, "currency": "CNY"},
    )
    record(store, [paid])
    bot_run(cli, url)
    assert api.called("approveChatJoinRequest") == [{"chat_id": PAID, "user_id": 9}]


def test_full_group_waitlists(door: Any) -> None:
    """The second request to a group of one seat is waitlisted, not approved, and the
    newcomer is told so in private."""
    cli, api, url, _ = door
    api.push(knock(1, 8, FULL), knock(2, 9, FULL))
    bot_run(cli, url)
    assert api.called("approveChatJoinRequest") == [{"chat_id": FULL, "user_id": 8}]
    tail: Any = cli.json("events", "tail", "-n", "20")
    decided = {e["subject"]: e["data"]["outcome"] for e in tail if e["kind"] == "entry.decided"}
    assert decided == {"telegram:8": "admitted", "telegram:9": "waitlisted"}
    told = [m for m in api.called("sendMessage") if str(m["chat_id"]) == "9"]
    assert [m["text"] for m in told] == ["目前群已满，你已登记在候补名单上。"]


def test_commands_in_private(door: Any) -> None:
    """/help and unknown commands get the help, /rules the rules, /start CODE knocks through
    the link: admitted without a Telegram join request → a one-use link, sent privately."""
    cli, api, url, _ = door
    cli.json("link", "create", "--group", "main", "--code", "spring", "--community", COMMUNITY)
    api.push(
        private(1, 7, "/help"),
        private(2, 7, "/dance"),
        private(3, 7, "/rules"),
        private(4, 9, "/start spring"),
        private(5, 9, "/start nosuchcode"),
        private(4, 9, "/start spring"),  # delivered again
    )
    bot_run(cli, url)
    to_7 = [m["text"] for m in api.called("sendMessage") if m["chat_id"] == 7]
    assert len(to_7) == 3 and to_7[0] == to_7[1] and "/start" in to_7[0]
    assert to_7[2] != to_7[0]  # the rules
    [link] = one_use_links(api)
    assert (link["chat_id"], link["member_limit"]) == (CHAT, 1)
    to_9 = [m["text"] for m in api.called("sendMessage") if m["chat_id"] == 9]
    assert len(to_9) == 2 and any("https://t.me/+" in m for m in to_9)  # the link; the help
    # approving was tried first and refused (nothing pending: they never asked on Telegram)
    assert api.called("approveChatJoinRequest") == [{"chat_id": CHAT, "user_id": 9}]


def test_a_referral_join_is_credited_to_the_member(door: Any) -> None:
    """Li's referral link → a newcomer's /start → a one-use link named with Li's code → the
    newcomer joins through it → the join is credited to Li (inviter, channel)."""
    cli, api, url, _ = door
    api.push(member_update(1, 7, "left", "member"))
    bot_run(cli, url)
    cli.json(
        "link",
        "create",
        "--purpose",
        "referral",
        "--owner",
        "telegram:7",
        "--group",
        "main",
        "--code",
        "li-ref",
        "--community",
        COMMUNITY,
    )
    api.push(private(2, 9, "/start li-ref"))
    bot_run(cli, url)
    [made] = one_use_links(api)
    assert made["name"] == "li-ref (1)"
    link = {
        "invite_link": "https://t.me/+one",
        "name": "li-ref (1)",
        "member_limit": 1,
        "creator": {"id": 1, "is_bot": True, "first_name": "b"},
        "creates_join_request": False,
        "is_primary": False,
        "is_revoked": False,
    }
    api.push(member_update(3, 9, "left", "member", link=link))
    bot_run(cli, url)
    shown: Any = cli.json("members", "show", "telegram:9", "--community", COMMUNITY)
    [membership] = shown["memberships"]
    assert (membership["inviter"], membership["join_channel"]) == ("telegram:7", "referral")
