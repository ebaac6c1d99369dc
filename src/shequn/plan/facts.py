"""The facts the diagnosis rules look at, measured once per group by the analytics functions.

Two facts have no analytics metric yet and are read here with one small query each: the last
``session.held`` and the questions nobody answered; and members' ladder tiers
(``ladder_conversion`` only counts them, an offer needs names). Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shequn.analytics.activity import ActivityDay, activity_by_group
from shequn.analytics.churn import churn_risk
from shequn.analytics.funnel import FunnelRow, funnel
from shequn.analytics.leaders import Leader, key_behaviour_leaders
from shequn.analytics.lifecycle import GroupLife, life_cycle
from shequn.analytics.money import TIERS, LadderRung, ladder_conversion
from shequn.analytics.scope import DEFAULT_ACTIVE_KINDS, Scope, as_of, kinds_sql
from shequn.analytics.talk import OverActivityAlert, TalkMix, noise_by_group, over_activity
from shequn.engine.delegation_rules import Gap


@dataclass(frozen=True, slots=True)
class Hit:
    """A diagnosis rule's verdict on a group: a one-line reason, the numbers, the members
    named, and how to carry the move out (command / api, ``plan/acts.py``)."""

    why: str
    evidence: dict[str, Any]
    targets: list[str] = field(default_factory=list)
    act: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Position:
    """A paying member's place on the ladder (P-MON-1), as seen from one group."""

    person: str
    tier: str  # highest tier paid for
    last_active: date  # last active day in the group
    last_offer: date | None  # last offer.made to them anywhere in the community


@dataclass(slots=True)
class GroupFacts:
    """Everything the rules may look at for one group, measured as of one day."""

    group: str
    as_of: date
    life: GroupLife
    days: list[ActivityDay] = field(default_factory=list)  # per-day DAU … for this group
    talk: list[TalkMix] = field(default_factory=list)  # per-day chatter / valuable
    alerts: list[OverActivityAlert] = field(default_factory=list)
    leaders: list[Leader] = field(default_factory=list)  # best first
    at_risk: set[str] = field(default_factory=set)  # churn-risk people active in the group
    last_session: date | None = None
    unanswered: list[date] = field(default_factory=list)  # days of unanswered questions
    funnel: FunnelRow | None = None
    positions: list[Position] = field(default_factory=list)
    ladder: list[LadderRung] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)  # coverage gaps (plan/coverage.py)


def gather(con: Any, scope: Scope) -> dict[str, GroupFacts]:
    """Measure every group in scope once, as of the scope's as-of day (``since`` is ignored:
    a diagnosis is about now, and the rules choose their own windows)."""
    last = as_of(con, scope)
    if last is None:
        return {}
    fixed = Scope(scope.community, scope.group, None, last)
    facts = {g.group: GroupFacts(g.group, last, g) for g in life_cycle(con, fixed)}
    for x in key_behaviour_leaders(con, fixed):
        if x.group in facts:
            facts[x.group].leaders.append(x)
    for alert in over_activity(con, fixed):
        if alert.group in facts:
            facts[alert.group].alerts.append(alert)
    for risk in churn_risk(con, fixed):
        for g in risk.groups:
            if g in facts:
                facts[g].at_risk.add(risk.person)
    for row in funnel(con, fixed, by="group"):
        if row.segment in facts:
            facts[row.segment].funnel = row
    for g, day in _last_sessions(con, fixed):
        facts[g].last_session = day
    for g, day in _unanswered(con, fixed):
        facts[g].unanswered.append(day)
    for g, pos in _positions(con, fixed):
        facts[g].positions.append(pos)
    for g, mixes in noise_by_group(con, fixed).items():
        if g in facts:
            facts[g].talk = mixes
    days = activity_by_group(con, fixed)
    for g, f in facts.items():  # the ladder is not segmented by group: one call per group
        f.days = days.get(g, [])
        f.ladder = ladder_conversion(con, fixed.with_group(g)) if f.positions else []
    return facts


def _last_sessions(con: Any, scope: Scope) -> list[tuple[str, date]]:
    where, params = scope.where()
    sql = f"""SELECT grp, max(CAST(local_at AS DATE)) FROM ev WHERE {where}
              AND kind = 'session.held' AND grp IS NOT NULL GROUP BY grp"""  # noqa: S608
    return [(g, d) for g, d in con.execute(sql, params).fetchall()]


def _unanswered(con: Any, scope: Scope) -> list[tuple[str, date]]:
    """Questions (``is_question``) that no one else replied to by the as-of day. A reply
    keeps its message's id and author (``to_id``, ``to_person``, resolved at sync,
    ``analytics/materialise.py``), so the replies drawn are read off the replies alone, as
    the talk metrics do, instead of joining every reply's ``to_key`` to a message's
    ``ref_key``."""
    where, params = scope.where("q")
    sql = f"""SELECT q.grp, q.day FROM ev q
        WHERE {where} AND q.grp IS NOT NULL AND q.kind = 'message.posted' AND q.is_question
          AND q.id NOT IN (SELECT r.to_id FROM ev r WHERE r.kind = 'message.posted'
              AND r.to_id IS NOT NULL AND r.person IS DISTINCT FROM r.to_person
              AND r.day <= ?)"""  # noqa: S608
    return [(g, d) for g, d in con.execute(sql, [*params, scope.until]).fetchall()]


def _positions(con: Any, scope: Scope) -> list[tuple[str, Position]]:
    """Per group, each member active there who paid for a tier: their highest tier (refunds do
    not lower it, as in ``ladder_conversion``), last active day, last private offer."""
    where, params = scope.where()
    kinds, kparams = kinds_sql(DEFAULT_ACTIVE_KINDS)
    rank = " ".join(f"WHEN '{t}' THEN {i}" for i, t in enumerate(TIERS))
    sql = f"""
        WITH tiers AS (
            SELECT person, max(CASE data->>'tier' {rank} END) AS r FROM ev
            WHERE community = ? AND kind = 'payment.made' AND CAST(local_at AS DATE) <= ?
            GROUP BY person
        ),
        offers AS (
            SELECT subject_person AS person, max(CAST(local_at AS DATE)) AS d FROM ev
            WHERE community = ? AND kind = 'offer.made' AND CAST(local_at AS DATE) <= ?
            GROUP BY 1
        ),
        act AS (
            SELECT grp, person, max(CAST(local_at AS DATE)) AS d FROM ev
            WHERE {where} AND {kinds} AND person IS NOT NULL AND grp IS NOT NULL
            GROUP BY grp, person
        )
        SELECT act.grp, act.person, tiers.r, act.d, offers.d
        FROM act JOIN tiers USING (person) LEFT JOIN offers USING (person)
        WHERE tiers.r IS NOT NULL ORDER BY act.grp, act.person"""  # noqa: S608
    c, day = scope.community, scope.until
    rows = con.execute(sql, [c, day, c, day, *params, *kparams]).fetchall()
    return [(g, Position(p, TIERS[r], d, o)) for g, p, r, d, o in rows]
