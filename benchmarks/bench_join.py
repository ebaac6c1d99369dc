"""Join-path throughput (issue #7): entry decision + append, against a bare-insert baseline.

    python benchmarks/bench_join.py                       # SQLite, 20,000 joins per mode
    python benchmarks/bench_join.py --joins 5000 --postgres
    python benchmarks/bench_join.py --joins 2000 --profile   # cProfile of mode (a), top 25
    python benchmarks/bench_join.py --joins 2000 --profile --modes batch   # of mode (b)
    python benchmarks/bench_join.py --joins 300 --statements # statements per join, by kind
    python benchmarks/bench_join.py --joins 1000 --postgres --fresh  # without statistics

On a 2-core machine ``--joins 1500`` keeps one backend's three modes near 3 minutes
(``--postgres`` measures SQLite first, then PostgreSQL, as bench_append.py does).

Setup (fresh database per mode): a community with ``--groups`` groups (capacity sized so the
live code spills over all of them), 1,000 inviters who are members of a ``home`` group, a
referral campaign "invite 3" with one referral link per inviter (``ensure_referral_link``)
and one live code. Newcomers arrive alternately through the live code and through a random
inviter's referral link. Each join is ``enter`` (the decision and the append of
entry.requested / member.invited / entry.decided, the fraud check and the campaign
evaluation, one transaction) followed by the platform's ``member.joined`` through
``record`` (which re-evaluates the inviter's rewards).

Modes:

(a) ``single``: one thread, one ``enter`` transaction per newcomer; each call timed.
(b) ``batch``: ``enter_many`` with ``--batch`` newcomers per transaction (group commit);
    each batch timed, and its ``member.joined`` events recorded in one ``record`` call.
(c) ``threads``: ``--threads`` threads each calling ``enter`` then ``record`` for its own
    newcomers through the live server's path: the group commit of ``engine/gather.py``
    (concurrent calls decided and recorded together, one transaction per gathered batch:
    knocks and joins that queue together commit once). Its line gives knocks and records per
    batch, the batches holding both (``mixed_batches``) and ``commits_per_join``.
(d) ``threads-raw``: the same threads calling the plain ``enter`` / ``record`` (one
    transaction per call); writers are serialised by SQLite's BEGIN IMMEDIATE / PostgreSQL's
    advisory lock.
(e) ``single-gathered``: mode (a) through ``engine/gather.py`` (one caller: what the group
    commit costs a caller alone). Not in the default ``--modes``.

Issue 22's goals, on the full path (the ``enter`` call and then the platform's ``member.joined``
recorded): one knock at a time >= 500 joins/s with p99 <= 20 ms per join; batches >= 3,000
joins/s; ``--threads`` threads no slower than one (``goal_met`` on the ``threads`` and
``threads-raw`` lines: their joins/s against mode single's, the path named in ``path``).
Absolute speed depends on the machine, so each figure is also given as a ratio against a
baseline measured in the same run and on the same newcomers, A/B interleaved
(``join_baseline.py``: 3 bare rows per join through the driver, one commit per join — per
``--batch`` joins in batch mode — timed slice by slice in turn with shequn; in threads mode
half before and half after). ``cost ×`` = shequn's time
per join / the baseline's. Wall and CPU time (``time.process_time``, shequn's calls only) are
both reported with the load average: on a shared machine the CPU figure is the steadier one.
Each mode starts once its scenario is set up, as a server does once started: with what the
process holds frozen out of the collector's full collections (``cli/bulk_gc.freeze_startup``,
what ``shequn serve`` and ``shequn worker`` do).

The store's state (``"store": "analysed"`` or ``"fresh"`` in each JSON line): by default the
benchmark measures a store in its steady state — once the setup is done, the door's tables are
analysed (``store/planner_stats.analyse``), as autovacuum and the door's own trigger
(``planner_stats.after_knocks``) leave a live store; on PostgreSQL the plans a connection keeps
are then made on statistics that describe the store (session 36: without them the setup's
batch left plans that cost the seats read 3.1–3.6 ms a join). ``--fresh`` skips that analysis:
a store in its first minute, with whatever statistics the setup's own batches left. SQLite
reads no statistics it was not told to gather, so both states are the same there.

At the end of each mode the state is checked (no group over capacity, exactly one entry per
newcomer, no inviter with more rewards than tiers or a reward without 3 joined invitees), so
a broken path is never reported as a fast one. The scenario and that check are in
``join_scenario.py``, the summary line and the table in ``join_report.py``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from join_baseline import Baseline
from join_report import Run, summarise, table
from join_scenario import COMMUNITY, Scenario, check, joined, newcomers, setup

from shequn.cli.bulk_gc import freeze_startup
from shequn.engine import gather
from shequn.engine.entry import Request, enter, enter_many
from shequn.engine.record import record
from shequn.store.db import Store
from shequn.store.planner_stats import DOOR_TABLES, analyse

SLICE = 100  # joins per interleaved slice (shequn, then the baseline)


# -- the modes ----------------------------------------------------------------------------
Enter = Callable[[Store, str, Request], object]
Record = Callable[[Store, list], object]  # type: ignore[type-arg]
GATHERED: dict[str, float] = {}  # the last gathered mode's calls per transaction
PATHS: dict[bool, tuple[Enter, Record]] = {
    False: (enter, record),  # one transaction per call
    True: (gather.enter, gather.record),  # the live server's path: group commit
}


def mode_single(sc: Scenario, reqs: list[Request], base: Baseline, gathered: bool = False) -> Run:
    store = sc.store
    assert store is not None
    enter_one, record_one = PATHS[gathered]
    lat, full, cpu, wall = [], [], 0.0, 0.0
    for i in range(0, len(reqs), SLICE):
        part = reqs[i : i + SLICE]
        c, w = time.process_time(), time.perf_counter()
        for r in part:
            t0 = time.perf_counter()
            mine = enter_one(store, COMMUNITY, r)
            t1 = time.perf_counter()
            record_one(store, joined([r], [mine]))  # type: ignore[list-item]
            lat.append(t1 - t0)
            full.append(time.perf_counter() - t0)
        cpu += time.process_time() - c
        wall += time.perf_counter() - w
        base.run(part, 1)
    return Run("single-gathered" if gathered else "single", len(reqs), wall, lat, full, cpu)


def mode_batch(sc: Scenario, reqs: list[Request], size: int, base: Baseline) -> Run:
    store = sc.store
    assert store is not None
    lat, full, cpu, wall = [], [], 0.0, 0.0
    for i in range(0, len(reqs), size):
        chunk = reqs[i : i + size]
        c, t0 = time.process_time(), time.perf_counter()
        entries = enter_many(store, COMMUNITY, chunk)
        lat.append(time.perf_counter() - t0)
        record(store, joined(chunk, entries))
        full.append(time.perf_counter() - t0)
        cpu += time.process_time() - c
        wall += full[-1]
        base.run(chunk, size)
    return Run("batch", len(reqs), wall, lat, full, cpu, per_call=size)


def mode_threads(
    sc: Scenario, reqs: list[Request], threads: int, base: Baseline, gathered: bool
) -> Run:
    store = sc.store
    assert store is not None
    enter_one, record_one = PATHS[gathered]
    before = gathered_so_far()
    lats: list[list[float]] = [[] for _ in range(threads)]
    fulls: list[list[float]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for r in reqs[k::threads]:
                t0 = time.perf_counter()
                mine = enter_one(store, COMMUNITY, r)
                lats[k].append(time.perf_counter() - t0)
                record_one(store, joined([r], [mine]))  # type: ignore[list-item]
                fulls[k].append(time.perf_counter() - t0)
        except BaseException as e:  # reported after the join
            errors.append(e)

    half = len(reqs) // 2
    base.run(reqs[:half], 1)
    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    c, start = time.process_time(), time.perf_counter()
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    wall, cpu = time.perf_counter() - start, time.process_time() - c
    base.run(reqs[half:], 1)
    if errors:
        raise errors[0]
    times = [x for lat in lats for x in lat]
    whole = [x for f in fulls for x in f]
    if gathered:  # what the gathered transactions held, for the line
        now = gathered_so_far()
        batches, knocks, records, with_knocks, with_records = (
            a - b for a, b in zip(now, before, strict=True)
        )
        GATHERED.update(
            knocks_per_batch=round(knocks / max(1, with_knocks), 2),  # of batches with knocks
            records_per_batch=round(records / max(1, with_records), 2),
            mixed_batches=with_knocks + with_records - batches,  # held knocks and records
            commits_per_join=round(batches / len(reqs), 3),
        )
    name = f"threads×{threads}" + ("" if gathered else " raw")
    return Run(name, len(reqs), wall, times, whole, cpu, concurrent=True)


def gathered_so_far() -> tuple[int, int, int, int, int]:
    """The live path's combiner: batches, knocks, record calls, batches holding each."""
    k = gather.KINDS
    return gather.WRITES.counts.batches, k.knocks, k.records, k.with_knocks, k.with_records


