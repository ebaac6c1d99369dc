"""Metrics side by side (``analytics/together.py``): the same answers as one after the other,
in the order asked, shared results computed once, failures and budgets as before."""

from __future__ import annotations

import threading
import time

import pytest

from shequn.analytics import results, together
from shequn.analytics.budget import Budget, BudgetExceeded, duckdb_errors, limited
from shequn.analytics.registry import all_metrics
from shequn.analytics.scope import Scope
from tests.analytics_helpers import COMMUNITY, join, kept, post
from tests.test_analytics_leaders import behaviour_log


def suite(scope):
    """Every registered metric with its defaults, as jobs."""
    return {
        name: (lambda m: lambda c: m.run(c, scope, m.check({})))(metric)
        for name, metric in sorted(all_metrics().items())
    }


def test_the_suite_side_by_side_answers_as_in_a_row(replica_of):
    con = replica_of(behaviour_log())
    jobs = suite(Scope(COMMUNITY))
    in_a_row = together.run(con.raw, jobs, workers=1)
    side_by_side = together.run(con.raw, jobs)
    assert list(side_by_side) == list(jobs)  # the order asked, not the order finished
    assert side_by_side == in_a_row
    assert together.run(con, jobs) == in_a_row  # through the reused results: cold
    misses = con.misses
    assert together.run(con, jobs) == in_a_row  # and warm: the cursors reuse them
    assert con.misses == misses
    assert con.hits >= misses


def test_a_shared_result_is_computed_once_for_both_threads(replica_of):
    con = replica_of(behaviour_log())
    scope = Scope(COMMUNITY)
    metrics = all_metrics()
    leaders, candidates = metrics["key_behaviour_leaders"], metrics["promotion_candidates"]
    jobs = {
        "leaders": lambda c: leaders.run(c, scope, {}),
        "candidates": lambda c: candidates.run(c, scope, {}),
    }
    found = together.run(con.raw, jobs)
    assert [x.person for x in found["candidates"]] == ["wechat:c", "wechat:b", "wechat:d"]
    assert kept(con, temporary=True, column="rank") == 1  # one ranking, seen by both cursors


def test_two_threads_keeping_one_result_at_once_both_get_it(replica_of):
    con = replica_of([join("a", day=0), post("a", day=0)])
    slow = "SELECT count(*) AS n FROM range(30000000) t(i) WHERE i % 7 = 3"
    cursors = [results.session_cursor(con.raw) for _ in range(2)]
    start = threading.Barrier(2)
    names: list[str | None] = []

    def keep(cursor):
        start.wait()
        names.append(results.keep(cursor, slow))

    threads = [threading.Thread(target=keep, args=(c,)) for c in cursors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # without ``once`` one of the two creates would fail on DuckDB's write-write conflict
    assert len(names) == 2
    assert names[0] == names[1] is not None
    assert con.raw.execute(f"SELECT n FROM {names[0]}").fetchall() == [(4285714,)]


def test_the_first_failure_in_the_order_asked_is_raised_after_all_ran(replica_of):
    con = replica_of([join("a", day=0), post("a", day=0)])
    ran: list[str] = []

    def fails(name):
        def job(c):
            time.sleep(0.05 if name == "first" else 0)  # the second fails first
            ran.append(name)
            raise ValueError(name)

        return job

    jobs = {"first": fails("first"), "second": fails("second"), "third": lambda c: ran.append("3")}
    with pytest.raises(ValueError, match="first"):
        together.run(con.raw, jobs)
    assert sorted(ran) == ["3", "first", "second"]


def test_the_cursors_keep_the_session_s_time_zone(replica_of):
    con = replica_of([join("a", day=0)])
    con.raw.execute("SET TimeZone = 'Asia/Shanghai'")
    try:
        zones = together.run(
            con,
            {n: lambda c: c.execute("SELECT current_setting('TimeZone')").fetchall() for n in "ab"},
        )
    finally:
        con.raw.execute("SET TimeZone = 'UTC'")
    assert zones == {"a": [("Asia/Shanghai",)], "b": [("Asia/Shanghai",)]}


def test_a_request_s_time_budget_stops_the_cursors_too(replica_of):
    con = replica_of([join("a", day=0)])
    endless = "SELECT count(*) FROM range(100000000000) a(i) WHERE hash(i) % 1000 = 1"

    def slow(c):
        with duckdb_errors("slow"):
            return c.execute(endless).fetchall()

    started = time.perf_counter()
    with pytest.raises(BudgetExceeded), limited(con, Budget(seconds=0.5)) as limited_con:
        together.run(limited_con, {"a": slow, "b": slow})
    assert time.perf_counter() - started < 30
