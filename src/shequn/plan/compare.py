"""Plan versus actual (P-PLAN-1): a saved forecast lined up against the real log.

``compare`` computes the forecast's four weekly figures (see :mod:`shequn.plan.forecast`)
from the analytics replica with SQL, says for every complete observed week and figure whether
reality is below, inside or above the 10-90% band, and then asks *which assumption explains
the gap*: it refits one knob at a time — the invite rate, retention, ladder conversion — by
re-simulating the observed weeks with the knob multiplied by each factor of :data:`GRID`
(the other parameters as planned), and keeps the factor whose median best matches the
actuals. Error is least squares over weeks and figures, each figure divided by its mean
actual so that revenue does not drown out members. The knob with the largest error reduction
is the explanation, if it removes at least :data:`EXPLAINS` of the error.

Budget: at most ``len(KNOBS) × len(GRID) × refit_runs`` simulations of the observed weeks
(3 × 9 × 8 = 216 by default). One simulation is timed first and ``refit_runs`` is lowered
(never below 3) so that the total fits ``budget_seconds`` on the available workers. All grid
points reuse the same seeds, so a difference between two factors is the factor's, not luck's.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from shequn.analytics.scope import DEFAULT_ACTIVE_KINDS, Scope, as_of, kinds_sql
from shequn.plan.forecast import (
    SERIES,
    Forecast,
    Week,
    Where,
    quantile,
    run_many,
    run_seed,
    run_weeks,
)
from shequn.plan.sim_params import SimParams

KNOBS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("invite rate", ("invites_per_inviter",)),
    ("retention", ("engaged_days",)),
    ("ladder conversion", ("convert_low", "convert_mid", "convert_high")),
)
"""The assumptions refitted, each as the parameters one factor multiplies."""
GRID: tuple[float, ...] = (0.25, 0.4, 0.6, 0.8, 1.0, 1.25, 1.6, 2.5, 4.0)
"""Factors tried on each knob (1.0 is the plan itself)."""
EXPLAINS = 0.2
"""A refit must remove at least this share of the plan's error to count as the explanation."""


@dataclass(frozen=True, slots=True)
class WeekCheck:
    """One observed week: the actual figures and where each falls against its band."""

    week: int
    start: date
    actual: dict[str, float]
    where: dict[str, Where]


@dataclass(frozen=True, slots=True)
class Refit:
    """One knob refitted to the actuals."""

    knob: str
    planned: dict[str, float]
    fitted: dict[str, float]
    factor: float
    error_planned: float
    error_fitted: float

    @property
    def reduction(self) -> float:
        """Share of the plan's error the fitted value removes (0 when the plan fits best)."""
        if self.error_planned <= 0:
            return 0.0
        return round(1 - self.error_fitted / self.error_planned, 4)


@dataclass
class Comparison:
    community: str
    start: date
    as_of: date | None
    weeks: list[WeekCheck]
    refits: list[Refit] = field(default_factory=list)
    refit_runs: int = 0
    seconds: float = 0.0

    def counts(self) -> dict[str, dict[str, int]]:
        """Weeks below, inside and above the band, per figure."""
        out = {s: {"below": 0, "inside": 0, "above": 0} for s in SERIES}
        for w in self.weeks:
            for s, where in w.where.items():
                out[s][where] += 1
        return out

    @property
    def explanation(self) -> Refit | None:
        """The refit that removes the most error, if it removes enough to count."""
        best = max(self.refits, key=lambda r: r.reduction, default=None)
        return best if best is not None and best.reduction >= EXPLAINS else None

    def to_dict(self) -> dict[str, Any]:
        best = self.explanation
        return {
            "community": self.community,
            "start": self.start.isoformat(),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "weeks": [{**asdict(w), "start": w.start.isoformat()} for w in self.weeks],
            "counts": self.counts(),
            "refits": [{**asdict(r), "reduction": r.reduction} for r in self.refits],
            "explanation": best.knob if best else None,
            "refit_runs": self.refit_runs,
            "seconds": round(self.seconds, 2),
        }


