"""Welcomes for every join path (P-ENG-1): pure decisions with plain values, then the
reactor through a real store (SQLite and PostgreSQL) and the console worker."""

from __future__ import annotations

from datetime import timedelta

import pytest

import shequn.engine.engagement as engagement
from shequn.engine.engagement.welcome import Join, decide_welcomes
from shequn.engine.entry import Request, enter, open_waves
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.model.templates import render_payload
from shequn.store.outbox import list_actions
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, loaded, wx

CLEAN = """
[engagement.welcome]
rules = ["发广告先发红包", "不刷屏"]

[engagement.groups.quiet.welcome]
clean = true
"""


def test_direct_joins_of_one_batch_get_one_welcome_per_group_with_the_rules():
    bp = blueprint(group("main"), group("quiet"), extra=CLEAN)
    joins = [Join(wx("amy"), "main", T0), Join(wx("bo"), "main", T0), Join(wx("cy"), "quiet", T0)]
    d = decide_welcomes(bp, joins, T0 + timedelta(minutes=1))
    sends = [a.payload for a in d.actions]
    assert [(p["group"], p["names"], p["count"]) for p in sends] == [
        ("main", ["amy", "bo"], 2),
        ("quiet", ["cy"], 1),
    ]
    assert render_payload(bp, sends[0]) == "欢迎 amy、bo 加入main！\n群规：发广告先发红包、不刷屏"
    assert not d.events


def test_history_waves_and_disabled_groups_get_no_welcome():
    off = "[engagement.groups.main.welcome]\nenabled = false\n"
    bp = blueprint(group("main"), group("g2"), extra=off)
    now = T0 + timedelta(hours=2)
    joins = [
        Join(wx("old"), "g2", T0),  # two hours ago: an import, not a moment to greet
        Join(wx("wave"), "g2", now, waved=True),  # the wave's welcome named them
        Join(wx("off"), "main", now),  # welcomes switched off for main
        Join(wx("ghost"), "nowhere", now),  # not a group of the blueprint
    ]
    assert not decide_welcomes(bp, joins, now)


def test_clean_welcome_deletes_the_previous_one_first():
    bp = blueprint(group("main"), group("quiet"), extra=CLEAN)
    joins = [Join(wx("amy"), "quiet", T0), Join(wx("bo"), "main", T0)]
    d = decide_welcomes(bp, joins, T0, previous={"quiet": "tg:-100:77", "main": "tg:-100:5"})
    kinds = [(a.kind, a.group, a.payload.get("message")) for a in d.actions]
    assert kinds == [
        ("message.delete", "quiet", "tg:-100:77"),
        ("message.send", "quiet", None),
        ("message.send", "main", None),  # main is not clean: its old welcome stays
    ]


def test_english_welcome_without_rules():
    bp = blueprint(group("main"), extra="").model_copy(deep=True)
    en = bp.model_copy(update={"community": bp.community.model_copy(update={"language": "en"})})
    d = decide_welcomes(en, [Join(wx("amy"), "main", T0)], T0)
    assert render_payload(en, d.actions[0].payload) == "Welcome to main, amy!"


# -- through the store ----------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    now = [T0 + timedelta(days=1)]
    monkeypatch.setattr(engagement, "clock", lambda: now[0])
    return now


def _join(name: str, group: str, minutes_ago: float, now) -> Event:
    at = now - timedelta(minutes=minutes_ago)
    return Event(
        "member.joined", at, COMMUNITY, "telegram-bot:1", f"j-{name}", group=group, actor=wx(name)
    )


def _welcomes(store) -> list[dict]:
    with store.transaction() as conn:
        rows = list_actions(conn, community=COMMUNITY, kind="message.send")
    return [
        r["payload"] for r in rows if r["payload"].get("template") in ("welcome", "join_welcome")
    ]


def test_a_live_join_is_welcomed_once_and_an_import_never(store, clock):
    loaded(store, group("main"))
    now = clock[0]
    record(store, [_join("amy", "main", 1, now), _join("bo", "main", 0.5, now)])
    record(store, [_join("amy", "main", 1, now)])  # re-delivered: nothing new, no welcome
    record(store, [_join("old", "main", 60 * 24, now)])  # an export's day-old join
    assert [(p["template"], p["names"]) for p in _welcomes(store)] == [
        ("join_welcome", ["amy", "bo"])
    ]


def test_a_wave_keeps_its_own_welcome_and_its_joins_get_no_second(store, clock):
    loaded(store, group("main", waves=True, wave_size=2))
    now = clock[0]
    for name in ("amy", "bo"):
        enter(store, COMMUNITY, Request(wx(name), group="main", ref=f"k-{name}", at=now))
    open_waves(store, COMMUNITY, now=now)
    record(store, [_join("amy", "main", 0, now), _join("bo", "main", 0, now)])
    record(store, [_join("cy", "main", 0, now)])  # added by a friend, not through the door
    assert [(p["template"], p["names"]) for p in _welcomes(store)] == [
        ("welcome", ["amy", "bo"]),
        ("join_welcome", ["cy"]),
    ]
