"""The metric suite at scale, against hand-written SQL and a naive loop, in one run.

    python benchmarks/bench_metrics.py                      # 10,000,000 events
    python benchmarks/bench_metrics.py --events 1000000

A synthetic log — 50 groups, 200,000 members, one year; heavy-tailed talk, replies, questions,
links, reactions, check-ins, leaves — is generated straight into a DuckDB replica (generation
is not what is measured). Then:

(a) shequn's report suite: every metric ``shequn report`` shows plus the other registered
    metrics, each timed, through the same functions the CLI calls;
(b) the practical limit: hand-written DuckDB SQL computing the headline figures (DAU/WAU/MAU
    series, weekly join-cohort retention, concentration per group) straight from a Parquet
    copy of the log;
(c) a naive ORM loop computing DAU and weekly retention one Python object per event, on
    100,000 events through SQLAlchemy, extrapolated to the full log.

Issue #5's goals: (a) <= 1.5 x (b) for the same figures, and (c) / (a) >= 50.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shequn.analytics.activity import activity
from shequn.analytics.registry import all_metrics
from shequn.analytics.replica import prepare
from shequn.analytics.retention import retention
from shequn.analytics.scope import Scope
from shequn.analytics.talk import concentration

GENERATE = """
INSERT INTO events
WITH params AS (SELECT {members} AS m, {groups} AS g, {events} AS n),
joins AS (
    SELECT i AS id, 'member.joined' AS kind,
           TIMESTAMP '2025-01-01' + to_seconds(CAST(hash(i, 1) % (300 * 86400) AS BIGINT))
               AS occurred_at,
           'g' || (i % {groups}) AS grp, 'sim:' || i AS actor, 'j' || i AS source_ref,
           '{{"channel": "qr"}}' AS data
    FROM range({members}) t(i)
),
acts AS (
    SELECT {members} + i AS id, i,
           (hash(i, 2) % 1000000) / 1e6 AS u, (hash(i, 3) % 1000000) / 1e6 AS k,
           (hash(i, 4) % 1000000) / 1e6 AS q
    FROM range({events} - {members} - {leaves}) t(i)
),
talk AS (
    SELECT a.id,
           CASE WHEN k < 0.80 THEN 'message.posted' WHEN k < 0.95 THEN 'message.reacted'
                WHEN k < 0.98 THEN 'checkin.done' ELSE 'content.shared' END AS kind,
           CAST(floor({members} * pow(u, 3)) AS BIGINT) AS who, q, i
    FROM acts a
),
msgs AS (
    SELECT t.id, t.kind, j.occurred_at + to_seconds(CAST(
               (hash(t.i, 5) % (365 * 86400)) AS BIGINT)) AS occurred_at,
           j.grp, j.actor, 'm' || t.id AS source_ref,
           CASE WHEN t.kind = 'message.posted' THEN json_object(
                    'length', CAST(hash(t.i, 6) % 200 AS INTEGER),
                    'is_question', t.q < 0.1, 'has_link', t.q > 0.95,
                    'reply_to', CASE WHEN t.q BETWEEN 0.1 AND 0.4
                                     THEN 'm' || (t.id - 1 - hash(t.i, 7) % 20) END)
                WHEN t.kind = 'message.reacted' THEN json_object('message', 'm' || (t.id - 1))
                WHEN t.kind = 'checkin.done' THEN json_object('camp', 'c1', 'day',
                    CAST(hash(t.i, 8) % 21 + 1 AS INTEGER))
                ELSE json_object('url', 'https://example.org/' || t.i) END AS data
    FROM talk t JOIN joins j ON j.id = t.who
),
leaves AS (
    SELECT {events} - {leaves} + i AS id, 'member.left' AS kind,
           j.occurred_at + to_seconds(CAST(hash(i, 9) % (200 * 86400) AS BIGINT))
               AS occurred_at, j.grp, j.actor, 'l' || i AS source_ref, '{{}}' AS data
    FROM range({leaves}) t(i) JOIN joins j ON j.id = (hash(i, 10) % {members})
)
SELECT id, kind, occurred_at, 'bench', grp, actor, NULL, 'bench', source_ref,
       CAST(data AS JSON)
