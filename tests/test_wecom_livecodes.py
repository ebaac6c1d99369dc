"""The live-code routing decision with plain values: which groups a WeCom live code lists,
when a sync is queued, and that the same state always asks for the same action."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from shequn.engine.livecodes_rules import decide_live_code, wanted_chats
from shequn.model.blueprint_wecom import WeCom
from shequn.model.entities import Link
from shequn.model.livecodes import LiveCodeSync
from shequn.store.outbox import idempotency_key
from tests.growth_helpers import COMMUNITY, T0

GROUPS = ("a", "b", "c", "d", "e", "f", "g")
CHATS = {g: f"wr{g.upper()}" for g in GROUPS if g != "c"}  # c is not on WeCom
LINK = Link("spring", COMMUNITY, "live_code", GROUPS, channel="poster-spring")
NEVER = LiveCodeSync("spring", T0)


def room(**full: int) -> dict[str, int | None]:
    return {g: full.get(g, 10) for g in GROUPS}


def test_the_first_five_groups_on_wecom_with_seats_in_the_links_order() -> None:
    assert wanted_chats(LINK, CHATS, room()) == ("wrA", "wrB", "wrD", "wrE", "wrF")
    assert wanted_chats(LINK, CHATS, room(a=0, d=0)) == ("wrB", "wrE", "wrF", "wrG")
    assert wanted_chats(LINK, CHATS, {**room(), "a": None})[0] == "wrA"  # no capacity: open
    assert wanted_chats(LINK, CHATS, {"b": 3}) == ("wrB",)  # unknown groups are skipped


def test_a_first_sync_adds_the_live_code_with_the_links_channel_as_state() -> None:
    [action] = decide_live_code(LINK, CHATS, room(), NEVER, T0 + timedelta(hours=1)).actions
    assert (action.kind, action.group, action.due_at) == ("livecode.sync", None, T0)
    assert action.payload == {
        "link": "spring", "state": "poster-spring", "after": 0,
        "chat_ids": ["wrA", "wrB", "wrD", "wrE", "wrF"],
    }  # fmt: skip


def test_a_full_group_rotates_the_list_on_the_same_live_code() -> None:
    synced = LiveCodeSync("spring", T0, 7, ("wrA", "wrB", "wrD", "wrE", "wrF"), "cfg1")
    now = T0 + timedelta(hours=2)
    assert not decide_live_code(LINK, CHATS, room(), synced, now)  # unchanged: nothing
    [action] = decide_live_code(LINK, CHATS, room(a=0), synced, now).actions
    assert action.payload["chat_ids"] == ["wrB", "wrD", "wrE", "wrF", "wrG"]
    assert (action.payload["config_id"], action.payload["after"]) == ("cfg1", 7)


def test_the_same_state_gives_the_same_key_and_a_return_to_an_old_list_a_new_one() -> None:
    synced = LiveCodeSync("spring", T0, 7, ("wrB",), "cfg1")
    once = decide_live_code(LINK, CHATS, room(), synced, T0 + timedelta(minutes=1)).actions[0]
    again = decide_live_code(LINK, CHATS, room(), synced, T0 + timedelta(minutes=9)).actions[0]
    assert idempotency_key(once, None) == idempotency_key(again, None)
    later = LiveCodeSync("spring", T0 + timedelta(hours=1), 9, ("wrB",), "cfg1")
    back = decide_live_code(LINK, CHATS, room(), later, T0 + timedelta(hours=2)).actions[0]
    assert back.payload["chat_ids"] == once.payload["chat_ids"]
    assert idempotency_key(back, None) != idempotency_key(once, None)


def test_nothing_while_in_flight_expired_all_full_or_not_a_live_code() -> None:
    now = T0 + timedelta(hours=1)
    flying = LiveCodeSync("spring", T0, in_flight=True)
    assert not decide_live_code(LINK, CHATS, room(), flying, now)
    expired = Link("spring", COMMUNITY, "live_code", GROUPS, expires_at=now)
    assert not decide_live_code(expired, CHATS, room(), NEVER, now)
    assert not decide_live_code(LINK, CHATS, {g: 0 for g in GROUPS}, NEVER, now)
    assert not decide_live_code(LINK, {}, room(), NEVER, now)
    code = Link("spring", COMMUNITY, "code", GROUPS)
    assert not decide_live_code(code, CHATS, room(), NEVER, now)


def test_an_expired_links_live_code_is_deleted_once() -> None:
    now = T0 + timedelta(days=30)
    over = Link("spring", COMMUNITY, "live_code", GROUPS, channel="poster-spring", expires_at=now)
    live = LiveCodeSync("spring", T0, 7, ("wrA",), "cfg1")
    [action] = decide_live_code(over, CHATS, room(), live, now).actions
    assert action.payload == {
        "link": "spring", "state": "poster-spring", "chat_ids": [], "after": 7,
        "config_id": "cfg1", "delete": True,
    }  # fmt: skip
    gone = LiveCodeSync("spring", now, 8, (), "cfg1")
    assert not decide_live_code(over, CHATS, room(), gone, now + timedelta(minutes=1))


def test_turning_auto_create_room_on_updates_the_code_and_then_nothing() -> None:
    rooms = WeCom.model_validate({"auto_create_room": True, "room_base_name": "读书会",
                                  "live_codes": {"autumn": {}}})  # fmt: skip
    way = rooms.rooms_for("spring").join_way()
    assert way == {"auto_create_room": 1, "room_base_id": 1, "room_base_name": "读书会"}
    assert rooms.rooms_for("autumn").join_way() == {"auto_create_room": 0}  # its own table
    synced = LiveCodeSync("spring", T0, 7, ("wrA", "wrB", "wrD", "wrE", "wrF"), "cfg1")
    now = T0 + timedelta(hours=1)
    [action] = decide_live_code(LINK, CHATS, room(), synced, now, rooms=way).actions
    assert (action.payload["rooms"], action.payload["config_id"]) == (way, "cfg1")
    done = LiveCodeSync("spring", now, 8, synced.chat_ids, "cfg1", rooms=way)
    assert not decide_live_code(LINK, CHATS, room(), done, now, rooms=way)
    with pytest.raises(ValidationError):
        WeCom.model_validate({"room_base_name": "群" * 41})
