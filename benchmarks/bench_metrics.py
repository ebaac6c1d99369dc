"""The metric suite at scale, against hand-written SQL and a naive loop, in one run.

    python benchmarks/bench_metrics.py --events 2000000
    python benchmarks/bench_metrics.py --events 10000000 --memory 1GB --threads 2

A synthetic log — 50 groups, 200,000 members, one year; heavy-tailed talk, replies, questions,
links, reactions, check-ins, leaves — is generated into a DuckDB table of raw rows (not
measured), then derived into the replica's ``ev`` table by the same function a sync uses
(``materialise.append``, timed). Then, in one run, interleaved where two things are compared:

- ``suite``: every registered metric, each timed, through the functions the CLI calls, with
  the hand-written three (on Parquet) timed just before and just after: the suite's ratio is
  to their mean, the load of a shared machine moving within minutes;
- ``same_figures``: the three figures the hand-written SQL computes (DAU/WAU/MAU series, weekly
  join-cohort retention, concentration per group) by shequn, and by hand-written DuckDB SQL
  both straight from a Parquet copy of the log and from the same DuckDB table (best of
  ``--repeat``); ``--before`` also times them on the old derived view (``materialise.reference``);
- ``naive``: the same three figures one ORM object per event through SQLAlchemy on a sample of
  ``--naive-events`` rows, extrapolated linearly to the whole log;
- ``sync``: ``--more`` new events derived onto the replica exactly as a sync does after reading
  them (communities, people, ``append``, the new watermark), against ``INSERT`` of the same
  rows into a plain DuckDB table holding the same log, each followed by a ``CHECKPOINT``;
- ``reuse``: the suite and the dashboard pages' data through ``results.Reusing``, cold (first
  run at this watermark) and warm (nothing changed since);
- ``peak_rss_mb``: the process's peak RSS through generation, derivation, the suite, reuse and
  sync (before ``--before`` copies the log into memory and before the naive loop), with
  DuckDB's ``memory_limit`` set to ``--memory`` and ``threads`` to ``--threads``.

Goals (issue 21): same figures <= 1.2 x hand-written; naive >= 50 x shequn; suite <= 4 x the
hand-written three; peak RSS <= 2 GB; sync of 100k <= 2 x the plain append.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, String, create_engine, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shequn.analytics import materialise
from shequn.analytics.activity import activity
from shequn.analytics.registry import all_metrics
from shequn.analytics.replica import prepare
from shequn.analytics.results import Reusing, remember
from shequn.analytics.retention import retention
from shequn.analytics.scope import DEFAULT_ACTIVE_KINDS, Scope
from shequn.analytics.talk import concentration

GENERATE = """
INSERT INTO raw
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
            FROM {log} WHERE kind IN ('message.posted', 'message.reacted', 'checkin.done',
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
            FROM {log}
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
        WITH per AS (SELECT grp, actor, count(*) AS n FROM {log}
                     WHERE kind = 'message.posted' GROUP BY ALL),
        ranked AS (SELECT grp, n, row_number() OVER (PARTITION BY grp ORDER BY n) AS r,
                          count(*) OVER (PARTITION BY grp) AS k,
                          sum(n) OVER (PARTITION BY grp) AS total FROM per)
        SELECT grp, 2 * sum(r * n) / (max(k) * max(total)) - (max(k) + 1) / max(k) AS gini
        FROM ranked GROUP BY grp
    """,
}


def pages(con: Any, scope: Scope) -> dict[str, float]:
    """Each dashboard page's data (``web/views``), as the page asks for it: seconds."""
    from shequn.web import views
    from shequn.web.i18n import DEFAULT, translator

    _ = translator(DEFAULT)
    one = Scope(scope.community, "g1")
    return {
        "overview": timed(views.overview, con, scope, _)[0],
        "groups": timed(views.group_table, con, [scope])[0],
        "group": timed(views.group_detail, con, one, _)[0],
        "retention": timed(views.retention_page, con, scope, _)[0],
        "diagnose": timed(views.moves, con, [scope])[0],
    }


def reused(con: Any, scope: Scope) -> dict[str, Any]:
    """Pages computed afresh; then the suite and the pages through ``Reusing``: cold (first
    at this watermark, storing results) and warm (nothing changed since)."""
    page = lambda c: {k: round(v, 3) for k, v in pages(c, scope).items()}  # noqa: E731
    out: dict[str, Any] = {"pages_fresh_s": page(con)}
    for run in ("cold", "warm"):
        wrapped = Reusing(con)
        t = sum(timed(m.run, wrapped, scope, m.check({}))[0] for m in all_metrics().values())
        out[f"suite_{run}_s"] = round(t, 3)
        out[f"pages_{run}_s"] = page(wrapped)
    return out


def timed(fn, *args, **kwargs) -> tuple[float, Any]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def best(repeat: int, fn, *args) -> float:  # type: ignore[no-untyped-def]
    return min(timed(fn, *args)[0] for _ in range(repeat))


def shequn_three(con: Any, scope: Scope) -> None:
    activity(con, scope)
    retention(con, scope, period="week", periods=8)
    concentration(con, scope)


def hand_three(con: Any, source: str) -> None:
    for q in HANDWRITTEN.values():
        con.execute(q.format(log=source)).fetchall()


def same_figures(con: Any, log: str, repeat: int, before: bool) -> dict[str, Any]:
    """shequn's three figures and the hand-written SQL's, interleaved, best of ``repeat``."""
    scope = Scope("bench")
    ref = materialise.reference(con) if before else None
    runs: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeat):
        runs["shequn_s"].append(timed(shequn_three, con, scope)[0])
        runs["hand_parquet_s"].append(timed(hand_three, con, f"'{log}'")[0])
        runs["hand_table_s"].append(timed(hand_three, con, "ev")[0])
        if ref is not None:
            runs["before_view_s"].append(timed(shequn_three, ref, scope)[0])
    if ref is not None:
        ref.close()
    out: dict[str, Any] = {k: round(min(v), 3) for k, v in runs.items()}
    out["ratio_vs_parquet"] = round(out["shequn_s"] / out["hand_parquet_s"], 2)
    out["ratio_vs_table"] = round(out["shequn_s"] / out["hand_table_s"], 2)
    return out


