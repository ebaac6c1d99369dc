"""Forecast a community from its blueprint (P-PLAN-1): many simulated futures, weekly bands.

One simulation is one possible future; the spread between many is what a plan must show, so
``forecast`` runs the simulator ``runs`` times (Monte Carlo, in parallel over cores) and keeps,
per week since the blueprint's ``start_date``, the 10/50/90% quantiles of four figures:

* ``members`` — people in at least one group at the week's end (net joins: ``member.joined``
  minus ``member.left``/``member.removed``, per person);
* ``wau`` — distinct people active (the analytics' active kinds) during the week;
* ``paid`` — distinct payers so far (``payment.made`` with a positive amount, cumulative);
* ``revenue`` — the week's ``payment.made`` amounts.

Every run is aggregated on the fly from the event stream (a few numbers per member, no store),
so memory stays flat however many runs. ``plan.compare`` computes the same four figures from a
real log with SQL and lines them up against a saved forecast.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from shequn.analytics.scope import DEFAULT_ACTIVE_KINDS
from shequn.model.blueprint import Blueprint
from shequn.model.i18n import Said
from shequn.plan.sim_params import GroupPlan, SimParams, sim_params
from shequn.plan.simulate import simulate

SERIES: tuple[str, ...] = ("members", "wau", "paid", "revenue")
"""The weekly figures a forecast bands, in table order."""

WEEK_SECONDS = 7 * 86_400.0
FORMAT = 1
"""Version of the saved JSON; ``Forecast.load`` refuses another."""

Week = tuple[float, float, float, float]
"""One run's figures for one week, in :data:`SERIES` order."""
Where = Literal["below", "inside", "above"]


@dataclass(frozen=True, slots=True)
class Band:
    """The 10%, 50% and 90% quantiles of one figure in one week over all runs."""

    p10: float
    p50: float
    p90: float

    def where(self, value: float) -> Where:
        """Where an observed value falls; the band's edges count as inside."""
        if value < self.p10:
            return "below"
        return "above" if value > self.p90 else "inside"


@dataclass(frozen=True, slots=True)
class WeekBands:
    """The bands of one week; ``start`` is the week's first local day."""

    week: int
    start: date
    members: Band
    wau: Band
    paid: Band
    revenue: Band

    def band(self, series: str) -> Band:
        band: Band = getattr(self, series)
        return band


@dataclass(frozen=True, slots=True)
class Forecast:
    """A saved forecast: enough to re-run it (blueprint, parameters, seed) and its bands."""

    community: str
    start: date
    days: int
    runs: int
    seed: int
    params: dict[str, Any]
    blueprint: dict[str, Any]
    weeks: list[WeekBands]

    def sim_params(self) -> SimParams:
        return params_from_dict(self.params)

    def sim_blueprint(self) -> Blueprint:
        return Blueprint.model_validate(self.blueprint)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["start"] = self.start.isoformat()
        data["weeks"] = [{**asdict(w), "start": w.start.isoformat()} for w in self.weeks]
        return {"format": FORMAT, **data}

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1), "utf-8")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Forecast:
        if data.get("format") != FORMAT:
            raise ValueError(
                Said("not a shequn forecast (format {format})", format=repr(data.get("format")))
            )
        weeks = [
            WeekBands(
                week=int(w["week"]),
                start=date.fromisoformat(w["start"]),
                **{s: Band(**w[s]) for s in SERIES},
            )
            for w in data["weeks"]
        ]
        return cls(
            community=str(data["community"]),
            start=date.fromisoformat(data["start"]),
            days=int(data["days"]),
            runs=int(data["runs"]),
            seed=int(data["seed"]),
            params=dict(data["params"]),
            blueprint=dict(data["blueprint"]),
            weeks=weeks,
        )

    @classmethod
    def load(cls, path: str | Path) -> Forecast:
        return cls.from_dict(json.loads(Path(path).read_text("utf-8")))


