"""ECharts options built from analytics results — plain dicts the pages embed as JSON.

Shared by the dashboard and ``shequn report --html`` so both draw the same charts. Each
function takes what an analytics function returned and only reshapes it (dates to ISO
strings, sums across segments); no numbers are computed here that a metric does not define.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from shequn.analytics.activity import ActivityDay
from shequn.analytics.funnel import FunnelRow
from shequn.analytics.leaders import Leader
from shequn.analytics.money_series import RecurringMonth
from shequn.analytics.retention import CohortRow
from shequn.analytics.talk import TalkMix
from shequn.model.blueprint_money import to_major
from shequn.model.kinds import ROLES

Option = dict[str, Any]
Label = Callable[[str], str]

FUNNEL_STEPS = ("acquired", "activated", "retained", "paid", "referred")
_TOOLTIP = {"trigger": "axis"}
_GRID = {"left": 48, "right": 16, "top": 40, "bottom": 32, "containLabel": True}


def _plain(text: str) -> str:
    return text


def activity_lines(days: Sequence[ActivityDay], _: Label = _plain) -> Option:
    """DAU, WAU and MAU over time (P-MEA-2)."""
    return {
        "tooltip": _TOOLTIP,
        "legend": {"top": 0},
        "grid": _GRID,
        "xAxis": {"type": "category", "data": [d.day.isoformat() for d in days]},
        "yAxis": {"type": "value"},
        "series": [
            {"name": name, "type": "line", "showSymbol": False, "data": values}
            for name, values in (
                ("DAU", [d.dau for d in days]),
                ("WAU", [d.wau for d in days]),
                ("MAU", [d.mau for d in days]),
            )
        ],
    }


def funnel_totals(rows: Sequence[FunnelRow]) -> dict[str, int]:
    """The AARRR counts of the whole scope: the per-segment counts added up."""
    return {step: sum(int(getattr(r, step)) for r in rows) for step in FUNNEL_STEPS}


def funnel(steps: Sequence[tuple[str, int]]) -> Option:
    """A funnel of named steps in the order given (not sorted by size)."""
    return {
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "funnel",
                "sort": "none",
                "left": "10%",
                "width": "80%",
                "label": {"show": True, "formatter": "{b}: {c}"},
                "data": [{"name": name, "value": value} for name, value in steps],
            }
        ],
    }


def aarrr_funnel(rows: Sequence[FunnelRow], _: Label = _plain) -> Option:
    """Acquisition → activation → retention → revenue → referral (P-MEA-1)."""
    totals = funnel_totals(rows)
    return funnel([(_(step), totals[step]) for step in FUNNEL_STEPS])


def channel_bars(rows: Sequence[FunnelRow], _: Label = _plain) -> Option:
    """Members acquired per join channel (the funnel's ``acquired`` by segment)."""
    ordered = sorted(rows, key=lambda r: r.acquired)
    return {
        "tooltip": _TOOLTIP,
        "grid": _GRID,
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": [r.segment for r in ordered]},
        "series": [{"name": _("acquired"), "type": "bar", "data": [r.acquired for r in ordered]}],
    }


def retention_heatmap(rows: Sequence[CohortRow], _: Label = _plain) -> Option:
    """Cohort × periods-since-joining, coloured by the share still active (P-MEA-2)."""
    width = max((len(r.rates) for r in rows), default=0)
    cells = [
        [k, i, round(rate * 100, 1)]
        for i, r in enumerate(rows)
        for k, rate in enumerate(r.rates)
        if rate is not None
    ]
    return {
        "tooltip": {"position": "top"},
        "grid": {**_GRID, "bottom": 64},
        "xAxis": {"type": "category", "name": _("week"), "data": list(range(width))},
        "yAxis": {
            "type": "category",
            "name": _("cohort"),
            "data": [f"{r.cohort_start.isoformat()} ({r.size})" for r in rows],
        },
        "visualMap": {
            "min": 0,
            "max": 100,
            "calculable": True,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
        },
        "series": [{"type": "heatmap", "data": cells, "label": {"show": True}}],
    }


def noise_value_bars(mix: Sequence[TalkMix], _: Label = _plain) -> Option:
    """Valuable messages vs chatter per period, stacked (P-MEA-5, P-RUL-3)."""
    return {
        "tooltip": _TOOLTIP,
        "legend": {"top": 0},
        "grid": _GRID,
        "xAxis": {"type": "category", "data": [m.period_start.isoformat() for m in mix]},
        "yAxis": {"type": "value"},
        "series": [
            {"name": _("valuable"), "type": "bar", "stack": "m", "data": [m.valuable for m in mix]},
            {"name": _("chatter"), "type": "bar", "stack": "m", "data": [m.chatter for m in mix]},
        ],
    }


def leader_bars(leaders: Sequence[Leader], _: Label = _plain) -> Option:
    """Key behaviour leaders by score, best on top (P-MEA-4)."""
    ordered = sorted(leaders, key=lambda x: x.score)
    return {
        "tooltip": _TOOLTIP,
        "grid": _GRID,
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": [x.person for x in ordered]},
        "series": [{"name": _("score"), "type": "bar", "data": [x.score for x in ordered]}],
    }


def role_pyramid(counts: dict[str, int], _: Label = _plain) -> Option:
    """Members per role, the pyramid of P-ORG-1: owner at the top, members at the base."""
    roles = list(reversed(ROLES))  # category axes draw bottom-up
    return {
        "tooltip": _TOOLTIP,
        "grid": _GRID,
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": [_(r) for r in roles]},
        "series": [
            {"name": _("members"), "type": "bar", "data": [counts.get(r, 0) for r in roles]}
        ],
    }


def level_pyramid(counts: Sequence[int], names: Sequence[str], _: Label = _plain) -> Option:
    """Members per level, the blueprint's ladder with its top at the top (P-ORG-1)."""
    return {
        "tooltip": _TOOLTIP,
        "grid": _GRID,
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": list(names)},
        "series": [{"name": _("members"), "type": "bar", "data": list(counts)}],
    }


def mrr_lines(months: Sequence[RecurringMonth], _: Label = _plain) -> Option:
    """Recurring revenue at each month's end (``recurring_by_month``), one stacked area per
    plan (and currency, when there are several), in major units; 0 where a plan had none."""
    axis = sorted({m.month for m in months})
    several = len({m.currency for m in months}) > 1
    lines: dict[tuple[str, str], dict[object, float]] = {}
    for m in months:
        lines.setdefault((m.plan, m.currency), {})[m.month] = to_major(m.mrr, m.currency)
    return {
        "tooltip": _TOOLTIP,
        "legend": {"top": 0},
        "grid": _GRID,
        "xAxis": {"type": "category", "data": [d.strftime("%Y-%m") for d in axis]},
        "yAxis": {"type": "value", "name": "MRR"},
        "series": [
            {
                "name": f"{plan} ({currency})" if several else plan,
                "type": "line",
                "stack": currency,
                "areaStyle": {},
                "data": [values.get(d, 0) for d in axis],
            }
            for (plan, currency), values in sorted(lines.items())
        ],
    }
