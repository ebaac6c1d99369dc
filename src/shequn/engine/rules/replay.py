"""Replay on history: the rules run over the stored log as a dry run (``shequn rules replay``).

An operator tunes the rules on last month before switching them on. The replay folds the log
in time order, keeping what the live reactor reads from the store — roles as they stood then,
joins, recent messages, red envelopes — and its *own* ladder (the steps it would have taken,
not the ones actually recorded), and calls the same :func:`~shequn.engine.rules.judge.judge`.
Nothing is written. Pure: events in, a :class:`Report` out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shequn.engine.rules.conduct import APPROVED, join_facts
from shequn.engine.rules.judge import Judgement, MessageFacts, judge, judge_join, role_level
from shequn.engine.rules.ladder import Offence
from shequn.engine.rules.linear import LinearModel
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_rules import Rules
from shequn.model.events import Event

KINDS = (
    "message.posted", "member.joined", "redenvelope.sent", "role.changed",
    "activity.reported", "entry.decided",
)  # fmt: skip
"""What the replay reads from the log."""


@dataclass(frozen=True, slots=True)
class ReplayVerdict:
    """One message the rules would have acted on (or an exempt member's, with no step)."""

    source: str
    source_ref: str
    group: str
    member: str
    at: datetime
    rule: str
    score: float
    step: str | None
    exempt: bool
    verdicts: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "source_ref": self.source_ref, "group": self.group,
            "member": self.member, "at": self.at.isoformat(), "rule": self.rule,
            "score": round(self.score, 3), "step": self.step, "exempt": self.exempt,
            "evidence": self.verdicts[0]["evidence"], "verdicts": list(self.verdicts),
        }  # fmt: skip


@dataclass(slots=True)
class Report:
    """Every verdict, totals per rule and per group, who would have been muted or removed."""

    verdicts: list[ReplayVerdict] = field(default_factory=list)
    messages: int = 0

    def totals(self, key: str) -> dict[str, int]:
        return dict(Counter(getattr(v, key) for v in self.verdicts).most_common())

    def members_at(self, step: str) -> list[str]:
        return sorted({v.member for v in self.verdicts if v.step == step})

    def to_dict(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "per_rule": self.totals("rule"),
            "per_group": self.totals("group"),
            "muted": self.members_at("mute"),
            "removed": self.members_at("removal"),
            "verdicts": [v.to_dict() for v in self.verdicts],
        }


def replay(
    bp: Blueprint,
    events: Iterable[Event],
    *,
    since: datetime | None = None,
    group: str | None = None,
    model: LinearModel | None = None,
) -> Report:
    """What the rules of ``bp`` would have done to ``events`` (the log, oldest first): only
    messages at or after ``since`` in ``group`` are judged; earlier events still count as
    facts (a join, a role, an envelope)."""
    state = _State()
    report = Report()
    for e in events:
        judged = (since is None or e.occurred_at >= since) and group in (None, e.group)
        if e.kind == "member.joined" and judged and isinstance(e.data.get("inviter"), str):
            found = _judge_join(bp, state, e)
            if found is not None:
                report.verdicts.append(found)
        if e.kind != "message.posted" or not e.actor or not e.group:
            state.learn(e, bp)
            continue
        if judged:
            report.messages += 1
            found = _judge(bp, state, e, model)
            if found is not None:
                report.verdicts.append(found)
        state.said(e, bp)
    return report


def _judge(bp: Blueprint, s: _State, e: Event, model: LinearModel | None) -> ReplayVerdict | None:
    a, g = e.actor or "", e.group or ""
    rules = bp.rules.for_group(g)
    roles = s.roles_of(a, g)
    facts = MessageFacts(
        text=str(e.data.get("text") or ""), has_link=bool(e.data.get("has_link")),
        has_media=bool(e.data.get("has_media")), forwarded=bool(e.data.get("forwarded_from")),
        roles=roles, level=role_level(roles), joined_at=s.joins.get((g, a)),
        recent=tuple(s.recent[(a, g)]), envelopes=tuple(s.envelopes[(a, g)]),
        history=tuple(s.history[a]), reported=s.reported_by(a, g, e.occurred_at, rules),
    )  # fmt: skip
    offence = Offence(e.community, g, a, e.source, e.source_ref, e.occurred_at)
    j = judge(rules, offence, facts, banned=bp.culture.banned_topics, model=model)
    return _verdict(s, e, a, j)


