"""Chat invite links kept in step with seats (Telegram): a referral link or a live code is a
real invite link per bound group — created with its code as the name, its ``member_limit``
edited as seats fill and free, revoked when the group is full — decided purely
(``decide_invite_link``), queued by the ``telegram.links`` tick, carried out by the connector on
the fake Bot API and recorded as ``link.published`` with its URL (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from shequn.engine.invitelinks_rules import decide_invite_link
from shequn.model.entities import Link
from shequn.model.livecodes import InviteLinkSync
from tests.growth_helpers import COMMUNITY, T0, group
from tests.telegram_helpers import World, bot_run, member_update, telegram_world
from tests.telegram_updates import CHAT

REF = Link("li-ref", COMMUNITY, "referral", ("main",), owner="telegram:7", channel="referral")
NEW = InviteLinkSync("li-ref", "main")
MADE = InviteLinkSync("li-ref", "main", 5, "https://t.me/+abc", 4)


def sync(free: int | None, present: int = 0, synced: InviteLinkSync = NEW, link: Link = REF) -> Any:
    decision = decide_invite_link(link, "main", free, present, synced, T0)
    return [(a.group, a.payload) for a in decision.actions]


def test_the_limit_is_the_seats_left_plus_who_the_link_brought() -> None:
    assert sync(4) == [
        ("main", {"link": "li-ref", "after": 0, "name": "li-ref", "member_limit": 4})
    ]
    assert sync(3, present=1, synced=MADE) == []  # Telegram counts the one it let in
    assert sync(2, present=1, synced=MADE) == [
        (
            "main",
            {"link": "li-ref", "after": 5, "invite_link": "https://t.me/+abc", "member_limit": 3},
        )
    ]
    assert sync(None)[0][1]["member_limit"] == 99_999  # no capacity: as many as Telegram allows


def test_a_full_group_revokes_and_free_seats_make_a_new_link() -> None:
    revoke = {"link": "li-ref", "after": 5, "invite_link": "https://t.me/+abc", "revoke": True}
    assert sync(0, present=3, synced=MADE) == [("main", revoke)]
    revoked = InviteLinkSync("li-ref", "main", 6, "https://t.me/+abc", None, revoked=True)
    assert sync(0, synced=revoked) == [] and sync(0) == []  # nothing works: nothing to do
    assert sync(1, synced=revoked)[0][1] == {
        "link": "li-ref", "after": 6, "name": "li-ref", "member_limit": 1,
    }  # fmt: skip


def test_expired_used_up_refused_in_flight_and_typed_codes() -> None:
    expired = Link("e", COMMUNITY, "live_code", ("main",), expires_at=T0 - timedelta(hours=1))
    made = InviteLinkSync("e", "main", 5, "https://t.me/+e", 4)
    assert sync(4, synced=made, link=expired)[0][1]["revoke"] is True
    later = Link("l", COMMUNITY, "live_code", ("main",), expires_at=T0 + timedelta(days=7))
    assert sync(4, link=later)[0][1]["expires_at"] == (T0 + timedelta(days=7)).isoformat()
    used = Link("u", COMMUNITY, "live_code", ("main",), max_uses=3, uses=3)
    assert sync(4, link=used) == []
    assert sync(4, synced=InviteLinkSync("li-ref", "main", refused=4)) == []
    assert sync(5, synced=InviteLinkSync("li-ref", "main", refused=4)) != []  # seats changed
    assert sync(4, synced=InviteLinkSync("li-ref", "main", in_flight=True)) == []
    assert sync(4, link=Link("c", COMMUNITY, "code", ("main",))) == []


@pytest.fixture
def world(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    with telegram_world(
        database_url, capsys, monkeypatch, {"main": CHAT}, group("main", capacity=4)
    ) as w:
        yield w


def test_a_referral_link_follows_the_seats_on_telegram(world: World) -> None:
    cli, api, url, _ = world

    def then(*updates: dict[str, Any]) -> None:
        """The updates recorded, then the tick of the next minute (a new ``bot run``)."""
        api.push(*updates)
        bot_run(cli, url)
        bot_run(cli, url)

    then(member_update(1, 7, "left", "member"))  # Li; 3 seats left
    cli.json(
        "link", "create", "--purpose", "referral", "--owner", "telegram:7", "--group", "main",
        "--code", "li-ref", "--community", COMMUNITY,
    )  # fmt: skip
    then()
    [made] = api.called("createChatInviteLink")
    assert (made["chat_id"], made["name"], made["member_limit"]) == (CHAT, "li-ref", 3)
    [invite] = api.links
    tail: Any = cli.json("events", "tail", "-n", "5", "--community", COMMUNITY)
    [published] = [e["data"] for e in tail if e["kind"] == "link.published"]
    assert published | {"action": 0} == {
        "action": 0, "link": "li-ref", "invite_link": invite, "member_limit": 3,
        "revoked": False, "platform_ref": invite,
    }  # fmt: skip

    then(member_update(2, 9, "left", "member", link=api.links[invite]))  # through the link
    assert api.called("editChatInviteLink") == []  # Telegram counts 9 against it already
    then(member_update(3, 10, "left", "member"))  # another way in: one seat left
    [edit] = api.called("editChatInviteLink")
    assert (edit["invite_link"], edit["member_limit"]) == (invite, 2)
    then(member_update(4, 11, "left", "member"))  # full
    assert api.called("revokeChatInviteLink") == [{"chat_id": CHAT, "invite_link": invite}]
    then(member_update(5, 10, "member", "left"))  # a seat frees: a new link
    made_again = api.called("createChatInviteLink")[1]
    assert (made_again["name"], made_again["member_limit"]) == ("li-ref", 2)
    shown: Any = cli.json("members", "show", "telegram:9", "--community", COMMUNITY)
    assert shown["memberships"][0]["inviter"] == "telegram:7"
