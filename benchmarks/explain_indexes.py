"""Which reads need ``ix_events_community_time`` and ``ix_identities_key`` (issue 22).

The append path pays for every index on ``events`` and ``identities``; an index may only go if
no read needs it. This builds a scratch SQLite store from the project's tables, fills
``events`` with a spread of communities, groups, kinds and times, runs ``ANALYZE``, and prints
SQLite's ``EXPLAIN QUERY PLAN`` of the reads (their SQL as the store's functions build it)
first with the indexes and then after dropping them.

    PYTHONPATH=src python benchmarks/explain_indexes.py [--events 60000]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy import create_engine

from shequn.store import tables as t

KINDS = ["message.posted"] * 8 + ["message.delivered", "member.joined", "care.opted_out"]

# name: (where the read is, SQL, parameters)
READS: dict[str, tuple[str, tuple[object, ...]]] = {
    "care.post_times": (
        "SELECT actor, occurred_at FROM events WHERE community_slug = ?"
        " AND kind = 'message.posted' AND occurred_at >= ? AND actor IS NOT NULL"
        " ORDER BY occurred_at",
        ("c1", "2026-05-01"),
    ),
    "care.opted_out": (
        "SELECT actor, kind FROM events WHERE community_slug = ?"
        " AND kind IN ('care.opted_out', 'care.opted_in') AND actor IS NOT NULL"
        " ORDER BY occurred_at, id",
        ("c1",),
    ),
    "engagement.active_posters": (
        "SELECT DISTINCT actor FROM events WHERE community_slug = ? AND group_slug = ?"
        " AND occurred_at >= ? AND occurred_at < ? AND kind = 'message.posted'"
        " AND actor IS NOT NULL",
        ("c1", "g1", "2026-05-01", "2026-06-01"),
    ),
    "engagement.last_welcome_ref": (
        "SELECT data FROM events WHERE community_slug = ? AND group_slug = ?"
        " AND kind = 'message.delivered' ORDER BY occurred_at DESC, id DESC LIMIT 50",
        ("c1", "g1"),
    ),
    "rules_queries (kinds, since)": (
        "SELECT * FROM events WHERE community_slug = ? AND kind IN ('member.joined')"
        " AND occurred_at >= ? ORDER BY occurred_at, id",
        ("c1", "2026-05-01"),
    ),
    "qa_answers (replies since)": (
        "SELECT * FROM events WHERE community_slug = ? AND kind = 'message.posted'"
        " AND occurred_at >= ? AND json_extract(data, '$.reply_to') IN ('1', '2')"
        " ORDER BY occurred_at, id",
        ("c1", "2026-08-01"),
    ),
    "replica sync (by id)": ("SELECT * FROM events WHERE id > ? ORDER BY id LIMIT 10000", (100,)),
    "identities (community, keys)": (
        "SELECT id FROM identities WHERE community_id = ? AND key IN ('a', 'b')",
        (1,),
    ),
    "queries.member_id (key alone)": (
        "SELECT member_id, community_id FROM identities WHERE key = ?",
        ("a",),
    ),
}


def fill(db: sqlite3.Connection, n: int) -> None:
    rnd = random.Random(1)
    rows = [
        (
            rnd.choice(KINDS),
            f"2026-0{1 + i % 9}-{10 + i % 18} 10:00:{i % 60:02d}.000000",
            f"c{i % 3}",
            f"g{i % 7}",
            f"telegram:{i % 900}",
            "bench",
            str(i),
        )
        for i in range(n)
    ]
    db.executemany(
        "INSERT INTO events (kind, occurred_at, community_slug, group_slug, actor, source,"
        " source_ref, data, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, '{}', '2026-01-01')",
        rows,
    )
    db.commit()
    db.execute("ANALYZE")


def plans(db: sqlite3.Connection) -> None:
    for name, (sql, params) in READS.items():
        steps = [str(r[3]) for r in db.execute("EXPLAIN QUERY PLAN " + sql, params)]
        print(f"  {name}: {' | '.join(steps)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=60_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "explain.db"
        t.metadata.create_all(create_engine(f"sqlite:///{path}"))
        db = sqlite3.connect(path)
        fill(db, args.events)
        print("with the indexes:")
        plans(db)
        db.execute("DROP INDEX ix_events_community_time")
        db.execute("DROP INDEX ix_identities_key")
        db.commit()
        db.close()  # a new connection: the old one's statement cache keeps the old plans
        db = sqlite3.connect(path)
        print("without ix_events_community_time and ix_identities_key:")
        plans(db)
        db.close()


if __name__ == "__main__":
    main()
