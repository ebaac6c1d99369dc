"""The counted referral edges and the walk of the forest they form, shared by the fission
metrics (``analytics/fission.py``; the rules are in its module doc).

The edges are one Ibis definition for both engines (``analytics/portable.py``). The walk is
Python (:func:`walk`): Ibis has no recursive queries, and the edges are one row per referred
member — far fewer than the events they are computed from (docs/scale.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from shequn.analytics import portable, starts
from shequn.analytics.scope import Scope

MAX_DEPTH = 50
"""``referral_tree`` walks no deeper than this (a guard against bad data)."""


@dataclass(frozen=True, slots=True)
class ReferralTree:
    root: str  # a person who was not referred and brought at least one member
    size: int  # members below the root
    depth: int  # longest chain below the root (1: only direct invitees)
    branching: float | None  # size / members of the tree who brought anyone


def rate(n: float, d: float) -> float | None:
    return round(n / d, 4) if d else None


def edges(con: Any, scope: Scope, last: date) -> tuple[Any, Any, Any]:
    """Ibis tables ``entry`` (person → first join ``at``, ``day``, ``campaign``), ``edges``
    (counted ``inviter``, ``invitee``, join ``day``, ``campaign``) and ``flags`` (fraud cases:
    ``case_id``, ``invitee``, ``inviter``, ``day``), for the scope's history to ``last``."""
    import ibis

    t = portable.ev()
    where = portable.in_scope(t, replace(scope, since=None, until=last))
    every = portable.in_scope(t, Scope(scope.community, until=last))
    joins = t.filter(*where, t.kind == "member.joined", t.person.notnull())
    campaign = portable.field(con, joins.data, "campaign")
    joins = joins.select("person", "occurred_at", "day", c=campaign)
    entry = joins.group_by("person").aggregate(at=joins.occurred_at.min(), day=joins.day.min())
    tagged = joins.filter(joins.c.notnull())  # the earliest campaign named, nulls skipped
    tagged = tagged.group_by("person").aggregate(campaign=tagged.c.argmin(tagged.occurred_at))
    entry = entry.left_join(tagged, "person").select("person", "at", "day", "campaign")
    flagged = t.filter(*every, t.kind == "referral.flagged")
    flagged = flagged.select(
        "id",
        "community",
        "occurred_at",
        "day",
        invitee=flagged.subject_person,
        case_id=portable.field(con, flagged.data, "case"),
        named=portable.field(con, flagged.data, "inviter"),
        outcome=portable.field(con, flagged.data, "outcome"),
    )
    pp = portable.people()
    flags = flagged.left_join(
        pp, [pp.of_community == flagged.community, pp.identity == flagged.named]
    ).select("id", "occurred_at", "day", "invitee", "case_id", "outcome",
             inviter=lambda f: f.member.fill_null(f.named))  # fmt: skip
    # A verdict corrects the case it judges whenever it was given: an operator reviewing last
    # year's imported flags today must change last year's tree (and not move its as-of day).
    reviewed = t.filter(t.community == scope.community, t.kind == "referral.reviewed")
    reviewed = reviewed.select(
        case=portable.field(con, reviewed.data, "case"),
        verdict=portable.field(con, reviewed.data, "verdict"),
        rn=ibis.row_number().over(
            group_by=portable.field(con, reviewed.data, "case"),
            order_by=[reviewed.occurred_at.desc(), reviewed.id.desc()],
        ),
    )
    verdicts = reviewed.filter(reviewed.rn == 0).select("case", "verdict")
    judged = flags.left_join(verdicts, flags.case_id == verdicts.case)
    cases = judged.select(
        "invitee",
        "inviter",
        status=judged.verdict.fill_null(judged.outcome),
        rn=ibis.row_number().over(
            group_by=[judged.invitee, judged.inviter],
            order_by=[judged.occurred_at.desc(), judged.id.desc()],
        ),
    )
    excluded = cases.filter(cases.rn == 0, cases.status.isin(("blocked", "upheld")))
    credits = starts.credits(con, t, where)
    i = entry.select(invitee="person", i_at="at", i_day="day", i_campaign="campaign")
    o = entry.select(o_person="person", o_at="at")
    c = credits.join(i, "invitee").left_join(o, credits.inviter == o.o_person)
    c = c.filter(
        c.o_person.isnull() | (c.o_at < c.i_at) | ((c.o_at == c.i_at) & (c.o_person < c.invitee))
    )
    c = c.anti_join(excluded, [excluded.invitee == c.invitee, excluded.inviter == c.inviter])
    edges = c.select(
        "inviter",
        "invitee",
        day=c.i_day,
        campaign=c.campaign.fill_null(c.i_campaign).fill_null("(none)"),
    )
    # Three referral metrics start from the same counted edges (the credits, the first joins
    # and the fraud verdicts: most of their cost): computed once per watermark and scope.
    return entry, portable.shared(con, edges), flags.select("case_id", "inviter", "day")


def walk(edges: list[tuple[str, str]], cap: int = MAX_DEPTH) -> list[ReferralTree]:
    """The trees below every root of the forest ``edges`` (inviter, invitee): per root with at
    least one invitee, persons reached within ``cap`` levels, the deepest level reached, and
    ``size`` / persons of the tree with an invitee reached; biggest first (then deepest, then
    root). The edges form a forest (one inviter per invitee, inviters joined first), so a
    breadth-first walk from each root meets every person once; ``seen`` guards bad data."""
    below: dict[str, list[str]] = {}
    for inviter, invitee in edges:
        below.setdefault(inviter, []).append(invitee)
    invitees = {invitee for _, invitee in edges}
    trees = []
    for root in below.keys() - invitees:
        size = depth = 0
        parents: set[str] = set()
        level, seen = [root], {root}
        while level and depth < cap:
            nxt = []
            for node in level:
                for child in below.get(node, ()):
                    if child not in seen:
                        seen.add(child)
                        parents.add(node)
                        nxt.append(child)
            if nxt:
                depth += 1
                size += len(nxt)
            level = nxt
        trees.append(ReferralTree(root, size, depth, rate(size, len(parents))))
    return sorted(trees, key=lambda x: (-x.size, -x.depth, x.root))
