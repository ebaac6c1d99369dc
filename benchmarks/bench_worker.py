"""Worker throughput: drain due actions through the file connector, against a bare loop.

    python benchmarks/bench_worker.py                      # SQLite, 100,000 actions
    python benchmarks/bench_worker.py --actions 20000 --postgres --workers 4

Goal (issue 14): >= 5,000 actions/s on SQLite with one worker, >= 2,000/s on PostgreSQL with 4
worker processes. The actions are ``message.send`` to the group — the worker's slow path: each
chunk of sends is marked started in its own commit before the calls, the delivery is recorded
as a ``message.delivered`` event, then the chunk is marked done. The baseline, measured in the
same run, writes the very same JSONL lines with a bare loop (build the call, ``json.dumps``,
write, flush), so "cost per action" is what the outbox, the lease, the never-twice bookkeeping
and the effect events add to the platform call itself.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select
from tests.growth_helpers import COMMUNITY, loaded

from shequn.connectors.base import Call
from shequn.connectors.file import FileConnector, line_of
from shequn.model.actions import Action
from shequn.store import tables as t
from shequn.store.db import Store
from shequn.store.outbox import enqueue
from shequn.worker.loop import Config, Worker

DUE = datetime(2026, 1, 1, tzinfo=UTC)


def fill(url: str, n: int) -> Store:
    store = Store.open(url)
    loaded(store)
    for start in range(0, n, 10_000):
        with store.transaction() as conn:
            enqueue(conn, [
                Action("message.send", COMMUNITY, DUE, "main", {"text": f"welcome, wave {i}"})
                for i in range(start, min(n, start + 10_000))
            ])  # fmt: skip
    return store


def bare(n: int, path: Path) -> float:
    """The same lines, written by a loop that knows nothing of the outbox."""
    t0 = time.perf_counter()
    with path.open("a", encoding="utf-8") as fp:
        for i in range(1, n + 1):
            text = f"welcome, wave {i - 1}"
            call = Call(i, "message.send", COMMUNITY, "main", f"{COMMUNITY}/main",
                        {"text": text}, f"-:message.send:{i}", text)  # fmt: skip
            fp.write(line_of(call))
            fp.flush()
    return time.perf_counter() - t0


def drain(url: str, path: str, chunk: int) -> None:
    """One worker process: work until nothing is due."""
    store = Store.open(url)
    config = Config(ticks=False, chunk=chunk, batch=max(500, 5 * chunk))
    Worker(store, FileConnector(path, checkable=False), config=config).run(once=True)
    store.close()


def done_count(store: Store) -> int:
    with store.read() as conn:
        q = select(func.count()).where(t.actions.c.status == "done")
        return int(conn.execute(q).scalar_one())


def measure(url: str, n: int, workers: int, tmp: Path, chunk: int) -> float:
    store = fill(url, n)
    t0 = time.perf_counter()
    if workers == 1:
        drain(url, str(tmp / "out-0.jsonl"), chunk)
    else:
        ctx = multiprocessing.get_context("spawn")
        procs = [
            ctx.Process(target=drain, args=(url, str(tmp / f"out-{i}.jsonl"), chunk))
            for i in range(workers)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
    took = time.perf_counter() - t0
    assert done_count(store) == n, f"only {done_count(store)} of {n} done"
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in tmp.glob("out-*.jsonl"))
    assert lines == n, f"{lines} lines for {n} actions"
    store.close()
    return took


def report(backend: str, n: int, workers: int, chunk: int, ours: float, base: float) -> None:
    per, per_base = ours / n * 1e6, base / n * 1e6
    print(
        f"{backend}: {n:,} actions, {workers} worker(s), chunk {chunk}: {n / ours:,.0f} actions/s "
        f"({per:.0f} µs/action); bare loop {n / base:,.0f} lines/s ({per_base:.1f} µs/line); "
        f"the worker adds {per - per_base:.0f} µs per action ({ours / base:.0f}x)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--actions", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=4, help="worker processes on PostgreSQL")
    ap.add_argument("--postgres", action="store_true", help="also PostgreSQL (throwaway cluster)")
    ap.add_argument(
        "--chunk", type=int, default=200, help="sends marked started per commit (Config.chunk)"
    )
    args = ap.parse_args()
    n = args.actions
    with tempfile.TemporaryDirectory() as tmp:
        base = bare(n, Path(tmp) / "bare.jsonl")
        work = Path(tmp) / "sqlite"
        work.mkdir()
        took = measure(f"sqlite:///{work}/shequn.db", n, 1, work, args.chunk)
        report("sqlite", n, 1, args.chunk, took, base)
        if args.postgres:
            from tests.conftest import new_pg_database
            from tests.pgcluster import postgres_cluster

            work = Path(tmp) / "pg"
            work.mkdir()
            with postgres_cluster() as pg:
                took = measure(new_pg_database(pg), n, args.workers, work, args.chunk)
                report("postgresql", n, args.workers, args.chunk, took, base)


if __name__ == "__main__":
    main()
