"""Live enforcement through the store (SQLite and PostgreSQL): the rules' reactor after each
recorded batch — off unless the blueprint turns it on, the ad tax, the ladder, the
community-wide ban on joining another group, history not enforced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store.db import Store
from shequn.store.outbox import pending
from shequn.store.rules_queries import events_by
from tests.growth_helpers import COMMUNITY, group, loaded, wx


def fresh_now() -> datetime:
    """About 20 minutes ago: the rules judge only the last hour (``react.LIVE_WINDOW``), so a
    test's messages must be that recent *when the test runs* — on a loaded machine a test may
    run long after its module was imported (a CI run at load 16 reached the appeal test 47
    minutes in, and nothing was judged). Modules refresh their ``NOW`` from it per test."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)


NOW = fresh_now()


@pytest.fixture(autouse=True)
def _fresh_now() -> None:
    global NOW
    NOW = fresh_now()


AD = "日赚500，招代理，加 薇 abc8888 详情私聊"
ON = "[rules]\nenabled = true\n"


def ev(kind: str, who: str, minutes: float, ref: str, grp: str = "main", **data: Any) -> Event:
    return Event(
        kind=kind, occurred_at=NOW + timedelta(minutes=minutes), community=COMMUNITY,
        group=grp, actor=wx(who), source="wechat-bot:test", source_ref=ref, data=data,
    )  # fmt: skip


def said(who: str, minutes: float, ref: str, text: str = AD, grp: str = "main") -> Event:
    return ev("message.posted", who, minutes, ref, grp, text=text, length=len(text))


def steps(store: Store) -> list[tuple[str, str, str]]:
    with store.transaction() as conn:
        rows = events_by(conn, COMMUNITY, ("moderation.applied",))
    return [(e.subject or "", e.data["rule"], e.data["step"]) for _, e in rows]


def queued(store: Store) -> list[str]:
    with store.transaction() as conn:
        return [a["kind"] for a in pending(conn) if a["community_slug"] == COMMUNITY]


def test_rules_are_off_unless_the_blueprint_turns_them_on(store: Store):
    loaded(store)
    record(store, [said("spam", 0, "m1")])
    assert steps(store) == []
    assert queued(store) == []


def test_an_advert_climbs_the_ladder_unless_the_ad_tax_was_paid(store: Store):
    loaded(store, extra=ON + "[rules.ladder]\nmute_minutes = 60\n")
    record(store, [said("spam", 0, "m1"), said("spam", 1, "m2"), said("spam", 2, "m3")])
    assert [s[2] for s in steps(store)] == ["reminder", "warning", "mute"]
    assert queued(store).count("member.mute") == 1
    assert queued(store).count("message.delete") == 2  # from the warning on
    envelope = ev("redenvelope.sent", "boss", 3, "r1", envelope="e1", amount=20)
    record(store, [envelope, said("boss", 4, "m4"), said("chat", 5, "m5", "今天天气不错")])
    assert [s[0] for s in steps(store)] == [wx("spam")] * 3


def test_a_flood_in_one_batch_is_seen_message_by_message(store: Store):
    loaded(store, extra=ON + "[rules.flow]\nflood_messages = 3\nflood_seconds = 60\n")
    record(store, [said("fast", i / 10, f"f{i}", "哈哈") for i in range(3)])
    assert steps(store) == [(wx("fast"), "flood", "reminder")]


def test_a_removed_spammer_cannot_hop_to_the_next_group(store: Store):
    extra = ON + '[rules.ladder]\nsteps = ["removal"]\n'
    loaded(store, group("main"), group("second"), extra=extra)
    record(store, [said("spam", 0, "m1")])
    assert steps(store) == [(wx("spam"), "advert", "removal")]
    record(store, [ev("member.joined", "spam", 5, "j1", "second")])
    assert steps(store)[-1] == (wx("spam"), "ban", "removal")
    assert queued(store).count("member.ban") == 2


def test_imported_history_is_not_enforced(store: Store):
    loaded(store, extra=ON)
    old = said("spam", -60 * 24 * 30, "old1")
    record(store, [old])
    assert steps(store) == []


def test_chatter_burying_a_valuable_post_is_damped_once(store: Store):
    extra = ON + "[rules.damping]\nburied_after = 6\n[rules.flow]\nflood_messages = 50\n"
    loaded(store, extra=extra)
    post = ev("message.posted", "lin", 0, "v1", text="周六下午三点读书会，地址见群公告",
              has_link=True, length=30)  # fmt: skip
    chat = [said(w, 0.2 + k / 10, f"c{k}", "哈哈") for k, w in enumerate("abcabcab")]
    reported = ev("activity.reported", "lin", -60, "r1", title="读书会")  # seed 004: first
    record(store, [reported, post, *chat[:4]])
    record(store, [*chat[4:]])
    with store.transaction() as conn:
        damped = events_by(conn, COMMUNITY, ("talk.damped",))
        sends = [a["payload"] for a in pending(conn) if a["kind"] == "message.send"]
    assert [(e.subject, e.data["message"], e.data["chatterers"]) for _, e in damped] == [
        (wx("lin"), "v1", [wx("a"), wx("b"), wx("c")])
    ]
    assert [p["template"] for p in sends] == ["damping_repost", "damping_reminder"]
    record(store, [said("a", 1.5, "c9", "哈")])  # still buried: not damped twice
    with store.transaction() as conn:
        assert len(events_by(conn, COMMUNITY, ("talk.damped",))) == 1