FROM (SELECT * FROM joins UNION ALL SELECT * FROM msgs UNION ALL SELECT * FROM leaves)
"""

HANDWRITTEN = {
    "activity": """
        WITH act AS (
            SELECT DISTINCT actor AS person,
                   CAST(timezone('Asia/Shanghai', occurred_at::TIMESTAMPTZ) AS DATE) AS day
            FROM '{log}' WHERE kind IN ('message.posted', 'message.reacted', 'checkin.done',
                                        'content.shared')
        ),
        seg AS (SELECT day, lead(day) OVER (PARTITION BY person ORDER BY day) AS nxt FROM act),
        deltas AS (
            SELECT day AS d, 1 AS a, 1 AS b, 1 AS c FROM seg
            UNION ALL SELECT day + 1, -1, 0, 0 FROM seg
            UNION ALL SELECT least(day + 7, coalesce(nxt, day + 7)), 0, -1, 0 FROM seg
            UNION ALL SELECT least(day + 30, coalesce(nxt, day + 30)), 0, 0, -1 FROM seg
        )
        SELECT d, sum(sum(a)) OVER w, sum(sum(b)) OVER w, sum(sum(c)) OVER w
        FROM deltas GROUP BY d WINDOW w AS (ORDER BY d) ORDER BY d
    """,
    "retention": """
        WITH local AS (
            SELECT kind, actor,
                   CAST(date_trunc('week', timezone('Asia/Shanghai', occurred_at::TIMESTAMPTZ))
                        AS DATE) AS wk
            FROM '{log}'
        ),
        cohort AS (SELECT actor, min(wk) AS c FROM local WHERE kind = 'member.joined'
                   GROUP BY actor),
        act AS (SELECT DISTINCT actor, wk FROM local WHERE kind <> 'member.joined')
        SELECT cohort.c, count(DISTINCT cohort.actor) AS size,
               count(DISTINCT act.actor) FILTER (WHERE date_diff('week', cohort.c, act.wk) = 1)
        FROM cohort LEFT JOIN act USING (actor)
        WHERE act.wk IS NULL OR date_diff('week', cohort.c, act.wk) BETWEEN 0 AND 7
        GROUP BY cohort.c ORDER BY cohort.c
    """,
    "concentration": """
        WITH per AS (SELECT grp, actor, count(*) AS n FROM '{log}'
                     WHERE kind = 'message.posted' GROUP BY ALL),
        ranked AS (SELECT grp, n, row_number() OVER (PARTITION BY grp ORDER BY n) AS r,
                          count(*) OVER (PARTITION BY grp) AS k,
                          sum(n) OVER (PARTITION BY grp) AS total FROM per)
        SELECT grp, 2 * sum(r * n) / (max(k) * max(total)) - (max(k) + 1) / max(k) AS gini
        FROM ranked GROUP BY grp
    """,
}


def timed(fn, *args, **kwargs) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def naive_orm(n: int, tmp: str) -> float:
    """DAU + weekly retention one Python object per event, through SQLAlchemy, on n events."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from shequn.engine.record import record
    from shequn.model.events import Event
    from shequn.store import tables as t
    from shequn.store.db import Store

    store = Store.open(f"sqlite:///{tmp}/naive.db")
    start_day = date(2025, 1, 1)
    events = [
        Event(
            kind="community.configured",
            occurred_at="2025-01-01T00:00:00Z",
            community="bench",
            source="b",
            source_ref="cfg",
            data={"name": "b", "timezone": "UTC", "blueprint": {}},
        )
    ]
    for i in range(n):
        who = f"sim:{i % 2000}"
        kind = "member.joined" if i < 2000 else "message.posted"
        at = f"{start_day + timedelta(days=(i * 7) % 365)}T12:00:00Z"
        events.append(
            Event(
                kind=kind,
                occurred_at=at,
                community="bench",
                group="g",
                actor=who,
                source="b",
                source_ref=str(i),
            )
        )
    record(store, events)
    begin = time.perf_counter()
    dau: dict[date, set[str]] = defaultdict(set)
    joined: dict[str, date] = {}
    active_weeks: dict[str, set[int]] = defaultdict(set)
    with Session(store.engine) as session:
        for row in session.execute(select(t.events)):
            day = row.occurred_at.date()
            if row.kind == "member.joined":
                joined.setdefault(row.actor, day)
            else:
                dau[day].add(row.actor)
                active_weeks[row.actor].add(day.toordinal() // 7)
    cohorts: dict[int, list[int]] = defaultdict(lambda: [0] * 8)
    for who, day in joined.items():
        for k in range(8):
            if day.toordinal() // 7 + k in active_weeks[who]:
                cohorts[day.toordinal() // 7][k] += 1
    elapsed = time.perf_counter() - begin
    store.close()
    return elapsed


def main() -> None:
    import duckdb

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--members", type=int, default=200_000)
    ap.add_argument("--groups", type=int, default=50)
    ap.add_argument("--naive-events", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(f"{tmp}/replica.duckdb")
        prepare(con)
        gen_s, _ = timed(
            con.execute,
            GENERATE.format(
                members=args.members,
                groups=args.groups,
                events=args.events,
                leaves=args.members // 10,
            ),
        )
        con.execute("INSERT INTO communities VALUES ('bench', 'Asia/Shanghai')")
        con.execute("INSERT INTO people SELECT DISTINCT actor, actor FROM events")
        n = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
        log = f"{tmp}/log.parquet"
        con.execute(f"COPY (SELECT * FROM events) TO '{log}' (FORMAT parquet)")
        scope = Scope("bench")

        suite: dict[str, float] = {}
        for name, metric in all_metrics().items():
            suite[name], _ = timed(metric.compute, con, scope)
        same = {
            "activity": timed(activity, con, scope)[0],
            "retention": timed(retention, con, scope)[0],
            "concentration": timed(concentration, con, scope)[0],
        }
        hand = {
            name: timed(lambda q=q: con.execute(q.format(log=log)).fetchall())[0]
            for name, q in HANDWRITTEN.items()
        }
        naive_s = naive_orm(args.naive_events, tmp)
        naive_full = naive_s * n / args.naive_events
        ours_same, hand_total = sum(same.values()), sum(hand.values())
        print(
            json.dumps(
                {
                    "events": n,
                    "generate_s": round(gen_s, 1),
                    "suite_s": round(sum(suite.values()), 2),
                    "per_metric_s": {k: round(v, 2) for k, v in suite.items()},
                    "same_figures": {
                        "shequn_s": round(ours_same, 2),
                        "handwritten_s": round(hand_total, 2),
                        "ratio": round(ours_same / hand_total, 2),
                    },
                    "naive_orm_extrapolated_s": round(naive_full, 1),
                    "naive_vs_suite": round(naive_full / ours_same, 1),
                    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