def compare(
    fc: Forecast,
    con: Any,
    scope: Scope,
    *,
    refit: bool = True,
    refit_runs: int = 8,
    budget_seconds: float = 60.0,
    workers: int | None = None,
) -> Comparison:
    """Line ``fc`` up against the log in the replica ``con`` for ``scope.community``."""
    started = time.perf_counter()
    last = as_of(con, replace(scope, since=None))
    n = 0 if last is None else min(len(fc.weeks), ((last - fc.start).days + 1) // 7)
    actual = actual_weeks(con, scope, fc.start, n) if n > 0 else []
    weeks = [
        WeekCheck(
            week=w,
            start=fc.start + timedelta(days=7 * w),
            actual=dict(zip(SERIES, actual[w], strict=True)),
            where={s: fc.weeks[w].band(s).where(actual[w][i]) for i, s in enumerate(SERIES)},
        )
        for w in range(n)
    ]
    result = Comparison(fc.community, fc.start, last, weeks)
    if refit and n > 0:
        result.refits, result.refit_runs = refit_knobs(
            fc, actual, runs=refit_runs, budget_seconds=budget_seconds, workers=workers
        )
    result.seconds = time.perf_counter() - started
    return result


def actual_weeks(con: Any, scope: Scope, start: date, n_weeks: int) -> list[Week]:
    """The forecast's four figures for weeks ``0 … n_weeks-1`` from ``start``, from ``ev``.

    Events before ``start`` count towards members and payers (they are there from week 0 on);
    weeks are 7 local days from ``start``, as in the simulation."""
    where, params = replace(scope, since=None, until=None).where()
    end = start + timedelta(days=7 * n_weeks - 1)
    wk = "greatest(0, datediff('day', CAST(? AS DATE), CAST(local_at AS DATE)) // 7)"
    base = f"{where} AND CAST(local_at AS DATE) <= ?"
    p = [start, *params, end]
    members = f"""
        WITH d AS (
            SELECT CASE WHEN kind = 'member.removed' THEN subject_person ELSE person END AS who,
                   {wk} AS wk, CASE WHEN kind = 'member.joined' THEN 1 ELSE -1 END AS delta
            FROM ev WHERE {base}
              AND kind IN ('member.joined', 'member.left', 'member.removed')
        ),
        pw AS (SELECT who, wk, sum(delta) AS delta FROM d WHERE who IS NOT NULL GROUP BY 1, 2),
        st AS (
            SELECT who, wk,
                   CASE WHEN sum(delta) OVER (PARTITION BY who ORDER BY wk) > 0 THEN 1 ELSE 0
                   END AS inside
            FROM pw
        ),
        tr AS (
            SELECT wk, inside - coalesce(lag(inside) OVER (PARTITION BY who ORDER BY wk), 0)
                   AS change
            FROM st
        )
        SELECT wk, sum(change) FROM tr GROUP BY wk
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated
    kinds, kparams = kinds_sql(DEFAULT_ACTIVE_KINDS)
    wau = f"""
        SELECT {wk} AS wk, count(DISTINCT person) FROM ev
        WHERE {base} AND {kinds} AND person IS NOT NULL AND CAST(local_at AS DATE) >= ?
        GROUP BY 1
    """  # noqa: S608
    amount = "CAST(data->>'amount' AS DOUBLE)"
    paid = f"""
        SELECT wk, count(*) FROM (
            SELECT person, min({wk}) AS wk FROM ev
            WHERE {base} AND kind = 'payment.made' AND person IS NOT NULL AND {amount} > 0
            GROUP BY person
        ) GROUP BY wk
    """  # noqa: S608
    revenue = f"""
        SELECT {wk} AS wk, sum({amount}) FROM ev
        WHERE {base} AND kind = 'payment.made' AND CAST(local_at AS DATE) >= ? GROUP BY 1
    """  # noqa: S608
    cols = [
        _cumulative(_by_week(con, members, p), n_weeks),
        _weekly(_by_week(con, wau, [*p, *kparams, start]), n_weeks),
        _cumulative(_by_week(con, paid, p), n_weeks),
        _weekly(_by_week(con, revenue, [*p, start]), n_weeks),
    ]
    return [(cols[0][w], cols[1][w], cols[2][w], round(cols[3][w], 2)) for w in range(n_weeks)]


def _by_week(con: Any, sql: str, params: list[Any]) -> dict[int, float]:
    return {int(w): float(v or 0) for w, v in con.execute(sql, params).fetchall()}


def _weekly(values: dict[int, float], n: int) -> list[float]:
    return [values.get(w, 0.0) for w in range(n)]


def _cumulative(values: dict[int, float], n: int) -> list[float]:
    out, total = [], 0.0
    for w in range(n):
        total += values.get(w, 0.0)
        out.append(total)
    return out


def refit_knobs(
    fc: Forecast,
    actual: Sequence[Week],
    *,
    runs: int = 8,
    budget_seconds: float = 60.0,
    workers: int | None = None,
) -> tuple[list[Refit], int]:
    """Refit every knob of :data:`KNOBS` over :data:`GRID` (see the module doc for the
    budget); returns the refits and the runs per grid point actually used."""
    bp, params = fc.sim_blueprint(), fc.sim_params()
    days = len(actual) * 7
    t = time.perf_counter()
    run_weeks(bp, params, days=days, seed=run_seed(fc.seed, 0))
    one = max(time.perf_counter() - t, 1e-3)
    cores = workers or os.cpu_count() or 1
    affordable = int(budget_seconds * cores / (one * len(KNOBS) * len(GRID)))
    runs = max(3, min(runs, affordable))
    seeds = [run_seed(fc.seed, i) for i in range(runs)]
    points = [(knob, f) for knob in KNOBS for f in GRID]
    jobs = [(_scaled(params, knob[1], f), s) for knob, f in points for s in seeds]
    results = run_many(bp, jobs, days, workers)
    cumulated = [(*w[:3], r) for w, r in zip(actual, accumulate(w[3] for w in actual), strict=True)]
    scale = [max(1.0, sum(abs(w[i]) for w in cumulated) / len(cumulated)) for i in range(4)]
    errors: dict[tuple[str, float], float] = {}
    for k, (knob, f) in enumerate(points):
        runs_here = results[k * runs : (k + 1) * runs]
        errors[(knob[0], f)] = _error(runs_here, actual, scale)
    refits = []
    for name, names in KNOBS:
        best = min(GRID, key=lambda f: (errors[(name, f)], abs(f - 1.0)))
        planned = {n: float(getattr(params, n)) for n in names}
        fitted = {n: float(getattr(_scaled(params, names, best), n)) for n in names}
        refits.append(
            Refit(
                name,
                planned,
                fitted,
                best,
                round(errors[(name, 1.0)], 4),
                round(errors[(name, best)], 4),
            )
        )
    return refits, runs


def _scaled(params: SimParams, names: tuple[str, ...], factor: float) -> SimParams:
    """``params`` with each named parameter times ``factor`` (shares capped at 1, integers
    rounded)."""
    changes: dict[str, Any] = {}
    for n in names:
        value = getattr(params, n) * factor
        if n.startswith("convert_") or n.endswith("_share"):
            value = min(1.0, value)
        changes[n] = round(value) if isinstance(getattr(params, n), int) else value
    return replace(params, **changes)


def _error(runs: Sequence[Sequence[Week]], actual: Sequence[Week], scale: Sequence[float]) -> float:
    """Scaled squared distance of the runs' weekly median from the actuals."""
    total = 0.0
    for i in range(len(SERIES)):
        want = [w[i] for w in actual]
        have = [quantile([r[w][i] for r in runs], 0.5) for w in range(len(actual))]
        if SERIES[i] == "revenue":  # weekly revenue is lumpy: fit revenue to date
            want, have = list(accumulate(want)), list(accumulate(have))
        total += sum(((h - x) / scale[i]) ** 2 for h, x in zip(have, want, strict=True))
    return total


__all__ = ["GRID", "KNOBS", "Comparison", "Refit", "WeekCheck", "actual_weeks", "compare"]
