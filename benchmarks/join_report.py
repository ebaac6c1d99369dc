"""The join benchmark's figures: one run of a mode, its summary line and the final table.

Kept apart from ``bench_join.py`` (which runs the modes) so the driver stays small; what is
printed is documented in ``table``'s legend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from join_baseline import Baseline

GOAL_SINGLE = 500.0  # issue 22: joins/s one knock at a time, member.joined recorded
GOAL_P99_MS = 20.0  # … with p99 per join (enter + member.joined) at most this
GOAL_BATCH = 3_000.0  # joins/s in batches, member.joined recorded


@dataclass
class Run:
    mode: str
    joins: int
    wall: float  # seconds for the whole mode, member.joined included
    decide: list[float]  # seconds per timed call (enter, or enter_many per batch)
    full: list[float]  # the same calls with their member.joined recorded
    cpu: float  # process CPU seconds of shequn's calls (all threads)
    per_call: int = 1  # newcomers per timed call
    concurrent: bool = False

    @property
    def decide_total(self) -> float:
        return sum(self.decide)


# -- reporting -----------------------------------------------------------------------------
def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q / 100 * len(s)) - 1))]


def summarise(
    backend: str, run: Run, base: Baseline, checked: dict[str, object], load: float
) -> dict[str, object]:
    ms = [x * 1000 for x in run.decide]
    full_ms = [x * 1000 / run.per_call for x in run.full]  # per join (a batch's share)
    rate = run.joins / run.decide_total
    if run.concurrent:  # the calls overlap: the rate is over the wall clock (joined included)
        rate = run.joins / run.wall
    full_rate = run.joins / run.wall
    full_p99 = pct([x * 1000 for x in run.full], 99)  # what one newcomer waits (a batch's)
    goal: bool | None = None  # threads: compared with single by ``run_backend``
    if run.mode == "single":
        goal = full_rate >= GOAL_SINGLE and full_p99 <= GOAL_P99_MS
    elif run.mode == "batch":
        goal = full_rate >= GOAL_BATCH
    return {
        "backend": backend,
        "mode": run.mode,
        "joins": run.joins,
        "decide_joins_per_s": round(rate),
        "p50_ms": round(pct(ms, 50), 2),
        "p99_ms": round(pct(ms, 99), 2),
        "max_ms": round(max(ms), 2),
        "full_path_joins_per_s": round(full_rate),
        "full_p50_ms": round(pct([x * 1000 for x in run.full], 50), 2),
        "full_p99_ms": round(full_p99, 2),
        "full_p99_ms_per_join": round(pct(full_ms, 99), 3),
        "cpu_ms_per_join": round(run.cpu / run.joins * 1000, 3),
        "full_joins_per_cpu_s": round(run.joins / run.cpu),
        "baseline_joins_per_s": round(1 / base.per_join),
        "baseline_cpu_ms_per_join": round(base.cpu / base.joins * 1000, 3),
        "full_cost_x_baseline": round(run.wall / run.joins / base.per_join, 1),
        "cpu_cost_x_baseline": round(run.cpu / base.cpu * base.joins / run.joins, 1),
        "load": round(load, 1),
        "goal_met": goal,
        "check": checked,
    }


def table(lines: list[dict[str, object]]) -> None:
    head = (
        f"{'backend':<10} {'mode':<10} {'joins':>6} {'dec j/s':>8} {'full j/s':>8}"
        f" {'full p50':>8} {'full p99':>8} {'cpu ms/j':>8} {'j/cpu-s':>8} {'base j/s':>8}"
        f" {'full×':>6} {'cpu×':>6} {'load':>5}  goal"
    )
    print(head)
    print("-" * len(head))
    for x in lines:
        goal = {True: "met", False: "not met", None: "-"}[x["goal_met"]]  # type: ignore[index]
        print(
            f"{x['backend']:<10} {x['mode']:<10} {x['joins']:>6} {x['decide_joins_per_s']:>8}"
            f" {x['full_path_joins_per_s']:>8} {x['full_p50_ms']:>8} {x['full_p99_ms']:>8}"
            f" {x['cpu_ms_per_join']:>8} {x['full_joins_per_cpu_s']:>8}"
            f" {x['baseline_joins_per_s']:>8} {x['full_cost_x_baseline']:>6}"
            f" {x['cpu_cost_x_baseline']:>6} {x['load']:>5}  {goal}"
        )
    print(
        "dec j/s: joins/s of enter / enter_many alone; full j/s: with member.joined recorded"
        " (issue 22: single >= 500 with full p99 <= 20 ms, batch >= 3,000, threads >= single);"
        "\nfull p50/p99: ms per enter + member.joined (batch: per batch of --batch); cpu ms/j,"
        " j/cpu-s: process CPU time of shequn's calls;\nbase j/s: bare 3-row insert + commit"
        " per join (batch: per --batch joins), A/B interleaved; full× / cpu×: shequn time per"
        " join ÷ the baseline's (wall / CPU)."
    )
