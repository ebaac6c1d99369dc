"""The health report: the playbook's numbers for one community, and the moves they suggest.

``build_report`` gathers the headline metrics and turns what they show into alerts, each with
the playbook move that answers it (the seeds' advice, P-PLAN-2 in miniature). The CLI renders
it with Rich; ``--json`` prints the same object.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from shequn.analytics import together
from shequn.analytics.activity import activity
from shequn.analytics.configured import configured_blueprint
from shequn.analytics.lifecycle import life_cycle
from shequn.analytics.portable import PORTABLE
from shequn.analytics.registry import Metric, all_metrics
from shequn.analytics.scope import Scope, as_of
from shequn.model.blueprint_engagement import DEFAULT_ENVELOPE_TEST_HOURS
from shequn.model.blueprint_org import Coverage
from shequn.model.i18n import Said


@dataclass(frozen=True, slots=True)
class Alert:
    group: str | None
    severity: str  # high | medium | info
    finding: str
    move: str  # what the playbook says to do
    playbook: str


@dataclass
class Report:
    community: str
    group: str | None
    as_of: date | None
    headline: dict[str, Any] = field(default_factory=dict)
    groups: list[dict[str, Any]] = field(default_factory=list)
    sections: dict[str, Any] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    duckdb_only: list[str] = field(default_factory=list)
    """What this engine did not compute (``coverage``, section names): their metrics run on
    DuckDB only so far (``analytics/portable.PORTABLE``)."""

    @property
    def empty(self) -> bool:
        return self.as_of is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "community": self.community,
            "group": self.group,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "headline": self.headline,
            "groups": self.groups,
            "sections": self.sections,
            "alerts": [asdict(a) for a in self.alerts],
            "duckdb_only": self.duckdb_only,
        }


def _moves(envelope_hours: float) -> dict[str, tuple[str, Said, str]]:
    """Each finding's severity, move and playbook id; the moves are ``Said``, so a reader
    gets them in the community's language."""
    hours = format(envelope_hours, "g")
    return {
        "dead": (
            "high",
            Said(
                "Run the red-envelope test; if nobody grabs it within {hours} hours, retire "
                "the group or merge its members into a living one.",
                hours=hours,
            ),
            "P-ENG-4",
        ),
        "declining": (
            "medium",
            Said(
                "Schedule a sharing session (announce 3–5 days ahead) and reach "
                "the quieting members privately."
            ),
            "P-ENG-2",
        ),
        "seven_day_failed": (
            "high",
            Said(
                "The first week passed without real activity (90% of such groups fall "
                "silent): seed questions, a welcome wave and a session now."
            ),
            "P-MEA-3",
        ),
        "seven_day_pending": (
            "info",
            Said(
                "First week under way: make sure at least two people talk and five real "
                "exchanges happen."
            ),
            "P-MEA-3",
        ),
    }


_SEVEN_DAY = {"failed": Said("7-day rule failed"), "pending": Said("7-day rule pending")}


