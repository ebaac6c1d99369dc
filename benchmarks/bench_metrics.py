"""The metric suite at scale, against hand-written SQL and a naive loop, in one run.

    python benchmarks/bench_metrics.py --events 2000000
    python benchmarks/bench_metrics.py --events 10000000 --memory 1GB --threads 2

A synthetic log — 50 groups, 200,000 members, one year; heavy-tailed talk, replies, questions,
links, reactions, check-ins, leaves — is generated into a DuckDB table of raw rows (not
measured), then derived into the replica's ``ev`` table by the same function a sync uses
(``materialise.append``, timed). Then, in one run, interleaved where two things are compared:

- ``suite``: every registered metric, through the functions the CLI calls, run as the report
  and the dashboard run them (``together.run``: ``--workers`` at a time on cursors of the
  replica; ``--workers 1``: one after the other, each metric's own CPU seconds measurable),
  with the hand-written three (on Parquet) timed just before and just after: the suite's
  ratio is to their mean, the load of a shared machine moving within minutes;
- ``same_figures``: the three figures the hand-written SQL computes (DAU/WAU/MAU series, weekly
  join-cohort retention, concentration per group) by shequn, and by hand-written DuckDB SQL
  both straight from a Parquet copy of the log and from the same DuckDB table (best of
  ``--repeat``); ``--before`` also times them on the old derived view (``materialise.reference``);
- ``naive``: the same three figures one ORM object per event through SQLAlchemy on a sample
  of ``--naive-events`` rows, extrapolated linearly to the whole log (``baselines.py``), wall
  and CPU, against shequn's best of ``same_figures`` (the loop uses one core, DuckDB two: the
  wall ratio moves with the machine's load, the CPU ratio much less);
- ``sync``: ``--more`` new events derived onto the replica exactly as a sync does after reading
  them (communities, people, ``append``, the new watermark), against ``INSERT`` of the same
  rows into a plain DuckDB table holding the same log, each followed by a ``CHECKPOINT``
  (wall and CPU, best of two interleaved rounds after an untimed one; the new rows staged in
  a temporary table, as a sync stages what it read), for two batches: a sample of the log's
  year whose replies name messages anywhere in it (``MORE``), and under ``recent`` new
  events after the log's end whose replies name the rows just before them (``MORE_RECENT``);
- ``reuse``: the suite and the dashboard pages' data through ``results.Reusing``, cold (first
  run at this watermark) and warm (nothing changed since);
- every time is wall and CPU seconds (``clocked``: this process, DuckDB's threads included):
  on a shared machine the wall clock mostly says how loaded it was, so the ratios are given
  both ways, and ``load_average`` is printed with them;
- ``--chunk N`` derives the log N ids at a time, as successive syncs would (for 30M–100M
  events: no batch is sorted whole); the per-metric table is also printed on stderr;
- progress lines on stderr as each step ends (each derived batch, each metric: wall and CPU
  seconds, RSS so far, the load average): a 100M run takes an hour or more, and one stopped
  early still says how far it got and at what rate;
- ``same_figures`` and ``naive`` run before ``sync``, on the log as generated: the sync adds its
  batches to ``ev`` and ``raw`` (600,000 events with the defaults), which the Parquet copy and
  the naive loop's extrapolation do not have;
- ``peak_rss_mb``: the process's peak RSS through generation, derivation, the suite and reuse
  (before ``--before`` copies the log into memory, the naive loop and the sync), with
  DuckDB's ``memory_limit`` set to ``--memory`` and ``threads`` to ``--threads``;
- ``compiled_sql_store``: compiled SQL kept across processes (``analytics/compiled_store``),
  its folder and hits/misses of the suite and of the whole run. By default the user's cache
  (``SHEQUN_CACHE_DIR``, as ``shequn report`` uses it: a second run finds the first's SQL);
  ``--cold`` uses a fresh empty folder, a first run's cost.

Goals (issue 21): same figures <= 1.2 x hand-written; naive >= 50 x shequn; suite <= 4 x the
hand-written three; peak RSS <= 2 GB; sync of 100k <= 2 x the plain append.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.baselines import hand_three, naive, same_figures
from benchmarks.clock import clocked, timed
from benchmarks.sync_append import sync_vs_append

from shequn.analytics import cachedir, compiled_store, materialise, together
from shequn.analytics.registry import all_metrics
from shequn.analytics.replica import prepare
from shequn.analytics.results import Reusing, remember
from shequn.analytics.scope import Scope

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


def suite_run(con: Any, scope: Scope, workers: int, each: dict[str, tuple[float, float]]) -> None:
    """Every registered metric with its defaults, as ``together.run`` runs them; each one's
    wall and CPU seconds into ``each`` (its CPU only with ``workers`` 1: side by side, a
    process's CPU is not one metric's)."""

    def job(name: str, metric: Any) -> Any:
        def timed_job(c: Any) -> Any:
            cpu, wall = time.process_time(), time.perf_counter()
            result = metric.run(c, scope, metric.check({}))
            spent = (time.perf_counter() - wall, time.process_time() - cpu)
            each[name] = spent if workers == 1 else (spent[0], float("nan"))
            progress(f"metric {name}", *each[name])
            return result

        return timed_job

    together.run(con, {n: job(n, m) for n, m in sorted(all_metrics().items())}, workers)


def reused(con: Any, scope: Scope, with_pages: bool, workers: int) -> dict[str, Any]:
    """Pages computed afresh; then the suite and the pages through ``Reusing``: cold (first
    at this watermark, storing results) and warm (nothing changed since). Without pages
    (``--skip pages``: the diagnose page alone takes minutes at 10M) only the suite."""
    page = lambda c: {k: round(v, 3) for k, v in pages(c, scope).items()}  # noqa: E731
    out: dict[str, Any] = {"pages_fresh_s": page(con)} if with_pages else {}
    for run in ("cold", "warm"):
        wrapped = Reusing(con)
        wall, cpu = clocked(suite_run, wrapped, scope, workers, {})
        out[f"suite_{run}_s"] = round(wall, 3)
        out[f"suite_{run}_cpu_s"] = round(cpu, 3)
        if with_pages:
            out[f"pages_{run}_s"] = page(wrapped)
    return out


def rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def progress(step: str, wall: float, cpu: float | None = None) -> None:
    """One line on stderr as a step ends, flushed: what a run stopped early leaves behind."""
    spent = f"{wall:.2f} s" + ("" if cpu is None else f" / {cpu:.2f} CPU s")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    stamp = time.strftime("%H:%M:%S", time.gmtime())
    line = f"[{stamp}] {step}: {spent}, peak RSS {rss_mb()} MB, load {load}"
    print(line, file=sys.stderr, flush=True)


def log_options(ap: argparse.ArgumentParser, events: int) -> None:
    """The options that shape the synthetic log (shared with ``bench_spark.py``)."""
    ap.add_argument("--events", type=int, default=events)
    ap.add_argument("--members", type=int, default=200_000)
    ap.add_argument("--groups", type=int, default=50)


def derive(con: Any, chunk: int) -> int:
    """Derive table ``raw`` into ``ev`` as syncs do, ``chunk`` ids at a time (0: in one
    batch). Batches bound what one derivation sorts (each fills row groups, so each is sorted
    by community, kind and time): a 100M-event log is derived streamed, a batch at a time,
    never sorted whole. The number of rows derived."""
    if not chunk:
        return int(materialise.append(con, "raw"))
    top = int(con.execute("SELECT max(id) FROM raw").fetchall()[0][0])
    n = 0
    for lo in range(0, top + 1, chunk):
        wall, cpu = time.perf_counter(), time.process_time()
        ids = f"id >= {lo} AND id < {lo + chunk}"
        con.execute(f"CREATE OR REPLACE VIEW batch AS SELECT * FROM raw WHERE {ids}")
        n += materialise.append(con, "batch")
        con.execute("CHECKPOINT")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        progress(f"derived ids < {lo + chunk:,} ({n:,} rows)", wall, cpu)
    con.execute("DROP VIEW batch")
    return n


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
    ap.add_argument(
        "--workers",
        type=int,
        default=together.WORKERS,
        help="metrics at once (together.run); 1: in a row, each metric's CPU measured",
    )
    ap.add_argument("--before", action="store_true", help="also time the old derived view")
    ap.add_argument(
        "--skip", default="", help="comma-separated: reuse, pages (of reuse), naive, same"
    )
    ap.add_argument(
        "--chunk", type=int, default=0, help="derive the log this many ids at a time (0: at once)"
    )
    ap.add_argument("--dir", help="where the files go (default: a temporary directory)")
    ap.add_argument(
        "--cold",
        action="store_true",
        help="compiled SQL from a fresh empty cache dir (default: the user's, as the product)",
    )
    args = ap.parse_args()
    if args.dir:  # a big disk's folder need not exist yet (the run's files go below it)
        Path(args.dir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        if args.cold:  # nothing compiled by an earlier process: every query compiled here
            os.environ["SHEQUN_CACHE_DIR"] = f"{tmp}/cache"
        con = duckdb.connect(f"{tmp}/replica.duckdb")
        con.execute(f"SET memory_limit = '{args.memory}'")
        con.execute(f"SET threads = {args.threads}")
        con.execute(f"SET temp_directory = '{tmp}/spill'")
        gen_s = generate(con, args)
        progress(f"generated {args.events:,} raw rows", gen_s)
        derive_s, n = timed(derive, con, args.chunk)
        remember(con)  # the watermark a sync keeps, as every synced replica has it
        progress(f"derived {n:,} rows", derive_s)
        log = f"{tmp}/log.parquet"
        progress(
            "copied the log to Parquet",
            *clocked(con.execute, f"COPY raw TO '{log}' (FORMAT parquet)"),
        )
        scope = Scope("bench")
        # the hand-written three just before and just after each suite run: on a shared
        # machine the load moves within minutes, so the suite's baseline is their mean
        hand = [clocked(hand_three, con, f"'{log}'")]
        progress("hand-written three, before the suite", *hand[0])
        suite: dict[str, tuple[float, float]] = {}
        suite_s, suite_cpu = clocked(suite_run, con, scope, args.workers, suite)
        progress("the suite", suite_s, suite_cpu)
        kept_sql = dict(compiled_store.counts)  # the suite's own: hits, misses
        hand.append(clocked(hand_three, con, f"'{log}'"))
        progress("hand-written three, after the suite", *hand[1])
        reuse = (
            reused(con, scope, "pages" not in args.skip, args.workers)
            if "reuse" not in args.skip
            else {}
        )
        hand_reuse = clocked(hand_three, con, f"'{log}'") if reuse else (0.0, 0.0)
        peak = rss_mb()  # before --before's in-memory copy of the log and the naive loop
        # before the sync: it adds its batches (6 x --more events) to ev and raw, and the
        # Parquet copy and the naive loop's extrapolation are the log as generated
        same = same_figures(con, log, args.repeat, args.before) if "same" not in args.skip else {}
        nan = float("nan")
        naive_s = naive(con, args.naive_events, tmp) if "naive" not in args.skip else (nan, nan)
        sync = sync_vs_append(con, args.more)
        progress(f"sync of {args.more:,} vs plain append", sync["sync_s"], sync["sync_cpu_s"])
        naive_full, naive_cpu = (x * n / args.naive_events for x in naive_s)
        hand_s, hand_cpu = ((hand[0][i] + hand[1][i]) / 2 for i in (0, 1))
        report = {
            "events": n,
            "duckdb": {"memory_limit": args.memory, "threads": args.threads},
            "workers": args.workers,
            "load_average": [round(x, 1) for x in os.getloadavg()],
            "generate_s": round(gen_s, 1),
            "derive_s": round(derive_s, 1),
            "suite_s": round(suite_s, 2),
            "suite_cpu_s": round(suite_cpu, 2),
            "hand_three_around_suite_s": [[round(x, 3) for x in h] for h in hand],
            "suite_vs_hand_three": round(suite_s / hand_s, 2),
            "suite_vs_hand_three_cpu": round(suite_cpu / hand_cpu, 2),
            "suite_reused_vs_hand_three": (
                round(reuse["suite_cold_s"] / ((hand[1][0] + hand_reuse[0]) / 2), 2)
                if reuse
                else None
            ),
            "suite_reused_vs_hand_three_cpu": (
                round(reuse["suite_cold_cpu_s"] / ((hand[1][1] + hand_reuse[1]) / 2), 2)
                if reuse
                else None
            ),
            "per_metric_wall_cpu_s": {
                k: [round(v[0], 3), round(v[1], 3)]
                for k, v in sorted(suite.items(), key=lambda kv: -kv[1][args.workers == 1])
            },
            "same_figures": same,
            "naive_extrapolated_s": round(naive_full, 1),
            "naive_extrapolated_cpu_s": round(naive_cpu, 1),
            "naive_vs_shequn": round(naive_full / same["shequn_s"], 1) if same else None,
            "naive_vs_shequn_cpu": round(naive_cpu / same["shequn_cpu_s"], 1) if same else None,
            "sync": sync,
            "reuse": reuse,
            "peak_rss_mb": peak,
            "compiled_sql_store": {
                "folder": str(cachedir.folder()),
                "cold": args.cold,
                "suite": kept_sql,
                "whole_run": dict(compiled_store.counts),
            },
        }
        print(json.dumps(report, indent=2))
        table(report["per_metric_wall_cpu_s"])


def table(per_metric: dict[str, list[float]]) -> None:
    """The per-metric times as a Markdown table on stderr (for docs/scale.md)."""
    print("| metric | wall s | CPU s |\n|---|---|---|", file=sys.stderr)
    for name, (wall, cpu) in per_metric.items():
        print(f"| `{name}` | {wall:.2f} | {cpu:.2f} |", file=sys.stderr)


if __name__ == "__main__":
    main()
