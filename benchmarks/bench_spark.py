"""The portable metrics on DuckDB and on Spark ``local[2]``, over the same Parquet export.

    python benchmarks/bench_spark.py --events 1000000

The synthetic log of ``bench_metrics.py`` (same generator, same shape: 50 groups, 200,000
members, one year) is derived into the replica's ``ev`` and written by ``shequn export
parquet``'s function (timed). Then the three figures shared with the hand-written SQL —
activity (DAU/WAU/MAU), weekly join-cohort retention, concentration — each defined once
(``analytics/portable.py``), are computed by DuckDB reading the export and by a Spark
``local[2]`` session reading the same export, interleaved, best of ``--repeat``; the results
are checked equal and the ratio Spark / DuckDB is printed as JSON. Spark's session start and
its first (cold) run are reported apart. ``--all`` times every portable metric instead
(``analytics/portable.PORTABLE``; on this log the money and camp figures have little to read).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_metrics import generate, log_options

from shequn.analytics import materialise
from shequn.analytics.parquet import export, read_sql
from shequn.analytics.portable import PORTABLE
from shequn.analytics.registry import all_metrics
from shequn.analytics.scope import Scope

FIGURES = ("activity", "retention", "concentration")
"""The three figures shared with the hand-written SQL of ``bench_metrics.py`` (all portable)."""


def measured(con: Any, names: tuple[str, ...]) -> dict[str, Any]:
    metrics = all_metrics()
    assert set(names) <= set(PORTABLE)
    return {n: metrics[n].run(con, Scope("bench"), metrics[n].check({})) for n in names}


def timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def main() -> None:
    import duckdb

    from shequn.analytics.spark import SparkEngine

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    log_options(ap, events=1_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--threads", type=int, default=2, help="DuckDB threads (Spark: local[2])")
    ap.add_argument("--dir", help="where the files go (default: a temporary directory)")
    ap.add_argument("--all", action="store_true", help="every portable metric, not the three")
    args = ap.parse_args()
    names = PORTABLE if args.all else FIGURES
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        con = duckdb.connect(f"{tmp}/replica.duckdb")
        con.execute(f"SET threads = {args.threads}")
        generate(con, args)
        materialise.append(con, "raw")
        dest = Path(tmp) / "parquet"
        export_s, done = timed(export, con, dest)
        again_s, _ = timed(export, con, dest)
        con.close()

        duck = duckdb.connect()
        duck.execute(f"SET threads = {args.threads}")
        duck.execute("SET TimeZone = 'UTC'")
        duck.execute(f"CREATE VIEW ev AS SELECT * FROM {read_sql(dest)}")
        people = read_sql(dest, "people")  # as the replica names it
        duck.execute(f"CREATE VIEW people AS SELECT community AS of_community, * FROM {people}")
        start_s, spark = timed(SparkEngine.open, dest, args.master)
        cold_s, on_spark = timed(measured, spark, names)
        duck_s, spark_s = [], []
        for _ in range(args.repeat):  # interleaved: the same load on both
            t, on_duck = timed(measured, duck, names)
            duck_s.append(t)
            spark.forget()  # answers are reused within a run, as in a report, not across
            t, on_spark = timed(measured, spark, names)
            spark_s.append(t)
        spark.close()
        assert on_duck == on_spark, "the engines disagree"
        print(
            json.dumps(
                {
                    "events": done.total,
                    "files": sum(1 for _ in (dest / "ev").rglob("*.parquet")),
                    "export_s": round(export_s, 2),
                    "export_again_s": round(again_s, 3),
                    "spark_session_start_s": round(start_s, 1),
                    "spark_cold_s": round(cold_s, 2),
                    "duckdb_s": round(min(duck_s), 2),
                    "spark_s": round(min(spark_s), 2),
                    "spark_over_duckdb": round(min(spark_s) / min(duck_s), 1),
                    "metrics": list(names),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
