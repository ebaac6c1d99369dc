"""The analytics replica follows the log incrementally and never mixes up databases."""

from __future__ import annotations

import threading
from pathlib import Path

from shequn.analytics.replica import Replica
from shequn.analytics.results import fingerprint, kept, stored, watermark
from shequn.engine.identity import merge
from shequn.engine.record import record
from shequn.store.append import append
from shequn.store.db import Store
from tests.analytics_helpers import COMMUNITY, configured, event, join, post


def test_incremental_sync_copies_only_new_events(store: Store, tmp_path: Path):
    record(store, [configured(), join("a", day=0), post("a", day=0)])
    path = str(tmp_path / "replica.duckdb")
    with Replica.open(store, path) as replica:
        assert replica.sync().copied == 0  # open() already synced
        record(store, [post("a", day=1), post("a", day=2)])
        result = replica.sync()
        assert (result.copied, result.total) == (2, 5)
    with Replica.open(store, path) as again:  # the file keeps what it had
        assert again.sync().copied == 0
        people = again.con.execute("SELECT count(*) FROM people").fetchall()
        assert people == [(1,)]


def test_a_replica_of_another_database_starts_over(tmp_path: Path):
    path = str(tmp_path / "replica.duckdb")
    one = Store.open(f"sqlite:///{tmp_path / 'one.db'}")
    two = Store.open(f"sqlite:///{tmp_path / 'two.db'}")
    record(one, [configured(), join("a", day=0), post("a", day=0), post("a", day=1)])
    record(two, [configured(), join("b", day=0)])
    Replica.open(one, path).close()
    with Replica.open(two, path) as replica:
        actors = replica.con.execute(
            "SELECT DISTINCT actor FROM events WHERE actor IS NOT NULL"
        ).fetchall()
    assert actors == [("wechat:b",)]


def test_a_recreated_store_is_noticed(tmp_path: Path):
    path, db = str(tmp_path / "replica.duckdb"), tmp_path / "x.db"
    store = Store.open(f"sqlite:///{db}")
    record(store, [configured(), join("a", day=0)])
    Replica.open(store, path).close()
    store.close()
    for f in tmp_path.glob("x.db*"):
        f.unlink()
    store = Store.open(f"sqlite:///{db}")
    record(store, [configured(), join("z", day=0)])
    with Replica.open(store, path) as replica:
        actors = replica.con.execute("SELECT actor FROM events WHERE actor IS NOT NULL").fetchall()
    assert actors == [("wechat:z",)]


def test_a_replica_from_before_the_message_digests_is_derived_again(store: Store, tmp_path: Path):
    record(store, [configured(), post("a", day=0, ref="q"), post("b", day=0, reply_to="q")])
    path = str(tmp_path / "replica.duckdb")
    with Replica.open(store, path) as replica:  # made as an older shequn left it
        replica.raw.execute("DROP VIEW events")
        replica.raw.execute("ALTER TABLE ev DROP COLUMN ref_key")
    with Replica.open(store, path) as again:
        replies = again.con.execute(
            "SELECT r.person, m.person FROM ev r JOIN ev m ON r.to_id = m.id"
        ).fetchall()
        assert replies == [("wechat:b", "wechat:a")]
        assert again.con.execute("SELECT count(*) FROM events").fetchall() == [(3,)]


def test_a_replica_from_before_the_unresolved_table_resolves_late_messages(
    store: Store, tmp_path: Path
):
    record(store, [configured(), post("b", day=1, reply_to="q", ref="answer")])
    path = str(tmp_path / "replica.duckdb")
    with Replica.open(store, path) as replica:  # made as an older shequn left it
        replica.raw.execute("DROP TABLE unresolved")
    record(store, [post("a", day=0, ref="q")])  # the message the reply names, late
    with Replica.open(store, path) as again:
        kept = again.con.execute("SELECT to_person FROM ev WHERE source_ref = 'answer'").fetchall()
        assert kept == [("wechat:a",)]
        assert again.raw.execute("SELECT count(*) FROM unresolved").fetchall() == [(0,)]


