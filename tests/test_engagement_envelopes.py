"""The dead-group test (P-ENG-4, seed 001): a red envelope not all grabbed within the
blueprint's hours means the group is dead — judged once from the envelope events, both ways,
through the worker on a fake clock; asking for a test is an operator task, once a day."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from shequn.connectors.console import ConsoleConnector
from shequn.engine.engagement import envelopes
from shequn.engine.engagement.envelope_rules import Envelope, decide_request, decide_verdict
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store.outbox import list_actions
from shequn.worker.loop import Config, Worker
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, loaded, wx
from tests.test_cli import EXAMPLE, cli  # noqa: F401 (the fixture)
from tests.worker_helpers import FakeClock, Scripted, worker

TEST = Envelope("main", "e1", T0, shares=3, sender=wx("boss"))


def grabs(*names_minutes: tuple[str, float]) -> list[tuple[str, object]]:
    return [(wx(n), T0 + timedelta(minutes=m)) for n, m in names_minutes]


def test_the_verdict_waits_for_the_window_and_counts_members_against_shares():
    bp = blueprint(group("main"))  # test_hours 2 (seed 001: 1–2 h)
    all_in = grabs(("a", 5), ("b", 30), ("c", 90))
    assert not decide_verdict(bp, TEST, all_in, T0 + timedelta(hours=1, minutes=59))
    alive = decide_verdict(bp, TEST, all_in, T0 + timedelta(hours=2)).events[0]
    assert (alive.data["verdict"], alive.data["grabbed"], alive.occurred_at) == (
        "alive", 3, T0 + timedelta(hours=2))  # fmt: skip
    late = grabs(("a", 5), ("a", 6), ("b", 30), ("c", 150))  # a twice, c after the window
    dead = decide_verdict(bp, TEST, late, T0 + timedelta(hours=3)).events[0]
    assert (dead.data["verdict"], dead.data["grabbed"], dead.data["shares"]) == ("dead", 2, 3)
    assert dead.source_ref == f"envelope-judged:{COMMUNITY}:main:e1"  # once per envelope
    slow = blueprint(group("main"), extra="[engagement.envelopes]\ntest_hours = 3\n")
    assert decide_verdict(slow, TEST, late, T0 + timedelta(hours=3)).events[0].data[
        "verdict"] == "alive"  # fmt: skip
    unknown = Envelope("main", "e2", T0, shares=None)  # shares not reported: test_shares
    assert decide_verdict(bp, unknown, all_in, T0 + timedelta(hours=2)).events[0].data[
        "shares"] == 10  # fmt: skip


def test_asking_for_a_test_is_an_operator_task_once_a_day():
    bp = blueprint(group("main"))
    d = decide_request(bp, "main", T0, "operator:cli")
    assert [(a.kind, a.payload["shares"], a.payload["hours"]) for a in d.actions] == [
        ("redenvelope.send", 10, 2)
    ]
    assert d.events[0].source_ref == decide_request(bp, "main", T0 + timedelta(hours=3),
                                                    None).events[0].source_ref  # fmt: skip


def _sent(envelope: str, shares: int, at) -> Event:
    return Event("redenvelope.sent", at, COMMUNITY, "bot", envelope, group="main",
                 actor=wx("boss"), data={"envelope": envelope, "count": shares,
                                         "purpose": "dead_group_test"})  # fmt: skip


def _grab(envelope: str, who: str, at) -> Event:
    return Event("redenvelope.grabbed", at, COMMUNITY, "bot", f"{envelope}-{who}", group="main",
                 actor=wx(who), data={"envelope": envelope})  # fmt: skip


def test_a_dead_group_test_both_ways_through_the_worker(store):
    loaded(store, group("main"))
    assert envelopes.request_test(store, COMMUNITY, "main", now=T0)
    assert not envelopes.request_test(store, COMMUNITY, "main", now=T0 + timedelta(hours=1))
    with store.read() as conn:
        (task,) = list_actions(conn, community=COMMUNITY, kind="redenvelope.send")
    assert task["payload"]["purpose"] == "dead_group_test"
    day2 = T0 + timedelta(days=1)
    record(store, [
        _sent("lively", 2, T0), _grab("lively", "a", T0 + timedelta(minutes=3)),
        _grab("lively", "b", T0 + timedelta(minutes=40)),
        _sent("quiet", 3, day2), _grab("quiet", "a", day2 + timedelta(minutes=20)),
        _grab("quiet", "b", day2 + timedelta(hours=5)),  # too late to count
    ])  # fmt: skip
    clock = FakeClock(T0 + timedelta(hours=1))
    w = worker(store, Scripted(clock=clock), clock, ticks=True)
    w.run(once=True)
    assert [x["verdict"] for x in envelopes.list_tests(store, COMMUNITY, now=clock.t)] == [None] * 2
    for at in (T0 + timedelta(hours=2, minutes=30), day2 + timedelta(hours=6),
               day2 + timedelta(hours=7)):  # fmt: skip
        clock.t = at
        w.run(once=True)
    found = envelopes.list_tests(store, COMMUNITY, now=clock.t)
    assert [(x["envelope"], x["verdict"], x["grabbed"]) for x in found] == [
        ("quiet", "dead", 1),
        ("lively", "alive", 2),
    ]
    assert envelopes.judge(store, COMMUNITY, clock.t) == 0  # judged once


def test_the_verdict_from_grabs_recorded_by_hand_through_the_console_worker(cli, store):  # noqa: F811
    """No connector reports red envelopes: the operator records the envelope and each grab
    they saw (``shequn envelope sent|grab --at``), and the console worker, on a fake clock,
    judges from those records — both ways."""
    cli.json("blueprint", "load", EXAMPLE / "community.toml")  # Asia/Shanghai, test_hours 2
    assert cli.json("envelope", "test", "main")["requested"]
    slug = "study-circle"
    with store.read() as conn:  # for the worker to hand the operator: no bot can send one
        (task,) = list_actions(conn, community=slug, kind="redenvelope.send")
    assert task["payload"]["shares"] == 10
    lively = cli.json("envelope", "sent", "main", "--shares", "2", "--member", "wechat:lin",
                      "--at", "2026-05-08T20:00")["envelope"]  # fmt: skip
    for who, at in (("wechat:amy", "20:03"), ("wechat:bo", "20:41"), ("wechat:amy", "20:50")):
        got = cli.json("envelope", "grab", "main", "--member", who, "--at", f"2026-05-08T{at}")
        assert got["envelope"] == lively  # the newest envelope sent to the group before --at
    assert not got["new"]  # amy's second grab of the same envelope is the same fact
    quiet = cli.json("envelope", "sent", "main", "--shares", "3", "--member", "wechat:lin",
                     "--at", "2026-05-09T20:00")["envelope"]  # fmt: skip
    cli.json("envelope", "grab", "main", "--member", "wechat:amy", "--at", "2026-05-09T20:10",
             "--amount", "1.5")  # fmt: skip
    cli.json("envelope", "grab", "main", "--member", "wechat:bo", "--at", "2026-05-09T23:30",
             "--envelope", quiet)  # after the two-hour window: does not count  # fmt: skip
    code, _, err = cli.run("envelope", "grab", "main", "--member", "wechat:bo", "--at",
                           "2026-05-01T10:00")  # fmt: skip
    assert code != 0 and "shequn envelope sent" in err  # nothing was sent before then
    sent_utc = datetime(2026, 5, 8, 12, 0, tzinfo=UTC)  # 20:00 in Beijing
    clock = FakeClock(sent_utc + timedelta(hours=1))
    out = io.StringIO()
    w = Worker(store, ConsoleConnector(out), config=Config(ticks=True), clock=clock, name="w1")
    w.run(once=True)
    assert [x["verdict"] for x in envelopes.list_tests(store, slug, now=clock.t)] == [None] * 2
    for at in (sent_utc + timedelta(hours=2, minutes=30), sent_utc + timedelta(days=1, hours=4)):
        clock.t = at
        w.run(once=True)
    found = envelopes.list_tests(store, slug, now=clock.t)  # what `envelope tests` lists
    assert [(x["envelope"], x["verdict"], x["grabbed"], x["shares"]) for x in found] == [
        (quiet, "dead", 1, 3),
        (lively, "alive", 2, 2),
    ]
