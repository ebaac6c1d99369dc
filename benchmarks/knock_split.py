"""Where one knock and its join spend their time, on SQLite and PostgreSQL side by side.

    python benchmarks/knock_split.py                      # both stores, 300 warm-up, 1,000 measured
    python benchmarks/knock_split.py --stores postgresql --profile   # + cProfile by package
    python benchmarks/knock_split.py --stores postgresql --trace     # + psycopg's calls counted
    python benchmarks/knock_split.py --stores postgresql --wire      # + round trips (libpq trace)
    valgrind --tool=callgrind --instr-atstart=no python benchmarks/knock_split.py --callgrind \
        --stores postgresql --inviters 200 --warm 100 --joins 200   # instructions, any load

``bench_join.py``'s scenario and its mode single (``enter`` then the platform's
``member.joined`` through ``record``), after ``--warm`` knocks to let psycopg prepare its
statements and the planner statistics settle. Per knock and join it prints this process's CPU
(``process_time``), its wall, and on PostgreSQL the cluster's CPU over the same knocks (every
process of the throwaway cluster from ``/proc``, the postmaster's reaped children included:
the backend, and the WAL writer it wakes). ``--profile``: cProfile (CPU time) of the measured
knocks, own time grouped by where the code lives (psycopg, SQLAlchemy, shequn's store / engine
/ model, the stdlib, C built-ins), then the top functions. ``--trace``: round trips and
statements counted on psycopg's connection (``execute``, pipeline syncs, ``commit``).
``--wire``: the client's protocol messages per join from libpq's trace; ``round_trips`` =
``Sync`` + simple ``Query`` messages (each waits for the server's answer).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from join_scenario import COMMUNITY, check, joined, newcomers, setup

from shequn.cli.bulk_gc import freeze_startup
from shequn.engine.entry import enter
from shequn.engine.record import record
from shequn.store.planner_stats import DOOR_TABLES, analyse


def _ticks(pid: int) -> tuple[int, int, int]:
    """(parent pid, own CPU ticks, reaped children's ticks) of ``pid`` from ``/proc``."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def cluster_cpu(postmaster: int) -> float:
    """Seconds of CPU the cluster has used: the postmaster, its live children, the dead ones."""
    _, own, reaped = _ticks(postmaster)
    total = own + reaped
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == postmaster:
            continue
        try:
            parent, own, reaped = _ticks(int(name))
        except OSError:
            continue
        if parent == postmaster:
            total += own + reaped
    return total / os.sysconf("SC_CLK_TCK")


def postmaster_of(url: str) -> int:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SHOW data_directory").fetchone()
    assert row is not None
    with open(Path(row[0]) / "postmaster.pid") as f:
        return int(f.readline())


class Trace:
    """psycopg's calls counted: statements, round trips (a pipeline's sync is one), commits."""

    def __init__(self) -> None:
        self.n: Counter[str] = Counter()

    @contextmanager
    def on(self) -> Iterator[None]:
        import psycopg

        patched: list[tuple[Any, str, Any]] = []

        def wrap(cls: Any, name: str, key: Callable[[Any, tuple[Any, ...]], str]) -> None:
            orig = getattr(cls, name)

            def counted(obj: Any, *a: Any, **k: Any) -> Any:
                self.n[key(obj, a)] += 1
                return orig(obj, *a, **k)

            patched.append((cls, name, orig))
            setattr(cls, name, counted)

        def stmt(cur: Any, a: tuple[Any, ...]) -> str:
            piped = cur.connection._pipeline is not None
            return "statement in a pipeline" if piped else "statement alone"

        wrap(psycopg.Cursor, "execute", stmt)
        wrap(psycopg.Cursor, "executemany", lambda c, a: "executemany")
        wrap(psycopg.Connection, "commit", lambda c, a: "commit")
        wrap(psycopg.Connection, "rollback", lambda c, a: "rollback")
        wrap(psycopg.Connection, "cursor", lambda c, a: "cursor made")
        wrap(psycopg.Connection, "pipeline", lambda c, a: "pipeline")
        try:
            yield
        finally:
            for cls, name, orig in patched:
                setattr(cls, name, orig)


class Wire:
    """The client's protocol messages on the store's PostgreSQL connections, from libpq's
    trace: each ``Sync`` (the end of an extended-protocol exchange, a pipeline's included)
    and each simple ``Query`` (psycopg's ``BEGIN`` / ``COMMIT``) waits for the server."""

    def __init__(self, store: Any) -> None:
        from sqlalchemy import event

        self.log = tempfile.TemporaryFile("w+")  # noqa: SIM115  # closed by stop()
        self.traced: list[Any] = []
        self.store = store

        def trace(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
            if all(c is not dbapi_conn for c in self.traced):
                dbapi_conn.pgconn.trace(self.log.fileno())
                dbapi_conn.pgconn.set_trace_flags(1)  # pq.Trace.SUPPRESS_TIMESTAMPS
                self.traced.append(dbapi_conn)

        self.hook = trace
        event.listen(store.engine.pool, "checkout", trace)

    def stop(self) -> Counter[str]:
        from sqlalchemy import event

        event.remove(self.store.engine.pool, "checkout", self.hook)
        for c in self.traced:
            c.pgconn.untrace()
        self.log.seek(0)
        sent: Counter[str] = Counter()
        for row in self.log:
            parts = row.split("\t")
            if len(parts) > 2 and parts[0] == "F":
                sent[parts[2].split(" ")[0].strip()] += 1
        self.log.close()
        return sent


GROUPS = (
    ("psycopg", "/psycopg/"),
    ("psycopg (C)", "psycopg_binary"),
    ("sqlalchemy", "/sqlalchemy/"),
    ("shequn.store", "/shequn/store/"),
    ("shequn.engine", "/shequn/engine/"),
    ("shequn.model", "/shequn/model/"),
    ("shequn (other)", "/shequn/"),
)


def by_package(prof: cProfile.Profile, joins: int) -> dict[str, float]:
    """Own time (tottime) per knock and join in ms, grouped by where the function lives."""
    st = pstats.Stats(prof)
    out: Counter[str] = Counter()
    for (path, _line, name), (_cc, _nc, tt, _ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        where = next((g for g, mark in GROUPS if mark in path), None)
        if where is None:
            where = "C built-ins" if path == "~" else "stdlib and other"
            if path == "~" and ("sqlite3" in name or "Cursor" in name):
                where = "C built-ins"
        out[where] += tt
    return {k: round(v * 1000 / joins, 3) for k, v in out.most_common()}


def run(url: str, args: argparse.Namespace, postgres: bool) -> dict[str, object]:
    sc = setup(url, args.warm + args.joins, args.groups, args.inviters)
    store = sc.store
    assert store is not None
    if postgres:
        analyse(store, DOOR_TABLES)
    freeze_startup()
    reqs = newcomers(sc)
    for r in reqs[: args.warm]:
        record(store, joined([r], [enter(store, COMMUNITY, r)]))
    todo = reqs[args.warm :]
    pm = postmaster_of(url) if postgres else 0
    trace = Trace()
    prof = cProfile.Profile(time.process_time) if args.profile else None
    load = os.getloadavg()[0]
    s0 = cluster_cpu(pm) if postgres else 0.0
    c0, w0 = time.process_time(), time.perf_counter()
    wire = Wire(store) if args.wire and postgres else None
    with trace.on() if args.trace else _nothing():
        if prof is not None:
            prof.enable()
        if args.callgrind:  # run under valgrind --tool=callgrind --instr-atstart=no
            _instrument("on")
        for r in todo:
            record(store, joined([r], [enter(store, COMMUNITY, r)]))
        if args.callgrind:
            _instrument("off")
        if prof is not None:
            prof.disable()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    server = cluster_cpu(pm) - s0 if postgres else 0.0
    sent = wire.stop() if wire is not None else None
    checked = check(sc, reqs)  # a broken path is never reported as a fast one
    store.close()
    n = len(todo)
    line: dict[str, object] = {
        "store": "postgresql" if postgres else "sqlite",
        "joins": n,
        "j_per_s": round(n / wall, 1),
        "wall_ms": round(wall * 1000 / n, 3),
        "client_cpu_ms": round(cpu * 1000 / n, 3),
        "load": round(max(load, os.getloadavg()[0]), 2),
        "statuses": checked["statuses"],
    }
    if postgres:
        line["server_cpu_ms"] = round(server * 1000 / n, 3)
    if sent is not None:
        line["round_trips"] = round((sent["Sync"] + sent["Query"]) / n, 2)
        line["messages_per_join"] = {k: round(v / n, 2) for k, v in sorted(sent.items())}
    if args.trace:
        line["per_join"] = {k: round(v / n, 2) for k, v in sorted(trace.n.items())}
    if prof is not None:
        line["own_ms_by_package"] = by_package(prof, n)
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.top)
        if args.dump:
            prof.dump_stats(f"{args.dump}.{line['store']}")
    return line


def _instrument(state: str) -> None:
    """Switch callgrind's counting of this process on or off."""
    tool = shutil.which("callgrind_control")
    if tool is None:
        raise SystemExit("--callgrind needs valgrind's callgrind_control")
    subprocess.run([tool, "-i", state, str(os.getpid())], check=True, capture_output=True)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--joins", type=int, default=1_000, help="knocks and joins measured")
    ap.add_argument("--warm", type=int, default=300, help="knocks and joins before measuring")
    ap.add_argument("--groups", type=int, default=20)
    ap.add_argument("--inviters", type=int, default=1_000)
    ap.add_argument("--stores", default="sqlite,postgresql")
    ap.add_argument("--profile", action="store_true", help="cProfile the measured knocks")
    ap.add_argument("--top", type=int, default=30, help="functions listed with --profile")
    ap.add_argument("--trace", action="store_true", help="count psycopg's calls per join")
    ap.add_argument(
        "--callgrind",
        action="store_true",
        help="count the measured knocks' instructions (under valgrind --instr-atstart=no)",
    )
    ap.add_argument("--wire", action="store_true", help="count protocol messages per join")
    ap.add_argument("--dump", default="", help="with --profile: write the stats to DUMP.<store>")
    args = ap.parse_args()
    stores = args.stores.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite" in stores:
            print(json.dumps(run(f"sqlite:///{tmp}/split.db", args, False)), flush=True)
    if "postgresql" in stores:
        from tests.conftest import new_pg_database
        from tests.pgcluster import postgres_cluster

        with postgres_cluster() as pg:
            print(json.dumps(run(new_pg_database(pg), args, True)), flush=True)


if __name__ == "__main__":
    main()