class Base(DeclarativeBase):
    pass


class Row(Base):
    """One event, one Python object: the naive loop's unit."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String)
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    grp: Mapped[str] = mapped_column(String)
    actor: Mapped[str] = mapped_column(String)


def naive(con: Any, n: int, tmp: str) -> float:
    """The three figures one ORM object per event, on a sample of ``n`` rows: seconds."""
    engine = create_engine(f"sqlite:///{tmp}/naive.db")
    Base.metadata.create_all(engine)
    rows = con.execute(
        f"SELECT id, kind, occurred_at, grp, actor FROM raw USING SAMPLE {n} ROWS (reservoir, 1)"
    ).fetchall()
    with Session(engine) as session:
        session.execute(
            insert(Row), [dict(zip(Row.__table__.c.keys(), r, strict=True)) for r in rows]
        )
        session.commit()
    tz, active = ZoneInfo("Asia/Shanghai"), set(DEFAULT_ACTIVE_KINDS)
    begin = time.perf_counter()
    daily: dict[date, set[str]] = defaultdict(set)
    joined: dict[str, date] = {}
    weeks: dict[str, set[int]] = defaultdict(set)
    posts: dict[str, Counter[str]] = defaultdict(Counter)
    with Session(engine) as session:
        for row in session.scalars(select(Row)):
            day = row.occurred_at.replace(tzinfo=UTC).astimezone(tz).date()
            if row.kind == "member.joined":
                joined[row.actor] = min(day, joined.get(row.actor, day))
            else:
                weeks[row.actor].add(day.toordinal() // 7)
            if row.kind in active:
                daily[day].add(row.actor)
            if row.kind == "message.posted":
                posts[row.grp][row.actor] += 1
    first, last = min(daily), max(daily)
    for i in range((last - first).days + 1):
        d = first + timedelta(days=i)
        dau = len(daily.get(d, ()))
        wau = len(set().union(*(daily.get(d - timedelta(days=k), set()) for k in range(7))))
        mau = len(set().union(*(daily.get(d - timedelta(days=k), set()) for k in range(30))))
        _ = (dau, wau, mau)
    cohorts: dict[int, list[int]] = defaultdict(lambda: [0] * 8)
    for who, day in joined.items():
        for k in range(8):
            if day.toordinal() // 7 + k in weeks[who]:
                cohorts[day.toordinal() // 7][k] += 1
    for counts in posts.values():
        ns = sorted(counts.values())
        total, k = sum(ns), len(ns)
        _ = 2 * sum((i + 1) * x for i, x in enumerate(ns)) / (k * total) - (k + 1) / k
    elapsed = time.perf_counter() - begin
    engine.dispose()
    return elapsed


MORE = """
CREATE OR REPLACE TABLE more AS
SELECT id + (SELECT max(id) + 1 FROM raw) AS id, kind, occurred_at + INTERVAL 1 DAY AS occurred_at,
       community, grp, actor, subject, source, source_ref || '+' AS source_ref, data
