"""The content calendar (P-CHN-2): recurring posts of the blueprint released once on their
day — a group's through the connector, Moments as the operator's task in the community's
language — one-off posts planned, and each day checked against the seeds' rhythm (3–5 posts,
mostly not ads); pure rules, then the store (SQLite and PostgreSQL), the worker and the CLI."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shequn.engine.engagement import calendar
from shequn.engine.engagement.calendar_rules import (
    Post,
    decide_release,
    decide_reminders,
    occurrences,
    rhythm,
)
from shequn.errors import Conflict
from shequn.store.db import Store
from shequn.store.outbox import list_actions
from shequn.store.tasks import list_tasks
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, loaded
from tests.test_cli import EXAMPLE, Cli, cli  # noqa: F401 (the fixture)
from tests.worker_helpers import FakeClock, Scripted, worker

CALENDAR = """
[engagement.calendar]
max_ad_share = 0.3

[[engagement.calendar.posts]]
name = "morning"
group = "main"
time = "09:00"
text = "早安，今天读 20 页"

[[engagement.calendar.posts]]
name = "moments"
channel = "moments"
time = "09:30"
days = ["mon", "wed", "fri"]
text = "读书会第 3 期招募中"
ad = true
"""
FRIDAY = date(2026, 5, 1)  # T0 is 10:00 on Friday 1 May in Shanghai


def test_recurring_posts_fall_on_their_days_and_the_rhythm_is_checked():
    bp = blueprint(extra=CALENDAR)
    assert [p.post for p in occurrences(bp, FRIDAY)] == ["morning", "moments"]
    assert [p.post for p in occurrences(bp, FRIDAY + timedelta(days=1))] == ["morning"]
    friday = occurrences(bp, FRIDAY)
    assert rhythm(bp, friday) == ["2 posts, fewer than 3", "1 of 2 posts are ads, more than 30%"]
    plain = [Post(f"p{i}", "group", T0, "分享", "main") for i in range(4)]
    assert rhythm(bp, [*plain, friday[1]]) == []  # 5 posts, one ad: 20 %


def test_release_sends_the_group_post_and_tasks_the_operator_with_moments_once(store: Store):
    loaded(store, group("main"), extra=CALENDAR)
    assert calendar.release(store, COMMUNITY, T0) == 2  # 10:00: both are due
    assert calendar.release(store, COMMUNITY, T0 + timedelta(minutes=5)) == 0  # once a day
    with store.read() as conn:
        sent = list_actions(conn, community=COMMUNITY, kind="message.send")
    assert [(a["group_slug"], a["payload"]) for a in sent] == [
        ("main", {"text": "早安，今天读 20 页"})
    ]
    worker(store, Scripted(), FakeClock(T0)).run(once=True)
    with store.read() as conn:
        (task,) = [t["instruction"] for t in list_tasks(conn, COMMUNITY)]
    assert task == "请现在（2026-05-01 09:30）在朋友圈发布：读书会第 3 期招募中"
    assert calendar.release(store, COMMUNITY, T0 + timedelta(days=1)) == 1  # Saturday: morning


def test_a_one_off_post_is_due_at_its_time_and_shows_on_its_day(store: Store):
    loaded(store, group("main"), extra=CALENDAR)
    at = T0 + timedelta(days=1)
    post, new = calendar.add_post(store, COMMUNITY, channel="official", at=at, text="第 3 期回顾",
                                  post="recap", now=T0)  # fmt: skip
    _, again = calendar.add_post(store, COMMUNITY, channel="official", at=at, text="第 3 期回顾",
                                 post="recap", now=T0)  # fmt: skip
    assert (post.post, new, again) == ("recap", True, False)
    with store.read() as conn:
        (task,) = list_actions(conn, community=COMMUNITY, kind="post.publish")
    assert (task["due_at"], task["payload"]["where"]) == (at, "公众号")
    (friday, saturday) = calendar.agenda(store, COMMUNITY, FRIDAY, 2)
    assert [p.post for p in friday[1]] == ["morning", "moments"]
    assert [p.post for p in saturday[1]] == ["morning", "recap"]
    with pytest.raises(Conflict, match="before its time"):
        calendar.add_post(store, COMMUNITY, channel="moments", at=T0, text="x", now=T0)


def test_nothing_is_released_when_the_calendar_is_off():
    bp = blueprint(extra=CALENDAR.replace("max_ad_share = 0.3", "enabled = false"))
    assert decide_release(bp, T0) == []


def test_calendar_commands(cli: Cli) -> None:  # noqa: F811
    cli.json("blueprint", "load", EXAMPLE / "community.toml")
    added = cli.json("calendar", "add", "--at", "2031-05-16T09:00", "--channel", "moments",
                     "--text", "招募第 3 期", "--ad", "--post", "recruit")  # fmt: skip
    assert (added["post"], added["ad"], added["new"]) == ("recruit", True, True)
    [day] = cli.json("calendar", "show", "--from", "2031-05-16", "--days", "1")
    assert [p["post"] for p in day["posts"]] == ["recruit"]
    assert day["warnings"] == ["1 posts, fewer than 3", "1 of 1 posts are ads, more than 30%"]
    code, _, err = cli.run("calendar", "add", "--at", "2031-05-16T09:00", "--text", "x")
    assert code != 0 and "--group" in err


EARLY = (
    CALENDAR
    + """
[[engagement.calendar.posts]]
name = "night"
channel = "personal"
time = "00:30"
days = ["sat"]
text = "夜读打卡"
"""
)


def test_the_operator_hears_of_a_post_by_hand_hours_before_it_is_due():
    bp = blueprint(extra=EARLY.replace("max_ad_share = 0.3", "remind_hours_before = 2"))
    local = T0 - timedelta(hours=10)  # 00:00 Friday in Shanghai
    assert decide_reminders(bp, local + timedelta(hours=7)) == []  # 07:00: 2.5 h before 09:30
    (moments,) = decide_reminders(bp, local + timedelta(hours=7, minutes=30))
    (told,) = moments.actions
    assert (told.kind, told.payload["post"], told.payload["at"]) == (
        "post.prepare", "moments", "2026-05-01 09:30"
    )  # fmt: skip
    assert moments.events[0].source_ref.endswith(":remind:moments:2026-05-01")
    (night,) = decide_reminders(bp, local + timedelta(hours=23))  # Sat 00:30, across midnight
    assert night.events[0].data["day"] == "2026-05-02"
    assert decide_reminders(bp, local + timedelta(hours=9, minutes=30)) == []  # due: released


def test_early_reminders_through_the_tick_and_for_a_one_off_post(store: Store):
    loaded(store, group("main"), extra=CALENDAR)  # remind_hours_before: the default, 1 h
    early = T0 - timedelta(minutes=45)  # 09:15 Friday: moments at 09:30
    assert calendar.release(store, COMMUNITY, early) == 2  # and the 09:00 group post released
    assert calendar.release(store, COMMUNITY, early + timedelta(minutes=5)) == 0  # once
    worker(store, Scripted(), FakeClock(early)).run(once=True)
    with store.read() as conn:
        (task,) = [t["instruction"] for t in list_tasks(conn, COMMUNITY)]
    assert task == "请提前准备：2026-05-01 09:30 要在朋友圈发布：读书会第 3 期招募中"
    at = T0 + timedelta(days=1)
    calendar.add_post(store, COMMUNITY, channel="official", at=at, text="回顾", now=T0)
    with store.read() as conn:
        rows = list_actions(conn, community=COMMUNITY, kind="post.prepare", status=None)
    assert [r["due_at"] for r in rows] == [early, at - timedelta(hours=1)]