# -- driver --------------------------------------------------------------------------------
def run_backend(
    backend: str,
    new_url: Callable[[], str],
    new_baseline: Callable[[], Baseline],
    args: argparse.Namespace,
) -> list[dict[str, object]]:
    modes: list[tuple[str, Callable[[Scenario, list[Request], Baseline], Run]]] = [
        ("single", mode_single),
        ("single-gathered", lambda sc, r, b: mode_single(sc, r, b, gathered=True)),
        ("batch", lambda sc, r, b: mode_batch(sc, r, args.batch, b)),
        ("threads", lambda sc, r, b: mode_threads(sc, r, args.threads, b, gathered=True)),
        ("threads-raw", lambda sc, r, b: mode_threads(sc, r, args.threads, b, gathered=False)),
    ]
    lines = []
    single: float | None = None
    for name, fn in modes:
        if name not in args.modes:
            continue
        sc = settled(setup(new_url(), args.joins, args.groups, args.inviters), args)
        freeze_startup()  # as `shequn serve` and `shequn worker` do once started
        reqs = newcomers(sc)
        base = new_baseline()
        load = os.getloadavg()[0]
        run = fn(sc, reqs, base)
        base.close()
        checked = check(sc, reqs)
        assert sc.store is not None
        sc.store.close()
        line = summarise(backend, run, base, checked, max(load, os.getloadavg()[0]))
        line["store"] = "fresh" if args.fresh else "analysed"
        if name == "single":
            single = run.joins / run.wall
        elif name.startswith("threads") and single is not None:
            line["goal_met"] = run.joins / run.wall >= single
            line["threads_per_single"] = round(run.joins / run.wall / single, 2)
        if name.startswith("threads") or name == "single-gathered":
            line["path"] = "per-call enter/record" if name == "threads-raw" else "engine/gather.py"
        if name == "threads":
            line.update(GATHERED)
        print(json.dumps(line, ensure_ascii=False), flush=True)
        lines.append(line)
    return lines


