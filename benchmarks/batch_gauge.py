"""PostgreSQL batches of 100, run by run, beside a gauge of how fast this CPU runs Python now.

    python benchmarks/batch_gauge.py --runs 4                # 4 runs of 1,000 joins
    python benchmarks/batch_gauge.py --runs 2 --pin 0,1      # client on CPU 0, server on 1
    python benchmarks/batch_gauge.py --runs 2 --pin 0,0      # both on CPU 0

Why (issue 22, docs/speed/import.md "Session 38, pgbatch5"): ``bench_join.py --postgres --modes
batch`` is bimodal on this machine for one code (the client's CPU per join 0.29–0.32 ms in
some runs, 0.54 in others). The client's CPU alone cannot tell a slower code path from a
slower CPU: this script times a fixed pure-Python workload (:func:`gauge`) in the same
process after every batch (whole, and cut into pieces with short sleeps between), and prints
the client's CPU per batch over the gauge's CPU (``ratio``). A code path that does more work
moves the ratio; a CPU that runs slower (the host's other tenants, its clock, caches) moves
the gauge with the client and leaves the ratio.

Per run, on a fresh database of one throwaway cluster (``join_scenario.setup``, analysed as
``bench_join.py`` does, ``freeze_startup``), batches of 100 through ``enter_many`` and
``record``: full-path joins/s, the client's CPU per join (user + system, ``getrusage``), the
backend's CPU per join (``/proc/<pid>/stat`` of the store's connection: 10 ms ticks, so read
it over whole runs), the gauge, the ratio, the client's voluntary context switches per batch
(its waits for the server: round trips), the collector's time, psycopg's prepared statements
and the second half's figures (a store grows; its rewards come late). ``--pin c,s`` pins the
client to CPU ``c`` and the backend to ``s`` (needs the rights to set the backend's affinity).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from join_scenario import COMMUNITY, check, joined, newcomers, setup

from shequn.cli.bulk_gc import freeze_startup
from shequn.engine.entry import enter_many
from shequn.engine.record import record
from shequn.store.planner_stats import DOOR_TABLES, analyse

BATCH = 100


def gauge(pieces: int = 1) -> float:
    """CPU seconds of a fixed pure-Python workload (dicts, lists, strings, JSON: ~40 ms), cut
    into ``pieces`` with a 0.3 ms sleep between them (the sleeps are not counted): a CPU left
    idle between pieces, as the client's is during each round trip, may wake slower."""
    spent, size = 0.0, 20_000 // pieces
    for p in range(pieces):
        if p:
            time.sleep(0.0003)
        c0 = time.process_time()
        d = {str(k): [k, k * 2, f"x{k}"] for k in range(p * size, (p + 1) * size)}
        json.loads(json.dumps(d))
        spent += time.process_time() - c0
    return spent


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process, from ``/proc``."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Collector:
    """The collector's time (``gc.callbacks``) while ``on``."""

    def __init__(self) -> None:
        self.seconds, self.on, self._t0 = 0.0, False, 0.0
        gc.callbacks.append(self._cb)

    def _cb(self, phase: str, _info: dict[str, Any]) -> None:
        if not self.on:
            return
        if phase == "start":
            self._t0 = time.thread_time()
        else:
            self.seconds += time.thread_time() - self._t0


def one_run(url: str, args: argparse.Namespace, collector: Collector) -> dict[str, object]:
    sc = setup(url, args.joins, 20, 1000)
    store = sc.store
    assert store is not None
    analyse(store, DOOR_TABLES)
    freeze_startup()
    reqs = newcomers(sc)
    with store.transaction() as conn:
        backend = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    if args.pin:
        client_cpu, server_cpu = (int(x) for x in args.pin.split(","))
        os.sched_setaffinity(0, {client_cpu})
        os.sched_setaffinity(backend, {server_cpu})
    per: list[dict[str, float]] = []
    collector.seconds = 0.0
    for i in range(0, len(reqs), BATCH):
        chunk = reqs[i : i + BATCH]
        r0, b0, w0 = (
            resource.getrusage(resource.RUSAGE_SELF),
            backend_cpu(backend),
            time.perf_counter(),
        )
        collector.on = True
        record(store, joined(chunk, enter_many(store, COMMUNITY, chunk)))
        collector.on = False
        w, r1 = time.perf_counter() - w0, resource.getrusage(resource.RUSAGE_SELF)
        client = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
        per.append(
            {
                "wall": w,
                "client": client,
                "sys": r1.ru_stime - r0.ru_stime,
                "backend": backend_cpu(backend) - b0,
                "waits": r1.ru_nvcsw - r0.ru_nvcsw,
                "gauge": gauge(),
                "gauge_waking": gauge(40),
            }
        )
    dbapi = store.engine.raw_connection()
    try:  # the statements psycopg prepared on the server (it prepares one run five times)
        prepared = len(dbapi.driver_connection._prepared._names)  # type: ignore[union-attr]
    finally:
        dbapi.close()
    check(sc, reqs)
    store.close()
    if args.pin:
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    return summary(per, len(reqs), collector.seconds, prepared)


def summary(
    per: list[dict[str, float]], joins: int, gc_s: float, prepared: int
) -> dict[str, object]:
    def tot(key: str, part: list[dict[str, float]] = per) -> float:
        return sum(b[key] for b in part)

    late = per[len(per) // 2 :]
    late_joins = len(late) * BATCH
    return {
        "joins_per_s": round(joins / tot("wall")),
        "client_ms": round(tot("client") / joins * 1000, 3),
        "client_sys_ms": round(tot("sys") / joins * 1000, 3),
        "backend_ms": round(tot("backend") / joins * 1000, 3),
        "gauge_ms": round(tot("gauge") / len(per) * 1000, 1),
        "gauge_waking_ms": round(tot("gauge_waking") / len(per) * 1000, 1),
        "ratio": round(tot("client") / tot("gauge"), 2),
        "waits_per_batch": round(tot("waits") / len(per), 1),
        "gc_ms": round(gc_s / joins * 1000, 3),
        "prepared": prepared,
        "late_joins_per_s": round(late_joins / tot("wall", late)),
        "late_client_ms": round(tot("client", late) / late_joins * 1000, 3),
        "late_backend_ms": round(tot("backend", late) / late_joins * 1000, 3),
        "late_waits_per_batch": round(tot("waits", late) / len(late), 1),
        "load": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--joins", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--pin", default="", help="client,backend CPUs, e.g. 0,1")
    args = ap.parse_args()
    from tests.conftest import new_pg_database
    from tests.pgcluster import postgres_cluster

    collector = Collector()
    with postgres_cluster() as pg:
        for n in range(args.runs):
            line = {
                "run": n,
                "pin": args.pin or None,
                **one_run(new_pg_database(pg), args, collector),
            }
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
