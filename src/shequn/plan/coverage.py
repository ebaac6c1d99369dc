"""Coverage gaps as the report's alerts and the diagnosis's moves (P-ORG-4 → P-PLAN-2).

``shequn roles coverage`` reads the gaps from the store, as of now; the report and the
diagnosis read the analytics replica as of their day, so the same gaps are measured here from
the replica's log — who holds which role (each member's latest ``role.changed`` per group),
each member's last message, each group's last event of a duty's kind — and judged by the same
pure functions (``engine/delegation_rules.py``: ``find_gaps``, ``overdue_duties``).

Two differences, both to keep advice to what someone can act on: a group that never had a
leader is not a gap here (finding its first leader is the ``promote_key_member`` move), only a
group whose leader stepped down and nobody followed; and small tasks are left to
``shequn roles coverage`` (they are a person's, not a group's).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from shequn.engine.delegation_rules import Gap, Holder, find_gaps, overdue_duties
from shequn.model.blueprint_org import Coverage
from shequn.model.i18n import Said
from shequn.model.kinds_org import LEAD_ROLES
from shequn.plan.facts import GroupFacts, Hit

_HOLDERS = """
SELECT grp, subject_person, data->>'role' FROM ev
WHERE community = ? AND kind = 'role.changed' AND subject_person IS NOT NULL AND day <= ?
QUALIFY row_number() OVER (PARTITION BY grp, subject_person
                           ORDER BY occurred_at DESC, id DESC) = 1
"""
_LED = """SELECT DISTINCT grp FROM ev WHERE community = ? AND kind = 'role.changed'
          AND grp IS NOT NULL AND data->>'role' IN (?, ?) AND day <= ?"""
_SEEN = """SELECT person, max(day) FROM ev WHERE community = ? AND kind = 'message.posted'
           AND person IS NOT NULL AND day <= ? GROUP BY person"""


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def replica_gaps(
    con: Any, community: str, day: date, groups: Sequence[str], cfg: Coverage
) -> list[Gap]:
    """The gaps of ``groups`` as of the local ``day`` (whole days: a leader last seen on
    ``day`` has been silent 0 days), measured from the replica."""
    holders = [
        Holder(str(person), str(role), grp)
        for grp, person, role in con.execute(_HOLDERS, [community, day]).fetchall()
    ]
    led = {g for (g,) in con.execute(_LED, [community, *LEAD_ROLES, day]).fetchall()}
    seen = {str(p): _midnight(d) for p, d in con.execute(_SEEN, [community, day]).fetchall()}
    now = _midnight(day)
    gaps = [
        g for g in find_gaps(groups, holders, seen, [], cfg.inactive_days, now)
        if g.kind != "no_leader" or g.group in led
    ]  # fmt: skip
    if cfg.duties:
        kinds = sorted({d.kind for d in cfg.duties})
        sql = f"""SELECT grp, kind, max(day) FROM ev WHERE community = ? AND grp IS NOT NULL
                  AND kind IN ({", ".join("?" * len(kinds))}) AND day <= ? GROUP BY grp, kind"""  # noqa: S608
        rows = con.execute(sql, [community, *kinds, day]).fetchall()
        gaps += overdue_duties(groups, cfg.duties, {(g, k): _midnight(d) for g, k, d in rows}, now)
    return gaps


def attach_gaps(con: Any, community: str, facts: Mapping[str, GroupFacts], cfg: Coverage) -> None:
    """Give each group's facts its gaps (a silent leader's gap to every group they lead)."""
    if not facts:
        return
    day = next(iter(facts.values())).as_of
    for gap in replica_gaps(con, community, day, list(facts), cfg):
        for g in (gap.group or "").split(", "):
            if g in facts:
                facts[g].gaps.append(gap)


def cover_group(f: GroupFacts, p: Mapping[str, Any]) -> Hit | None:
    """The diagnosis rule ``cover_group``: the group's first gap among ``kinds`` (in that
    order), with the key member who could take over."""
    gaps = sorted(
        (g for g in f.gaps if g.kind in p["kinds"]), key=lambda g: p["kinds"].index(g.kind)
    )
    if not gaps:
        return None
    first = gaps[0]
    successor = next(
        (x.person for x in f.leaders
         if not x.has_role and x.person not in f.at_risk and x.person != first.member),
        None,
    )  # fmt: skip
    advice = advise(first, f.group, successor)
    evidence = {"gaps": [g.to_dict() for g in gaps]}
    why = Said("{finding}: {move}", finding=advice.finding, move=advice.move)
    return Hit(why, evidence, advice.targets, advice.act)


@dataclass(frozen=True, slots=True)
class Advice:
    """What a gap means and what to do — the finding and the move, each a :class:`Said` (the
    reader's language) — the command and API call (``{community}`` left for the diagnosis to
    fill) and the members it names."""

    finding: Said
    move: Said
    act: dict[str, str]
    targets: list[str]


def advise(gap: Gap, group: str, successor: str | None) -> Advice:
    """The move for ``gap`` in ``group``; ``successor`` is the key member who could take
    over (the group's best key behaviour leader without a role), if any."""
    if gap.kind == "leader_inactive":
        leader, to = gap.member or "?", successor or "SUCCESSOR"
        finding = (
            Said("{leader} leads {group} but has been silent for weeks: no active leader",
                 leader=leader, group=group)
            if gap.days is None else
            Said("{leader} leads {group} but has been silent for {days} days: no active leader",
                 leader=leader, group=group, days=gap.days)
        )  # fmt: skip
        body = json.dumps({"leaver": leader, "successor": to})
        return Advice(
            finding,
            Said("hand over with shequn roles handover {leader} {successor}",
                 leader=leader, successor=to),
            {"command": f"shequn roles handover {leader} {to}",
             "api": f"POST /api/v1/communities/{{community}}/handover {body}"},
            [x for x in (gap.member, successor) if x],
        )  # fmt: skip
    if gap.kind == "no_leader":
        body = json.dumps({"group": group, "role": "group_leader"})
        finding = (
            Said("{group} has had no leader since its last one stepped down ({successor} is "
                 "its best key member)", group=group, successor=successor)
            if successor else
            Said("{group} has had no leader since its last one stepped down", group=group)
        )  # fmt: skip
        return Advice(
            finding,
            Said("elect one: shequn election open {group} --role group_leader", group=group),
            {"command": f"shequn election open {group} --role group_leader",
             "api": f"POST /api/v1/communities/{{community}}/elections {body}"},
            [successor] if successor else [],
        )  # fmt: skip
    duty = gap.duty or "?"
    finding = (
        Said("duty {duty} not done in {group} for weeks", duty=duty, group=group)
        if gap.days is None else
        Said("duty {duty} not done in {group} for {days} days", duty=duty, group=group,
             days=gap.days)
    )  # fmt: skip
    move = Said("remind the group's leaders of the duty (shequn roles coverage lists them)")
    return Advice(finding, move, {}, [])


__all__ = ["Advice", "advise", "attach_gaps", "cover_group", "replica_gaps"]