def settled(sc: Scenario, args: argparse.Namespace) -> Scenario:
    """The scenario's store in its steady state: the door's tables analysed (a no-op on
    SQLite), unless ``--fresh``."""
    assert sc.store is not None
    if not args.fresh and sc.store.dialect == "postgresql":
        analyse(sc.store, DOOR_TABLES)
    return sc


def profile(url: str, args: argparse.Namespace) -> None:
    """cProfile (CPU time) of mode batch when ``--modes batch``, else of mode single: the top
    25 by cumulative time, then by own time (tottime)."""
    batched = args.modes == {"batch"}
    sc = settled(setup(url, args.joins, args.groups, args.inviters), args)
    reqs = newcomers(sc)
    prof = cProfile.Profile(time.process_time)  # CPU: steadier than wall on a shared machine
    prof.enable()
    with tempfile.TemporaryDirectory() as tmp:
        base = Baseline(COMMUNITY, path=Path(tmp) / "bare.db")
        run = mode_batch(sc, reqs, args.batch, base) if batched else mode_single(sc, reqs, base)
        base.close()
    prof.disable()
    check(sc, reqs)
    print(f"profile of mode {run.mode}, {run.joins} joins in {run.wall:.1f} s (under cProfile)")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(order).print_stats(25)
        print(out.getvalue())


