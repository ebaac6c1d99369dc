"""Import throughput and memory: ``shequn import`` of a Telegram export against a baseline.

    python benchmarks/bench_import.py                    # 1,000,000 messages (~500 MB file)
    python benchmarks/bench_import.py --messages 200000

Measured in one run, each in its own process so peak RSS is its own:

(a) ``shequn import result.json`` into a fresh SQLite store (detection, streaming parse,
    mapping to events, validation, append with projections);
(b) the practical floor: parse the same file with orjson (whole file) and append the same
    number of rows to DuckDB as one Arrow table.

Issue #4's goal: (a) <= 2.0 x (b) in time, and (a) peak RSS <= 400 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLE = ROOT / "examples" / "study-group" / "community.toml"

BASELINE = """
import sys, orjson, duckdb, pyarrow as pa
data = orjson.loads(open(sys.argv[1], "rb").read())
msgs = data["messages"]
cols = {"id": [], "kind": [], "at": [], "actor": [], "text_len": []}
for m in msgs:
    cols["id"].append(m["id"])
    cols["kind"].append(m.get("action") or m["type"])
    cols["at"].append(int(m["date_unixtime"]))
    cols["actor"].append(m.get("from_id") or m.get("actor_id"))
    t = m.get("text")
    cols["text_len"].append(len(t) if isinstance(t, str) else len(t or []))
con = duckdb.connect(sys.argv[2])
con.execute("CREATE TABLE ev (id BIGINT, kind VARCHAR, t BIGINT, actor VARCHAR, n INTEGER)")
tbl = pa.table(cols)
con.execute("INSERT INTO ev SELECT * FROM tbl")
print(con.execute("SELECT count(*) FROM ev").fetchall()[0][0])
"""


def run(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) of exactly this child (``os.wait4``), and its stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{cmd[:3]} failed:\n{err.read()[-2000:]}")
        return elapsed, usage.ru_maxrss / 1024, out.read()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--members", type=int, default=2_000)
    args = ap.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "result.json"
        subprocess.run(
            [
                py,
                str(HERE / "make_telegram_export.py"),
                "-n",
                str(args.messages),
                "--members",
                str(args.members),
                "-o",
                str(export),
            ],
            check=True,
            capture_output=True,
        )
        size_mb = export.stat().st_size / 1e6
        db = f"sqlite:///{tmp}/shequn.db"
        shequn = [
            py,
            "-c",
            "import sys; from shequn.cli.app import main; sys.exit(main())",
            "--db",
            db,
        ]
        subprocess.run(
            [*shequn, "blueprint", "load", str(EXAMPLE)], check=True, capture_output=True
        )
        base_s, base_rss, _ = run([py, "-c", BASELINE, str(export), f"{tmp}/base.duckdb"])
        ours_s, ours_rss, out = run([*shequn, "import", str(export), "--group", "main", "--json"])
        summary = json.loads(out)
        print(
            json.dumps(
                {
                    "messages": args.messages,
                    "file_mb": round(size_mb, 1),
                    "events_stored": summary["new"],
                    "import_s": round(ours_s, 2),
                    "baseline_s": round(base_s, 2),
                    "ratio_import_vs_baseline": round(ours_s / base_s, 2),
                    "import_events_per_s": round(summary["new"] / ours_s),
                    "import_peak_rss_mb": round(ours_rss),
                    "baseline_peak_rss_mb": round(base_rss),
                    "cpus": os.cpu_count(),
                }
            )
        )


if __name__ == "__main__":
    main()