def _judge_join(bp: Blueprint, s: _State, e: Event) -> ReplayVerdict | None:
    """A join naming an ``inviter``: the ``pull_in`` rule, the step going to the inviter."""
    inviter, g = str(e.data["inviter"]), e.group or ""
    roles = s.roles_of(inviter, g)
    join = join_facts(e, inviter, roles, role_level(roles), s.approved.get(e.actor or ""))
    o = Offence(e.community, g, inviter, e.source, e.source_ref, e.occurred_at, message=False)
    return _verdict(s, e, inviter, judge_join(bp.rules.for_group(g), o, join, s.history[inviter]))


def _verdict(s: _State, e: Event, member: str, j: Judgement) -> ReplayVerdict | None:
    if j.rule is None:
        return None
    if j.step is not None:
        s.history[member].append(e.occurred_at)
    return ReplayVerdict(
        e.source, e.source_ref, e.group or "", member, e.occurred_at, j.rule,
        j.verdicts[0].score, j.step, j.exempt, tuple(v.to_dict() for v in j.verdicts),
    )  # fmt: skip


@dataclass(slots=True)
class _State:
    """The facts as they stood at the replay's current point in the log."""

    roles: defaultdict[str, dict[str | None, str]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    joins: dict[tuple[str, str], datetime] = field(default_factory=dict)
    recent: defaultdict[tuple[str, str], list[datetime]] = field(
        default_factory=lambda: defaultdict(list)
    )
    envelopes: defaultdict[tuple[str, str], list[tuple[datetime, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    history: defaultdict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    reports: defaultdict[str, list[tuple[str | None, datetime]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    approved: dict[str, datetime] = field(default_factory=dict)

    def roles_of(self, member: str, group: str) -> frozenset[str]:
        got = self.roles[member].items()
        return frozenset(r for grp, r in got if grp in (None, group) and r != "member")

    def reported_by(
        self, member: str, group: str, at: datetime, rules: Rules
    ) -> tuple[datetime, ...]:
        since = at - timedelta(days=rules.activities.report_days)
        mine = self.reports[member]
        return tuple(t for grp, t in mine if grp in (None, group) and since <= t <= at)

    def learn(self, e: Event, bp: Blueprint) -> None:
        if e.kind == "activity.reported" and e.actor:
            self.reports[e.actor].append((e.group, e.occurred_at))
        elif e.kind == "entry.decided" and e.subject and e.data.get("outcome") in APPROVED:
            self.approved.setdefault(e.subject, e.occurred_at)
        elif e.kind == "role.changed" and e.subject:
            self.roles[e.subject][e.group] = str(e.data.get("role", "member"))
        elif e.kind == "member.joined" and e.actor and e.group:
            self.joins[(e.group, e.actor)] = e.occurred_at
        elif e.kind == "redenvelope.sent" and e.actor and e.group:
            hours = timedelta(hours=bp.rules.for_group(e.group).advert.envelope_hours)
            kept = [
                (t, x) for t, x in self.envelopes[(e.actor, e.group)] if t >= e.occurred_at - hours
            ]
            amount = e.data.get("amount")
            kept.append((e.occurred_at, float(amount) if isinstance(amount, int | float) else 0.0))
            self.envelopes[(e.actor, e.group)] = kept

    def said(self, e: Event, bp: Blueprint) -> None:
        key = (e.actor or "", e.group or "")
        window = timedelta(seconds=bp.rules.for_group(e.group).flow.flood_seconds)
        self.recent[key] = [t for t in self.recent[key] if t >= e.occurred_at - window]
        self.recent[key].append(e.occurred_at)


__all__ = ["KINDS", "ReplayVerdict", "Report", "replay"]
