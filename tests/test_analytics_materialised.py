"""The materialised ``ev`` table answers every metric exactly as deriving it on every query did,
on the demo community's log, and stays true through merges, unmerges and time-zone changes."""

from __future__ import annotations

import dataclasses
import math
import re
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from shequn.analytics import targets
from shequn.analytics.leaders import key_behaviour_leaders
from shequn.analytics.materialise import person_key, reference
from shequn.analytics.registry import all_metrics
from shequn.analytics.replica import Replica
from shequn.analytics.scope import Scope
from shequn.cli.plan import DEMO_BLUEPRINT, demo_params, run_simulation
from shequn.engine.identity import merge, unmerge
from shequn.engine.record import record
from shequn.model.blueprint import load_blueprint
from shequn.plan.demo_growth import run_growth
from shequn.store.db import Store
from tests.analytics_helpers import COMMUNITY, configured, event, join, post


def plain(value: Any) -> Any:
    """A metric's result as comparable plain values (floats to 9 significant digits: a sum's
    last bits depend on how DuckDB's threads split it)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.9g}")
    return value


def suite(con: Any, scope: Scope) -> dict[str, Any]:
    """Every registered metric with its defaults, by name."""
    return {
        name: plain(metric.run(con, scope, metric.check({})))
        for name, metric in sorted(all_metrics().items())
    }


def assert_same_as_reference(replica: Replica, scopes: list[Scope]) -> None:
    ref = reference(replica.con)
    try:
        for scope in scopes:
            table, view = suite(replica.con, scope), suite(ref, scope)
            for name in table:
                assert table[name] == view[name], f"{name} differs for {scope}"
    finally:
        ref.close()


def assert_keys_are_the_people(replica: Replica) -> None:
    """Every row's ``person_key`` is its ``person``'s (null with it), after any merges."""
    stale = replica.con.execute(
        f"SELECT count(*) FROM ev WHERE person_key IS DISTINCT FROM {person_key('person')}"
    )
    assert stale.fetchall() == [(0,)]


def test_the_whole_suite_on_the_demo_log_matches_the_derived_view(tmp_path: Path) -> None:
    bp = load_blueprint(DEMO_BLUEPRINT)
    slug = bp.community.slug
    with Store.open(f"sqlite:///{tmp_path / 'demo.db'}") as store:
        run_simulation(store, bp, demo_params(60), days=60, seed=7, hidden=True)
        run_growth(store, bp, seed=7)
        with Replica.open(store, str(tmp_path / "r.duckdb")) as replica:
            people = replica.con.execute(
                "SELECT person, count(*) FROM ev WHERE kind = 'message.posted' "
                "GROUP BY person ORDER BY count(*) DESC, person LIMIT 3"
            ).fetchall()
            scopes = [Scope(slug), Scope(slug, group="main", since=date(2020, 1, 1))]
            assert_same_as_reference(replica, scopes)

            (keep, _), (absorb, n_absorbed), (other, _) = people
            merge(store, keep, absorb, community=slug)
            merge(store, keep, other, community=slug)
            unmerge(store, other, community=slug)  # the second merge undone: re-resolved again
            replica.sync()
            moved = replica.con.execute(
                "SELECT count(*) FROM ev WHERE kind = 'message.posted' AND person = ?",
                [absorb],
            ).fetchall()
            assert moved == [(0,)]  # every one of the absorbed member's posts is keep's now
            mine = replica.con.execute(
                "SELECT count(*) FROM ev WHERE kind = 'message.posted' AND person = ?", [other]
            ).fetchall()
            assert mine[0][0] > 0  # the unmerged member has their own posts back
            assert n_absorbed > 0
            assert_keys_are_the_people(replica)
            assert_same_as_reference(replica, scopes)


def test_a_merge_after_a_sync_re_resolves_the_rows_already_copied(store: Store) -> None:
    record(store, [configured(), join("a", day=0), join("b", day=0), post("b", day=1)])
    with Replica.open(store, ":memory:") as replica:
        before = replica.con.execute("SELECT DISTINCT person FROM ev WHERE kind = 'message.posted'")
        assert before.fetchall() == [("wechat:b",)]
        merge(store, "wechat:a", "wechat:b", community=COMMUNITY)
        replica.sync()
        after = replica.con.execute("SELECT DISTINCT person FROM ev WHERE kind = 'message.posted'")
        assert after.fetchall() == [("wechat:a",)]
        keys = replica.con.execute(
            "SELECT DISTINCT person_key FROM ev WHERE kind = 'message.posted'"
        )
        assert (
            keys.fetchall()
            == replica.con.execute(f"SELECT {person_key(repr('wechat:a'))}").fetchall()
        )  # the key moved with the person: a's, no longer b's
        assert_keys_are_the_people(replica)
        assert_same_as_reference(replica, [Scope(COMMUNITY)])


def test_a_post_after_a_merge_is_the_member_s_on_a_replica_kept_open(store: Store) -> None:
    # the merged identities are kept between syncs of one connection while people do not
    # change (materialise._merged): a merge must reach the rows of the syncs after it
    record(store, [configured(), join("a", day=0), join("b", day=0), post("b", day=1)])
    with Replica.open(store, ":memory:") as replica:
        record(store, [post("b", day=2, ref="before")])
        replica.sync()
        merge(store, "wechat:a", "wechat:b", community=COMMUNITY)
        record(store, [post("b", day=3, ref="after")])
        replica.sync()
        record(store, [post("b", day=4, ref="later")])
        replica.sync()
        people = replica.con.execute(
            "SELECT source_ref, person FROM ev WHERE source_ref IN ('before', 'after', 'later') "
            "ORDER BY source_ref"
        ).fetchall()
        assert people == [("after", "wechat:a"), ("before", "wechat:a"), ("later", "wechat:a")]
        assert_same_as_reference(replica, [Scope(COMMUNITY)])


def test_a_new_time_zone_moves_the_local_days_already_copied(store: Store) -> None:
    # 23:30 in Shanghai on day 1 is 15:30 UTC the same day; 07:30 in Shanghai on day 2 is
    # 23:30 UTC on day 1: two local days in Shanghai, one in UTC.
    record(store, [configured(), join("a", day=0), post("a", day=1, hour=23.5)])
    record(store, [post("a", day=2, hour=7.5)])
    with Replica.open(store, ":memory:") as replica:
        shanghai = replica.con.execute(
            "SELECT count(DISTINCT day) FROM ev WHERE kind = ?", ["message.posted"]
        )
        assert shanghai.fetchall() == [(2,)]
        record(store, [dataclasses.replace(configured("UTC"), source_ref="configured-utc")])
        replica.sync()
        utc = replica.con.execute(
            "SELECT count(DISTINCT day) FROM ev WHERE kind = ?", ["message.posted"]
        )
        assert utc.fetchall() == [(1,)]
        assert_same_as_reference(replica, [Scope(COMMUNITY)])


def test_a_reply_synced_before_its_message_is_resolved_when_the_message_arrives(
    store: Store,
) -> None:
    # b answers a's question, but the question reaches the log a sync later (an import of
    # older history); then a turns out to be b, and the answer becomes b's own thread
    record(store, [configured(), join("a", day=0), join("b", day=0)])
    record(store, [post("b", day=2, reply_to="q", ref="answer")])
    with Replica.open(store, ":memory:") as replica:
        kept = "SELECT to_id IS NOT NULL, to_person, to_question FROM ev WHERE source_ref = ?"
        assert replica.con.execute(kept, ["answer"]).fetchall() == [(False, None, None)]
        waiting = "SELECT e.source_ref FROM unresolved u JOIN ev e ON e.id = u.id"
        assert replica.raw.execute(waiting).fetchall() == [("answer",)]
        assert key_behaviour_leaders(replica.con, Scope(COMMUNITY)) == []

        record(store, [post("a", day=1, ref="q", is_question=True)])
        replica.sync()
        assert replica.con.execute(kept, ["answer"]).fetchall() == [(True, "wechat:a", True)]
        assert replica.raw.execute(waiting).fetchall() == []  # nothing waits any more
        (leader,) = key_behaviour_leaders(replica.con, Scope(COMMUNITY))
        assert (leader.person, leader.evidence) == ("wechat:b", {"answer": 1})
        assert_same_as_reference(replica, [Scope(COMMUNITY)])

        merge(store, "wechat:b", "wechat:a", community=COMMUNITY)
        replica.sync()
        assert replica.con.execute(kept, ["answer"]).fetchall() == [(True, "wechat:b", True)]
        assert key_behaviour_leaders(replica.con, Scope(COMMUNITY)) == []
        assert_same_as_reference(replica, [Scope(COMMUNITY)])


def test_replies_to_old_and_to_missing_messages_resolve_as_a_whole_log_lookup_would(
    store: Store,
) -> None:
    # a sync first looks for the messages its replies name among the recent ones only
    # (``targets.WINDOW``); one older, one the log never had and one that arrives late
    # must end as looking through the whole log says
    record(store, [configured(), join("a", day=0), join("b", day=0)])
    record(store, [post("a", day=1, ref="old"), post("b", day=2, reply_to="gone", ref="x0")])
    with Replica.open(store, ":memory:") as replica:
        record(store, [post("b", day=60, reply_to="old", ref="x1")])  # weeks older
        record(store, [post("b", day=60, reply_to="gone", ref="x2")])  # already waiting
        record(store, [post("a", day=61, reply_to="never", ref="x3")])  # a new missing one
        record(store, [post("b", day=61, reply_to="x1", ref="x4")])  # in the same sync
        replica.sync()
        kept = "SELECT source_ref, to_person FROM ev WHERE to_id IS NOT NULL ORDER BY 1"
        assert replica.raw.execute(kept).fetchall() == [("x1", "wechat:a"), ("x4", "wechat:b")]
        waiting = "SELECT e.source_ref FROM unresolved u JOIN ev e ON e.id = u.id ORDER BY 1"
        assert replica.raw.execute(waiting).fetchall() == [("x0",), ("x2",), ("x3",)]
        assert_same_as_reference(replica, [Scope(COMMUNITY)])

        record(store, [post("a", day=1, ref="gone")])  # the missing message, imported late
        replica.sync()
        assert replica.raw.execute(kept).fetchall() == [
            ("x0", "wechat:a"),
            ("x1", "wechat:a"),
            ("x2", "wechat:a"),
            ("x4", "wechat:b"),
        ]
        assert replica.raw.execute(waiting).fetchall() == [("x3",)]
        assert_same_as_reference(replica, [Scope(COMMUNITY)])


def test_a_reply_naming_a_recent_event_that_is_no_message_never_searches_the_whole_log(
    store: Store, monkeypatch: Any
) -> None:
    # a reaction to a join (a service message on the platform), in the same sync: the log
    # holds that (source, source_ref) as a join, and it is unique, so no message can ever
    # have it; the sync keeps the reaction waiting without reading the rest of the log
    record(store, [configured(), join("a", day=0), post("a", day=1, ref="old")])
    with Replica.open(store, ":memory:") as replica:
        monkeypatch.setattr(
            targets, "_OLDER", "SELECT error('the rest of the log was read'), $since"
        )
        record(store, [join("b", day=60, ref="hello"), post("a", day=60, reply_to="hello")])
        record(store, [event("message.reacted", "a", day=60, message="hello", emoji="+1")])
        replica.sync()
        waiting = "SELECT e.kind FROM unresolved u JOIN ev e ON e.id = u.id ORDER BY 1"
        assert replica.raw.execute(waiting).fetchall() == [
            ("message.posted",),
            ("message.reacted",),
        ]
        assert replica.raw.execute("SELECT count(to_id) FROM ev").fetchall() == [(0,)]
        assert_same_as_reference(replica, [Scope(COMMUNITY)])

        record(store, [post("b", day=61, reply_to="old", ref="late")])  # older than the window
        with pytest.raises(duckdb.Error, match="rest of the log"):
            replica.sync()  # this one is looked for there (the sync is rolled back)
        monkeypatch.undo()
        replica.sync()
        kept = "SELECT to_person FROM ev WHERE source_ref = 'late'"
        assert replica.raw.execute(kept).fetchall() == [("wechat:a",)]
        assert_same_as_reference(replica, [Scope(COMMUNITY)])


class Recording:
    """A DuckDB connection that keeps the text of every statement run through it."""

    def __init__(self, con: Any) -> None:
        self.con = con
        self.sql: list[str] = []

    def execute(self, sql: str, *args: Any) -> Any:
        self.sql.append(" ".join(sql.split()))
        return self.con.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.con, name)


def test_a_sync_reads_the_waiting_replies_once(store: Store) -> None:
    # ``unresolved`` grows with the log (7% of the bench log's events); a sync asks it two
    # things — does one of its messages answer an older reply, is a key it cannot find in
    # the window already waited for — and both must be one scan of it, not one each
    record(store, [configured(), join("a", day=0), join("b", day=0)])
    record(store, [post("b", day=2, reply_to="gone", ref="x0")])
    with Replica.open(store, ":memory:") as replica:
        record(store, [post("a", day=3, ref="gone")])  # answers the older reply
        record(store, [post("b", day=4, reply_to="never", ref="x1")])  # waits
        record(store, [post("a", day=5, reply_to="gone", ref="x2")])  # found in the window
        recording = Recording(replica.raw)
        replica.raw = recording
        try:
            replica.sync()
        finally:
            replica.raw = recording.con
        reads = [
            sql
            for sql in recording.sql
            if re.search(r"\b(FROM|JOIN)\s+unresolved\b", sql)
            and not re.match(r"(INSERT INTO|DELETE FROM) unresolved\b", sql)
        ]
        assert len(reads) == 1, reads
        kept = "SELECT source_ref, to_person FROM ev WHERE to_id IS NOT NULL ORDER BY 1"
        assert replica.raw.execute(kept).fetchall() == [("x0", "wechat:a"), ("x2", "wechat:a")]
        waiting = "SELECT e.source_ref FROM unresolved u JOIN ev e ON e.id = u.id ORDER BY 1"
        assert replica.raw.execute(waiting).fetchall() == [("x1",)]
        assert_same_as_reference(replica, [Scope(COMMUNITY)])
