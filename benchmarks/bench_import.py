"""Import throughput and memory: ``shequn import`` of a Telegram export against baselines.

    python benchmarks/bench_import.py                    # 1,000,000 messages (~320 MB file)
    python benchmarks/bench_import.py --messages 200000 --rounds 3
    python benchmarks/bench_import.py --messages 300000 --rounds 2 --postgres

Each round runs every contender once, in turn (A/B interleaved), each in its own process so
peak RSS is its own; the medians over the rounds are reported with their ratios:

(a) ``import``: ``shequn import result.json`` into a fresh SQLite store, or with ``--postgres``
    a fresh database on a throwaway PostgreSQL cluster (detection, streaming
    parse, mapping to events, append with projections), reading ahead in a second process
    (ingest/read_ahead.py, the default for big files);
(b) ``import_one_process``: the same with ``SHEQUN_IMPORT_READ_AHEAD=0`` (parse and append
    in turn);
(c) ``reimport``: (a) again into the same store, every event already stored;
(d) ``baseline``: parse the file with orjson (whole file) and append the same number of rows
    to DuckDB as one Arrow table;
(e) ``read_json``: DuckDB's own ``read_json`` of the file into a table (a native parser:
    the practical floor).

Issue #22's goals: (a) <= 2.0 x (d) in time, (a) peak RSS <= 400 MB, (c) >= 5 x faster than
(a). CPU seconds are reported too (the parent's own and its children's): the machine is
shared, so wall time depends on what else runs.

With ``--postgres`` the CPU seconds are the contenders' own: the PostgreSQL server's
processes are not their children. What the server spent during each contender is reported
beside it as ``server_cpu_s`` (from ``/proc`` of the throwaway cluster's postmaster and its
processes, which runs on this machine), and the 1-minute load at each contender's start as
``load``.

Every contender runs with compiled bytecode, as an installed package would: shequn's sources
are compiled once into a cache in the run's temporary directory (``PYTHONPYCACHEPREFIX``), so
a ``PYTHONDONTWRITEBYTECODE`` environment does not charge each ``shequn`` process ~1.5 s of
compiling (the baseline's libraries come compiled).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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

READ_JSON = """
import sys, duckdb
con = duckdb.connect(sys.argv[2])
con.execute("SET enable_progress_bar = false")
con.execute(
    "CREATE TABLE ev AS SELECT unnest(messages) AS m "
    "FROM read_json(?, maximum_object_size = 2000000000)", [sys.argv[1]]
)
print(con.execute("SELECT count(*) FROM ev").fetchall()[0][0])
"""


def run(
    cmd: list[str], env: dict[str, str] | None = None, server: Callable[[], float] | None = None
) -> dict[str, object]:
    """Wall seconds, CPU seconds, peak RSS (MB) of exactly this child (``os.wait4``; a
    grandchild's CPU is counted in its parent's children only when waited for, as here);
    with ``server``, the server's CPU seconds over the same time."""
    load = os.getloadavg()[0]
    before = server() if server is not None else 0.0
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{cmd[:3]} failed:\n{err.read()[-2000:]}")
        out.seek(0)
        return {
            "s": elapsed,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "server_cpu_s": server() - before if server is not None else 0.0,
            "rss_mb": usage.ru_maxrss / 1024,
            "load": load,
            "out": out.read(),
        }


def server_cpu(base_url: str) -> Callable[[], float]:
    """The CPU seconds the cluster at ``base_url`` has spent so far: its postmaster (with its
    children that ended) and every process it started, from ``/proc`` (Linux, a local
    server)."""
    import psycopg

    dsn = base_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        postmaster = _stat(backend)[1]
    tick = os.sysconf("SC_CLK_TCK")

    def spent() -> float:
        total = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                f = _stat(int(entry))
            except OSError:
                continue  # ended meanwhile
            if int(entry) == postmaster:
                total += f[11] + f[12] + f[13] + f[14]
            elif f[1] == postmaster:
                total += f[11] + f[12]
        return total / tick

    return spent


def _stat(pid: int) -> list[int]:
    """``/proc/<pid>/stat``'s numeric fields after the name (ppid first)."""
    with open(f"/proc/{pid}/stat") as fp:
        text = fp.read()
    return [int(x) if x.lstrip("-").isdigit() else 0 for x in text[text.rindex(")") + 2 :].split()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--members", type=int, default=2_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--postgres",
        action="store_true",
        help="import into databases on a throwaway PostgreSQL cluster instead of SQLite files"
        " (needs the postgresql server package)",
    )
    ap.add_argument(
        "--only",
        default="",
        help="comma-separated contenders to run (import always runs first): e.g. baseline"
        " for a quicker A/B of the import against its baseline",
    )
    args = ap.parse_args()
    if not args.postgres:
        measure(args, lambda tmp, name: f"sqlite:///{tmp}/{name}.db", "sqlite")
        return
    sys.path.insert(0, str(ROOT))
    from tests.conftest import new_pg_database
    from tests.pgcluster import postgres_cluster

    with postgres_cluster() as pg:
        measure(args, lambda _tmp, _name: new_pg_database(pg), "postgresql", server_cpu(pg))


