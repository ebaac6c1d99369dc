"""Telegram updates → events, pure: every kind of update, bindings, idempotent refs."""

from __future__ import annotations

from shequn.connectors.telegram.inbound import Inbound, KnownLink
from tests.telegram_fake import BOT_ID
from tests.telegram_updates import CHAT, every_kind, join_request, member, message

BOUND = {str(CHAT): "main"}


def events(updates: list, **kw: object) -> list:
    inbound = Inbound("study-circle", BOT_ID, kw.get("bindings", BOUND), kw.get("links", {}))  # type: ignore[arg-type]
    return list(inbound.events(updates))


def test_every_kind_of_update() -> None:
    got = events(every_kind())
    assert [(e.kind, e.actor, e.subject) for e in got] == [
        ("member.joined", "telegram:7", None),
        ("message.posted", "telegram:7", None),
        ("message.posted", "telegram:8", None),
        ("message.posted", "telegram:8", None),
        ("message.reacted", "telegram:7", None),
        ("group.renamed", "telegram:7", None),
        ("message.pinned", "telegram:8", None),
        ("entry.requested", "telegram:9", None),
        ("member.left", "telegram:7", None),
        ("member.removed", "telegram:5", "telegram:8"),
    ]  # the bot's own message is not talk
    assert {e.group for e in got} == {"main"}
    assert {e.source for e in got} == {f"telegram-bot:{BOT_ID}"}
    question, link, photo = got[1].data, got[2].data, got[3].data
    assert question["is_question"] is True and question["length"] == len("有人读过《三体》吗？")
    assert link["has_link"] and link["reply_to"] == f"{CHAT}:10"
    assert photo["has_media"] and photo["text"] == "our meetup"
    assert got[4].data == {"message": f"{CHAT}:11", "emoji": "👍"}
    assert got[5].data == {"name": "读书会 2026"}


def test_refs_are_stable_so_redelivery_adds_nothing() -> None:
    first = [(e.source, e.source_ref) for e in events(every_kind())]
    assert first == [(e.source, e.source_ref) for e in events(every_kind())]
    assert len(set(first)) == len(first)
    assert first[1][1] == f"{CHAT}:10"  # a message: chat and message id


def test_unbound_chats_are_kept_under_their_own_group() -> None:
    [e] = events([message(1, 7, 10, "hi")], bindings={})
    assert e.group == f"unbound:telegram:{CHAT}"


def test_a_join_through_our_link_is_credited_to_its_owner() -> None:
    link = {
        "invite_link": "https://t.me/+x",
        "name": "ref-li",
        "creator": {"id": BOT_ID},
        "creates_join_request": False,
        "is_primary": False,
        "is_revoked": False,
    }
    links = {"ref-li": KnownLink("telegram:7", "referral", "spring")}
    [touch, e] = events([member(1, 9, "left", "member", link=link)], links=links)
    assert e.data["inviter"] == "telegram:7"
    assert (e.data["channel"], e.data["campaign"]) == ("referral", "spring")
    assert (touch.kind, touch.actor, touch.subject) == (
        "member.invited",
        "telegram:7",
        "telegram:9",
    )
    assert touch.data == {"channel": "referral", "link": "ref-li", "campaign": "spring"}
    one_use = {**link, "name": "ref-li (1)", "member_limit": 1}  # sent after a knock: no touch
    [admitted] = events([member(4, 9, "left", "member", link=one_use)], links=links)
    assert (admitted.kind, admitted.data["inviter"]) == ("member.joined", "telegram:7")
    [added] = events([member(2, 9, "left", "member", by=7)])
    assert (added.data["inviter"], added.data["channel"]) == ("telegram:7", "added")
    [request] = events([join_request(3, 9, link_name="ref-li")], links=links)
    assert request.data["link"] == "ref-li"