def build_report(con: Any, scope: Scope, *, portable_only: bool = False) -> Report:
    """Everything ``shequn report`` shows, as data. ``portable_only`` (``con`` is Spark):
    only what portable metrics give; the rest is named in ``duckdb_only``, not guessed."""
    report = Report(community=scope.community, group=scope.group, as_of=as_of(con, scope))
    if report.empty:
        return report
    sections = _sections(PORTABLE if portable_only else None, report)
    found = together.run(
        con,
        {
            "activity": lambda c: activity(c, scope),
            **{name: _section(metric, scope) for name, metric in sections.items()},
            "life_cycle": lambda c: life_cycle(c, scope),
        },
    )
    days = found["activity"]
    if days:
        today = days[-1]
        report.headline = {
            "dau": today.dau,
            "wau": today.wau,
            "mau": today.mau,
            "stickiness": today.stickiness,
            "messages_last_7_days": sum(d.messages for d in days[-7:]),
            "messages_per_active_member": today.messages_per_active,
        }
    for name in sections:
        rows = found[name] if isinstance(found[name], list) else [found[name]]
        report.sections[name] = [
            asdict(r) if hasattr(r, "__dataclass_fields__") else r for r in rows
        ]
    moves = _moves(_envelope_hours(con, scope.community))
    for life in found["life_cycle"]:
        report.groups.append(
            {
                "group": life.group,
                "stage": life.stage,
                "reason": life.reason,
                "members": life.members,
                "age_days": life.age_days,
                "seven_day_rule": life.seven_day_rule,
            }
        )
        report.headline["members"] = report.headline.get("members", 0) + life.members
        young = life.age_days <= SEVEN_DAY_ALERT_DAYS
        report.alerts += _life_alerts(
            moves, life.group, life.stage, life.reason, life.seven_day_rule if young else "old"
        )
    if portable_only:  # the pyramid's gaps read the replica's own tables
        report.duckdb_only.append("coverage")
        return report
    _coverage_alerts(con, scope, report)
    return report


def _coverage_alerts(con: Any, scope: Scope, report: Report) -> None:
    """The pyramid's gaps in scope (P-ORG-4): a silent leader, a group whose leader stepped
    down, an overdue duty — each with its move (``plan/coverage.py``)."""
    from shequn.plan.coverage import advise, replica_gaps  # lazy: the engine's rules

    assert report.as_of is not None  # noqa: S101 (not empty)
    bp = configured_blueprint(con, scope.community)
    cfg = bp.organization.coverage if bp is not None else Coverage()
    groups = [g["group"] for g in report.groups]
    for gap in replica_gaps(con, scope.community, report.as_of, groups, cfg):
        where = gap.group.split(", ") if gap.group else []
        if scope.group is not None and scope.group not in where:
            continue
        advice = advise(gap, gap.group or scope.community, None)
        severity = "medium" if gap.kind == "duty_overdue" else "high"
        report.alerts.append(Alert(gap.group, severity, advice.finding, advice.move, "P-ORG-4"))


def _envelope_hours(con: Any, community: str) -> float:
    """How long the dead-group test waits: the community's ``[engagement.envelopes]``."""
    bp = configured_blueprint(con, community)
    return bp.engagement.envelopes.test_hours if bp else DEFAULT_ENVELOPE_TEST_HOURS


def _life_alerts(
    moves: dict[str, tuple[str, Said, str]], group: str, stage: str, reason: str, rule: str
) -> list[Alert]:
    alerts = []
    if stage in ("dead", "declining"):
        sev, move, pid = moves[stage]
        finding = Said("{stage}: {why}", stage=Said(stage), why=reason)
        alerts.append(Alert(group, sev, finding, move, pid))
    if rule in _SEVEN_DAY and stage != "dead":
        sev, move, pid = moves[f"seven_day_{rule}"]
        alerts.append(Alert(group, sev, _SEVEN_DAY[rule], move, pid))
    return alerts


SEVEN_DAY_ALERT_DAYS = 30
"""A failed 7-day rule is news while the group is young; later its stage tells the story."""

_SECTIONS = (
    "retention",
    "funnel",
    "k_factor",  # the AARRR referral step (P-FIS-1): invitees who activated, per member
    "concentration",
    "key_behaviour_leaders",
    "churn_risk",
)


def _sections(only: tuple[str, ...] | None, report: Report) -> dict[str, Metric]:
    """The metrics of the other analytics modules this build has, by name (of them, those in
    ``only`` when given; the others go to the report's ``duckdb_only``)."""
    metrics = all_metrics()
    found: dict[str, Metric] = {}
    for name in _SECTIONS:
        metric = metrics.get(name)
        if metric is None:
            continue
        if only is not None and name not in only:
            report.duckdb_only.append(name)
            continue
        found[name] = metric
    return found


def _section(metric: Metric, scope: Scope) -> together.Job:
    return lambda con: metric.compute(con, scope)