def measure(
    args: argparse.Namespace,
    new_db: Callable[[str, str], str],
    store: str,
    server: Callable[[], float] | None = None,
) -> None:
    """Every contender ``args.rounds`` times in turn, the stores made by ``new_db(tmp, name)``
    (a fresh database each); the medians and their ratios printed as JSON."""
    py = sys.executable
    results: dict[str, list[dict[str, object]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "result.json"
        subprocess.run(
            [py, str(HERE / "make_telegram_export.py"), "-n", str(args.messages),
             "--members", str(args.members), "-o", str(export)],
            check=True,
            capture_output=True,
        )  # fmt: skip
        size_mb = export.stat().st_size / 1e6
        env = compiled(py, Path(tmp) / "pycache")
        one_process = {**env, "SHEQUN_IMPORT_READ_AHEAD": "0"}
        for n in range(args.rounds):
            dbs = {k: new_db(tmp, f"{k}{n}") for k in ("ahead", "one")}
            for db in dbs.values():
                subprocess.run(
                    [*shequn(py, db), "blueprint", "load", str(EXAMPLE)],
                    check=True,
                    capture_output=True,
                    env=env,
                )
            imp = [*shequn(py, dbs["ahead"]), "import", str(export), "--group", "main", "--json"]
            steps = {
                "import": (imp, env),
                "baseline": ([py, "-c", BASELINE, str(export), f"{tmp}/b{n}.duckdb"], env),
                "import_one_process": (
                    [*shequn(py, dbs["one"]), "import", str(export), "--group", "main", "--json"],
                    one_process,
                ),
                "read_json": ([py, "-c", READ_JSON, str(export), f"{tmp}/r{n}.duckdb"], env),
                "reimport": (imp, env),
            }
            wanted = {"import", *filter(None, args.only.split(","))} if args.only else set(steps)
            for name, (cmd, step_env) in steps.items():
                if name in wanted:
                    results.setdefault(name, []).append(run(cmd, step_env, server))
            for name in ("ahead", "one"):
                Path(f"{tmp}/{name}{n}.db").unlink(missing_ok=True)  # SQLite's: disk space
    summary = json.loads(str(results["import"][0]["out"]))
    again = json.loads(str(results["reimport"][0]["out"])) if "reimport" in results else {}
    keys = ("s", "cpu_s", "server_cpu_s", "rss_mb", "load")
    med = {k: {m: statistics.median(float(r[m]) for r in v) for m in keys}
           for k, v in results.items()}  # fmt: skip
    base, ours = med["baseline"]["s"], med["import"]["s"]

    def ratio(a: str, b: str) -> float | None:
        return round(med[a]["s"] / med[b]["s"], 2) if a in med and b in med else None

    print(
        json.dumps(
            {
                "store": store,
                "messages": args.messages,
                "file_mb": round(size_mb, 1),
                "events_stored": summary["new"],
                "reimport_duplicates": again.get("duplicate"),
                "rounds": args.rounds,
                "median": {k: {m: round(x, 2) for m, x in v.items()} for k, v in med.items()},
                "ratio_import_vs_baseline": round(ours / base, 2),
                "ratio_one_process_vs_baseline": ratio("import_one_process", "baseline"),
                "ratio_import_vs_read_json": ratio("import", "read_json"),
                "ratio_baseline_vs_read_json": ratio("baseline", "read_json"),
                "reimport_speedup": ratio("import", "reimport"),
                "import_events_per_s": round(summary["new"] / ours),
                "cpus": os.cpu_count(),
                "load_avg_1m": round(os.getloadavg()[0], 1),
            },
            indent=1,
        )
    )


def compiled(py: str, cache: Path) -> dict[str, str]:
    """The contenders' environment: bytecode written to and read from ``cache``, shequn's
    sources and the libraries every contender imports compiled into it now (not in the first
    timed run)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    src = ROOT / "src" / "shequn"
    subprocess.run([py, "-m", "compileall", "-q", str(src)], check=True, env=env)
    warm = "import duckdb, ijson, orjson, pyarrow, shequn.cli.app, shequn.ingest.telegram"
    subprocess.run([py, "-c", warm], check=True, env=env)
    return env


def shequn(py: str, db: str) -> list[str]:
    return [py, "-c", "import sys; from shequn.cli.app import main; sys.exit(main())", "--db", db]


if __name__ == "__main__":
    main()