def statements(url: Callable[[], str], args: argparse.Namespace) -> None:
    """Statements per join of mode single (after a third of the joins, to warm up), and per
    join of batches of ``--batch``, by kind (``join_statements.py``)."""
    from join_statements import measure

    for batch in (1, args.batch):
        sc = settled(setup(url(), args.joins, args.groups, args.inviters), args)
        store, reqs = sc.store, newcomers(sc)
        assert store is not None
        warm = len(reqs) // 3
        for r in reqs[:warm]:
            record(store, joined([r], [enter(store, COMMUNITY, r)]))
        rest = [reqs[i : i + batch] for i in range(warm, len(reqs), batch)]

        def one(store: Store, part: list[Request]) -> Callable[[], object]:
            return lambda: record(store, joined(part, enter_many(store, COMMUNITY, part)))

        print(f"-- {store.dialect}, {batch} knock(s) per enter_many, {len(rest)} calls:")
        measure(store, [one(store, part) for part in rest], per=batch)
        store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--joins", type=int, default=20_000, help="newcomers per mode")
    ap.add_argument("--batch", type=int, default=100, help="newcomers per enter_many")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--groups", type=int, default=20)
    ap.add_argument("--inviters", type=int, default=1_000)
    ap.add_argument(
        "--modes",
        default="single,batch,threads,threads-raw",
        help="comma-separated subset of: single, single-gathered, batch, threads, threads-raw",
    )
    ap.add_argument(
        "--postgres",
        action="store_true",
        help="also measure on a throwaway PostgreSQL cluster (needs the postgresql server package)",
    )
    ap.add_argument(
        "--fresh",
        action="store_true",
        help="measure the store as its setup left it, without analysing its tables first",
    )
    ap.add_argument(
        "--profile", action="store_true", help="cProfile mode single (batch with --modes batch)"
    )
    ap.add_argument(
        "--statements", action="store_true", help="count statements per join by kind instead"
    )
    args = ap.parse_args()
    args.modes = set(args.modes.split(","))
    lines: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(1_000_000))
        if args.statements:
            statements(lambda: f"sqlite:///{tmp}/statements{next(counter)}.db", args)
            if not args.postgres:
                return
        if args.profile and not args.postgres:
            profile(f"sqlite:///{tmp}/profile.db", args)
            return
        if not args.profile:
            lines += run_backend(
                "sqlite",
                lambda: f"sqlite:///{tmp}/shequn{next(counter)}.db",
                lambda: Baseline(COMMUNITY, path=Path(tmp) / f"bare{next(counter)}.db"),
                args,
            )
    if args.postgres:
        from tests.conftest import new_pg_database
        from tests.pgcluster import postgres_cluster

        with postgres_cluster() as pg:
            if args.profile:
                profile(new_pg_database(pg), args)
                return
            if args.statements:
                statements(lambda: new_pg_database(pg), args)
                return
            lines += run_backend(
                "postgresql",
                lambda: new_pg_database(pg),
                lambda: Baseline(COMMUNITY, url=new_pg_database(pg)),
                args,
            )
    print()
    table(lines)


if __name__ == "__main__":
    main()