FROM raw USING SAMPLE {n} ROWS (reservoir, {seed})
"""


def sync_vs_append(con: Any, n: int, rounds: int = 2) -> dict[str, Any]:
    """``n`` new events derived as a sync does, against a plain append of the same rows."""
    runs: dict[str, list[float]] = defaultdict(list)
    for r in range(rounds):
        con.execute(MORE.format(n=n, seed=r + 2))
        con.execute("CREATE OR REPLACE TEMP TABLE sp AS SELECT * FROM people")
        con.execute("CREATE OR REPLACE TEMP TABLE sc AS SELECT * FROM communities")

        def plain() -> None:
            con.execute("BEGIN")
            con.execute("INSERT INTO raw SELECT * FROM more")
            con.execute("COMMIT")
            con.execute("CHECKPOINT")  # both sides durable in the file, not just the WAL

        def sync() -> None:
            con.execute("BEGIN")
            materialise.refresh_communities(con, "sc")
            materialise.refresh_people(con, "sp")
            materialise.append(con, "more")
            remember(con)
            con.execute("COMMIT")
            con.execute("CHECKPOINT")

        order = (("append_s", plain), ("sync_s", sync))
        for name, fn in order if r % 2 == 0 else order[::-1]:
            runs[name].append(timed(fn)[0])
    out: dict[str, Any] = {k: round(min(v), 3) for k, v in runs.items()}
    out["events"] = n
    out["ratio"] = round(out["sync_s"] / out["append_s"], 2)
    return out


def rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def log_options(ap: argparse.ArgumentParser, events: int) -> None:
    """The options that shape the synthetic log (shared with ``bench_spark.py``)."""
    ap.add_argument("--events", type=int, default=events)
    ap.add_argument("--members", type=int, default=200_000)
    ap.add_argument("--groups", type=int, default=50)


def generate(con: Any, args: argparse.Namespace) -> float:
    """The synthetic log as raw rows in table ``raw`` of a prepared replica (people and the
    community's time zone included, ``ev`` not derived yet); the seconds generating took."""
    prepare(con)
    con.execute(materialise.RAW.format(temp="", name="raw"))
    seconds, _ = timed(
        con.execute,
        GENERATE.format(
            members=args.members,
            groups=args.groups,
            events=args.events,
            leaves=args.members // 10,
        ),
    )
    con.execute("INSERT INTO communities VALUES ('bench', 'Asia/Shanghai')")
    con.execute("INSERT INTO people SELECT DISTINCT 'bench', actor, actor FROM raw")
    return seconds


def main() -> None:
    import duckdb

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    log_options(ap, events=2_000_000)
    ap.add_argument("--naive-events", type=int, default=100_000)
    ap.add_argument("--more", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory", default="1GB", help="DuckDB memory_limit")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--before", action="store_true", help="also time the old derived view")
    ap.add_argument("--skip", default="", help="comma-separated: reuse, naive")
    ap.add_argument("--dir", help="where the files go (default: a temporary directory)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        con = duckdb.connect(f"{tmp}/replica.duckdb")
        con.execute(f"SET memory_limit = '{args.memory}'")
        con.execute(f"SET threads = {args.threads}")
        con.execute(f"SET temp_directory = '{tmp}/spill'")
        gen_s = generate(con, args)
        derive_s, n = timed(materialise.append, con, "raw")
        log = f"{tmp}/log.parquet"
        con.execute(f"COPY raw TO '{log}' (FORMAT parquet)")
        scope = Scope("bench")
        # the hand-written three just before and just after each suite run: on a shared
        # machine the load moves within minutes, so the suite's baseline is their mean
        hand = [timed(hand_three, con, f"'{log}'")[0]]
        suite: dict[str, float] = {}
        for name, metric in sorted(all_metrics().items()):
            suite[name], _ = timed(metric.run, con, scope, metric.check({}))
        hand.append(timed(hand_three, con, f"'{log}'")[0])
        reuse = reused(con, scope) if "reuse" not in args.skip else {}
        hand_reuse = timed(hand_three, con, f"'{log}'")[0] if reuse else 0.0
        sync = sync_vs_append(con, args.more)
        peak = rss_mb()  # before --before's in-memory copy of the log and the naive loop
        same = same_figures(con, log, args.repeat, args.before)
        naive_s = naive(con, args.naive_events, tmp) if "naive" not in args.skip else float("nan")
        naive_full = naive_s * n / args.naive_events
        suite_s = sum(suite.values())
        report = {
            "events": n,
            "duckdb": {"memory_limit": args.memory, "threads": args.threads},
            "generate_s": round(gen_s, 1),
            "derive_s": round(derive_s, 1),
            "suite_s": round(suite_s, 2),
            "hand_three_around_suite_s": [round(h, 3) for h in hand],
            "suite_vs_hand_three": round(suite_s / (sum(hand) / 2), 2),
            "suite_reused_vs_hand_three": (
                round(reuse["suite_cold_s"] / ((hand[1] + hand_reuse) / 2), 2) if reuse else None
            ),
            "per_metric_s": {
                k: round(v, 3) for k, v in sorted(suite.items(), key=lambda kv: -kv[1])
            },
            "same_figures": same,
            "naive_extrapolated_s": round(naive_full, 1),
            "naive_vs_shequn": round(naive_full / same["shequn_s"], 1),
            "sync": sync,
            "reuse": reuse,
            "peak_rss_mb": peak,
        }
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
