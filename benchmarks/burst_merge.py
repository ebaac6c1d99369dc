"""What merging a burst's two commits saves, without threads (session 39, ``engine/gather.py``).

    python benchmarks/burst_merge.py --joins 1000 [--knocks 2] [--postgres]

``bench_join.py``'s threads mode measures the live path, but with four threads on a shared
two-core machine its batches (and so its figures) follow the scheduler. This measures the
batches themselves, one thread, on the join scenario of ``bench_join.py``: each step is what
a gathered batch holds when knocks and joins alternate — ``--knocks`` newcomers' knocks, and
the ``member.joined`` of the previous step's newcomers — run either as **one** transaction
(``gather._write_together`` with both, this branch's live path) or as **two** (the knocks in
one, the joins in the next: session 38's door line and log line). The two forms alternate
slice by slice (50 steps) on the same store, so both see the same growing state; process CPU
and wall per join are summed per form, with the load beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from join_scenario import COMMUNITY, check, joined, newcomers, setup

from shequn.engine import gather
from shequn.engine.entry import Request
from shequn.model.events import Event
from shequn.store.db import Store
from shequn.store.planner_stats import DOOR_TABLES, analyse

SLICE = 50  # steps per slice, the forms in turn


def run(store: Store, reqs: list[Request], knocks: int) -> dict[str, object]:
    steps = [reqs[i : i + knocks] for i in range(0, len(reqs), knocks)]
    cpu = {"one": 0.0, "two": 0.0}
    wall = {"one": 0.0, "two": 0.0}
    joins = {"one": 0, "two": 0}
    pending: list[Event] = []  # the previous step's joins

    def step(form: str, part: list[Request]) -> None:
        nonlocal pending
        items: list[gather.Write] = [gather.Knock(COMMUNITY, "engine", r) for r in part]
        runs: Callable[[], list[object]]
        if form == "one":
            runs = lambda: gather._write_together(store, [*items, *([pending] if pending else [])])  # noqa: E731
        else:

            def runs() -> list[object]:
                out = gather._write_together(store, items)
                if pending:
                    gather._write_together(store, [pending])
                return out

        c, w = time.process_time(), time.perf_counter()
        out = runs()
        cpu[form] += time.process_time() - c
        wall[form] += time.perf_counter() - w
        joins[form] += len(part)
        pending = joined(part, out[: len(part)])  # type: ignore[arg-type]

    for n, part in enumerate(steps):
        step("one" if (n // SLICE) % 2 == 0 else "two", part)
    if pending:
        gather._write_together(store, [pending])
    return {
        form: {
            "joins": joins[form],
            "cpu_ms_per_join": round(1000 * cpu[form] / joins[form], 3),
            "wall_ms_per_join": round(1000 * wall[form] / joins[form], 3),
        }
        for form in ("one", "two")
    }


def measure(backend: str, url: str, args: argparse.Namespace) -> None:
    sc = setup(url, args.joins, 20, 1_000)
    assert sc.store is not None
    if sc.store.dialect == "postgresql":
        analyse(sc.store, DOOR_TABLES)
    reqs = newcomers(sc)
    load = os.getloadavg()[0]
    line: dict[str, object] = {"backend": backend, "knocks_per_step": args.knocks}
    line.update(run(sc.store, reqs, args.knocks))
    one, two = line["one"], line["two"]
    line["cpu_one_per_two"] = round(one["cpu_ms_per_join"] / two["cpu_ms_per_join"], 3)  # type: ignore[index]
    line["wall_one_per_two"] = round(one["wall_ms_per_join"] / two["wall_ms_per_join"], 3)  # type: ignore[index]
    line["load"] = round(max(load, os.getloadavg()[0]), 1)
    line["check"] = check(sc, reqs)
    sc.store.close()
    print(json.dumps(line, ensure_ascii=False), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--joins", type=int, default=1_000)
    ap.add_argument("--knocks", type=int, default=2, help="knocks per step (a batch's)")
    ap.add_argument("--postgres", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure("sqlite", f"sqlite:///{tmp}/burst.db", args)
    if args.postgres:
        from tests.conftest import new_pg_database
        from tests.pgcluster import postgres_cluster

        with postgres_cluster() as pg:
            measure("postgresql", new_pg_database(pg), args)


if __name__ == "__main__":
    main()