def test_rows_committed_after_a_sync_are_picked_up_by_the_next(store: Store):
    """A writer holds an open transaction across a sync; its rows arrive with the next sync,
    while a second writer's later batch is not lost either."""
    record(store, [configured(), join("a", day=0)])
    replica = Replica.open(store, ":memory:")
    in_txn, release = threading.Event(), threading.Event()

    def slow_writer() -> None:
        with store.transaction() as conn:
            append(conn, [post("a", day=1, ref="slow")])
            in_txn.set()
            release.wait(10)

    t = threading.Thread(target=slow_writer)
    t.start()
    in_txn.wait(10)
    assert replica.sync().copied == 0  # nothing committed yet
    release.set()
    t.join()
    record(store, [post("a", day=2, ref="fast")])
    assert replica.sync().copied == 2
    refs = replica.con.execute("SELECT source_ref FROM events ORDER BY id").fetchall()
    assert [r for (r,) in refs][-2:] == ["slow", "fast"]
    replica.close()


def test_columns_that_start_empty_are_typed_by_their_later_values(store: Store):
    """Thousands of posts (no subject, no inviter) and then one removal with a subject: the
    reader must not have fixed `subject` to a numeric type from the first rows."""
    events = [configured(), join("a", day=0), join("b", day=0)]
    events += [post("a", day=1, hour=k / 400) for k in range(3000)]
    events.append(event("member.removed", "a", day=2, subject="b", reason="spam"))
    record(store, events)
    with Replica.open(store, ":memory:") as replica:
        rows = replica.con.execute(
            "SELECT subject FROM events WHERE subject IS NOT NULL"
        ).fetchall()
        empty = replica.con.execute("SELECT count(*) FROM events WHERE subject = ''").fetchall()
    assert rows == [("wechat:b",)] and empty == [(0,)]


def test_the_watermark_keeps_the_fingerprint_of_people_the_next_sync_compares_with(
    store: Store,
):
    """A sync fingerprints the store's people once and compares that with the fingerprint the
    last watermark kept: it must be the replica's ``people`` as it is, after merges too."""
    record(store, [configured(), join("a", day=0), join("b", day=0), post("b", day=1)])
    with Replica.open(store, ":memory:") as replica:
        fresh = lambda: replica.raw.execute(fingerprint("people")).fetchall()[0][0]  # noqa: E731
        first = kept(replica.raw, "people")
        assert first == fresh()
        merge(store, "wechat:a", "wechat:b", community=COMMUNITY)
        replica.sync()
        assert kept(replica.raw, "people") == fresh() != first
        posts = replica.raw.execute("SELECT person FROM ev WHERE kind = 'message.posted'")
        assert posts.fetchall() == [("wechat:a",)]
        replica.sync()  # nothing new: the same fingerprint kept
        assert kept(replica.raw, "people") == fresh()


def test_the_watermark_a_sync_works_out_is_the_one_counted_afresh(store: Store, tmp_path: Path):
    """A sync works the log's part of the watermark out from the last one kept and the rows
    it added (``results.grown``), not by scanning ``ev``: after new rows, none, a re-read
    overlap, a merge and a replica copied again from scratch, it must be what counting
    ``ev`` says."""
    record(store, [configured(), join("a", day=0), join("b", day=0), post("b", day=1)])
    path = str(tmp_path / "replica.duckdb")
    with Replica.open(store, path) as replica:
        counted = lambda: watermark(replica.raw)  # noqa: E731
        assert stored(replica.raw) == counted()
        record(store, [post("a", day=2), post("b", day=3)])
        assert replica.sync().copied == 2
        assert stored(replica.raw) == counted()
        assert replica.sync().copied == 0  # the overlap window re-read, nothing added
        assert stored(replica.raw) == counted()
        merge(store, "wechat:a", "wechat:b", community=COMMUNITY)
        replica.sync()
        assert stored(replica.raw) == counted()
        replica.raw.execute("UPDATE meta SET value = 'elsewhere' WHERE key = 'origin'")
        assert replica.sync().copied == 7  # filled from another database: copied again
        assert stored(replica.raw) == counted()
        assert counted().split(":")[1:3] == [str(_top(replica)), "7"]


def _top(replica: Replica) -> int:
    return int(replica.raw.execute("SELECT max(id) FROM ev").fetchall()[0][0])
