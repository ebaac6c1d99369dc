"""Bulk-append throughput: shequn's ingest path against a bare-insert baseline, same run.

    python benchmarks/bench_append.py                 # SQLite, 200,000 events
    python benchmarks/bench_append.py --events 1000000 --postgres

The figure that matters is events/s of ``ingest`` (validation excluded: events are built
first) — the target from issue #3 is >= 50,000 events/s on SQLite. Because absolute speed
depends on the machine, the result is also given as a ratio against a baseline measured in
the same run: the same rows inserted by raw ``executemany`` into a bare table with only the
``(source, source_ref)`` unique index (no projections, no ORM). On PostgreSQL the baseline
is psycopg's ``executemany`` into the same bare table.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store.db import Store

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make_events(n: int, *, members: int = 5_000, groups: int = 10, seed: int = 7) -> list[Event]:
    """A realistic mix: every member joins once, then talk with replies, reactions, links."""
    rnd = random.Random(seed)
    out = [
        Event(
            kind="community.configured",
            occurred_at=T0,
            community="bench",
            source="bench",
            source_ref="cfg",
            data={"name": "Bench", "timezone": "UTC", "blueprint": {}},
        )
    ]
    for m in range(members):
        out.append(
            Event(
                kind="member.joined",
                occurred_at=T0 + timedelta(seconds=m),
                community="bench",
                group=f"g{m % groups}",
                actor=f"wechat:u{m}",
                source="bench",
                source_ref=f"j{m}",
                data={"channel": "qr", "actor_name": f"user {m}"},
            )
        )
    weights = [1 / (k + 1) for k in range(members)]  # heavy tail: a few talk most
    authors = rnd.choices(range(members), weights=weights, k=n - len(out))
    for k, a in enumerate(authors):
        at = T0 + timedelta(seconds=members + k * 3)
        r = rnd.random()
        if r < 0.85:
            out.append(
                Event(
                    kind="message.posted",
                    occurred_at=at,
                    community="bench",
                    group=f"g{a % groups}",
                    actor=f"wechat:u{a}",
                    source="bench",
                    source_ref=f"m{k}",
                    data={
                        "length": rnd.randint(1, 300),
                        "has_link": r < 0.05,
                        "is_question": r < 0.1,
                        "reply_to": f"m{k - 1}" if r < 0.3 and k else None,
                    },
                )
            )
        else:
            out.append(
                Event(
                    kind="message.reacted",
                    occurred_at=at,
                    community="bench",
                    group=f"g{a % groups}",
                    actor=f"wechat:u{a}",
                    source="bench",
                    source_ref=f"r{k}",
                    data={"message": f"m{k - 1}", "emoji": "👍"},
                )
            )
    return out


def _rows(events: list[Event]) -> list[tuple[object, ...]]:
    return [
        (
            e.kind,
            e.occurred_at.isoformat(),
            e.community,
            e.group,
            e.actor,
            e.subject,
            e.source,
            e.source_ref,
            json.dumps(e.data),
        )
        for e in events
    ]


BARE = """CREATE TABLE ev (id INTEGER PRIMARY KEY, kind TEXT, occurred_at TEXT, community TEXT,
 grp TEXT, actor TEXT, subject TEXT, source TEXT, source_ref TEXT, data TEXT,
 UNIQUE (source, source_ref))"""


def baseline_sqlite(events: list[Event], path: Path) -> float:
    rows = _rows(events)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(BARE)
    start = time.perf_counter()
    for i in range(0, len(rows), 5_000):
        with conn:
            conn.executemany(
                "INSERT OR IGNORE INTO ev (kind, occurred_at, community, grp, actor,"
                " subject, source, source_ref, data) VALUES (?,?,?,?,?,?,?,?,?)",
                rows[i : i + 5_000],
            )
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def baseline_postgres(events: list[Event], url: str) -> float:
    import psycopg

    rows = _rows(events)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        conn.execute(
            BARE.replace("INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY").replace(
                "data TEXT", "data JSONB"
            )
        )
        conn.commit()
        start = time.perf_counter()
        for i in range(0, len(rows), 5_000):
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO ev (kind, occurred_at, community, grp, actor, subject,"
                    " source, source_ref, data) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)"
                    " ON CONFLICT DO NOTHING",
                    rows[i : i + 5_000],
                )
            conn.commit()
        return time.perf_counter() - start


def shequn_append(events: list[Event], url: str) -> tuple[float, int]:
    store = Store.open(url)
    start = time.perf_counter()
    result = record(store, events)
    elapsed = time.perf_counter() - start
    again = time.perf_counter()
    dup = record(store, events)
    redo = time.perf_counter() - again
    store.close()
    if result.new != len(events) or dup.new != 0:
        raise SystemExit(f"append went wrong: {result} then {dup}")
    return elapsed, int(len(events) / redo)


def report(name: str, n: int, base: float, ours: float, redo_rate: int) -> dict[str, object]:
    line = {
        "backend": name,
        "events": n,
        "shequn_events_per_s": round(n / ours),
        "baseline_rows_per_s": round(n / base),
        "ratio_vs_baseline": round(base / ours, 3),
        "reimport_events_per_s": redo_rate,
    }
    print(json.dumps(line))
    return line


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument(
        "--postgres",
        action="store_true",
        help="also measure on a throwaway PostgreSQL cluster (needs the postgresql server package)",
    )
    args = ap.parse_args()
    events = make_events(args.events)
    with tempfile.TemporaryDirectory() as tmp:
        base = baseline_sqlite(events, Path(tmp) / "bare.db")
        ours, redo = shequn_append(events, f"sqlite:///{tmp}/shequn.db")
        report("sqlite", len(events), base, ours, redo)
    if args.postgres:
        from tests.conftest import new_pg_database
        from tests.pgcluster import postgres_cluster

        with postgres_cluster() as pg:
            base = baseline_postgres(events, new_pg_database(pg))
            ours, redo = shequn_append(events, new_pg_database(pg))
            report("postgresql", len(events), base, ours, redo)


if __name__ == "__main__":
    main()