def forecast(
    blueprint: Blueprint,
    params: SimParams | None = None,
    *,
    days: int = 180,
    runs: int = 200,
    seed: int = 1,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Forecast:
    """Simulate ``runs`` futures of ``days`` days and band each complete week.

    ``params`` default to the blueprint's (its ``[plan]``, planned life and wave sizes).

    Run ``i`` uses seed :func:`run_seed` (``seed``, ``i``), so the result depends on the seed
    only, never on ``workers`` or on which process finished first. ``progress`` is called
    with the number of runs done after each one.
    """
    if runs < 1 or days < 7:
        raise ValueError(Said("a forecast needs at least one run and one week"))
    params = params or sim_params(blueprint)
    seeds = [run_seed(seed, i) for i in range(runs)]
    results = run_many(blueprint, [(params, s) for s in seeds], days, workers, progress)
    start = blueprint.community.start_date
    weeks = [
        WeekBands(
            week=w,
            start=start + timedelta(days=7 * w),
            **{s: _band([r[w][i] for r in results]) for i, s in enumerate(SERIES)},
        )
        for w in range(days // 7)
    ]
    return Forecast(
        community=blueprint.community.slug,
        start=start,
        days=days,
        runs=runs,
        seed=seed,
        params=params_to_dict(params),
        blueprint=blueprint.to_dict(),
        weeks=weeks,
    )


def run_seed(seed: int, run: int) -> int:
    """The simulator seed of run ``run``: disjoint ranges per forecast seed."""
    return seed * 100_000 + run


def run_many(
    blueprint: Blueprint,
    jobs: Sequence[tuple[SimParams, int]],
    days: int,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[list[Week]]:
    """Weekly figures of each (params, seed) job, in job order, over ``workers`` processes
    (default: all cores; ``1`` runs here, without a pool)."""
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    if workers <= 1:
        results: list[list[Week]] = []
        for p, s in jobs:
            results.append(run_weeks(blueprint, p, days=days, seed=s))
            if progress is not None:
                progress(len(results))
        return results
    # A few chunks per worker: the blueprint is pickled once per chunk, not once per run,
    # and a slow chunk still leaves the other workers something to do.
    size = max(1, len(jobs) // (workers * 4))
    chunks = [list(jobs[i : i + size]) for i in range(0, len(jobs), size)]
    parts: list[list[list[Week]]] = [[] for _ in chunks]
    with _pool(workers) as pool:
        futures = {pool.submit(_run_chunk, blueprint, c, days): i for i, c in enumerate(chunks)}
        done = 0
        for future in as_completed(futures):
            i = futures[future]
            parts[i] = future.result()
            done += len(chunks[i])
            if progress is not None:
                progress(done)
    return [weeks for part in parts for weeks in part]


def _run_chunk(
    blueprint: Blueprint, jobs: list[tuple[SimParams, int]], days: int
) -> list[list[Week]]:
    return [run_weeks(blueprint, p, days=days, seed=s) for p, s in jobs]


def _pool(workers: int) -> Executor:
    """Worker processes started by a fork server: forking a process that holds DuckDB or
    database threads can deadlock, a clean server cannot. (As with any non-fork start, a
    script calling ``forecast`` needs the ``if __name__ == "__main__":`` guard.)"""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload([__name__])  # workers start with the simulator loaded
    return ProcessPoolExecutor(workers, mp_context=context)


def run_weeks(blueprint: Blueprint, params: SimParams, *, days: int, seed: int) -> list[Week]:
    """One simulated future, reduced to its complete weeks as it streams by."""
    zone = ZoneInfo(blueprint.community.timezone)
    t0 = datetime.combine(blueprint.community.start_date, time(), tzinfo=zone).timestamp()
    n_weeks = days // 7
    return weekly_figures(simulate(blueprint, params, days=n_weeks * 7, seed=seed), t0, n_weeks)


def weekly_figures(events: Iterable[Any], t0: float, n_weeks: int) -> list[Week]:
    """The four figures per week of an event stream in time order (weeks start at ``t0``)."""
    active_kinds = frozenset(DEFAULT_ACTIVE_KINDS)
    held: dict[str, int] = {}  # person -> net joins over all groups
    active: set[str] = set()
    payers: set[str] = set()
    members, revenue, week = 0, 0.0, 0
    out: list[Week] = []
    for e in events:
        w = int((e.occurred_at.timestamp() - t0) // WEEK_SECONDS)
        while w > week and week < n_weeks:
            out.append((members, len(active), len(payers), revenue))
            active.clear()
            revenue, week = 0.0, week + 1
        if week >= n_weeks:
            break
        kind = e.kind
        if kind in active_kinds:
            if e.actor is not None:
                active.add(e.actor)
        elif kind in ("member.joined", "member.left", "member.removed"):
            who = e.subject if kind == "member.removed" else e.actor
            if who is None:
                continue
            before = held.get(who, 0)
            after = before + (1 if kind == "member.joined" else -1)
            held[who] = after
            members += (after > 0) - (before > 0)
        elif kind == "payment.made":
            amount = float(e.data.get("amount") or 0)
            revenue += amount
            if amount > 0 and e.actor is not None:
                payers.add(e.actor)
    while len(out) < n_weeks:
        out.append((members, len(active), len(payers), revenue))
        active.clear()
        revenue = 0.0
    return out


def quantile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default; numpy is not a
    dependency)."""
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _band(values: Sequence[float]) -> Band:
    return Band(*(round(quantile(values, q), 2) for q in (0.1, 0.5, 0.9)))


def params_to_dict(params: SimParams) -> dict[str, Any]:
    """JSON-compatible parameters (group plans as plain tables)."""
    data = {f.name: getattr(params, f.name) for f in fields(params)}
    data["groups"] = {slug: asdict(plan) for slug, plan in params.groups.items()}
    return data


def params_from_dict(data: Mapping[str, Any]) -> SimParams:
    known = {f.name for f in fields(SimParams)}
    kw = {k: v for k, v in data.items() if k in known and k != "groups"}
    groups = {slug: GroupPlan(**plan) for slug, plan in dict(data.get("groups") or {}).items()}
    return SimParams(groups=groups, **kw)


__all__ = [
    "SERIES",
    "Band",
    "Forecast",
    "WeekBands",
    "forecast",
    "params_from_dict",
    "params_to_dict",
    "quantile",
    "run_many",
    "run_seed",
    "run_weeks",
    "weekly_figures",
]
