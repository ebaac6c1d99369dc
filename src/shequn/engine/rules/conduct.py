"""No pulling people in without approval (seeds 002 and 004, 不准随便拉人) — pure.

A rule about an act, not a message: a ``member.joined`` whose ``channel`` says someone added
the newcomer directly and whose ``inviter`` names them. The one who added breaks the rule
when their level is below ``[rules.pull_in] level`` and the newcomer's entry was not approved
first (an ``entry.decided`` admitted or queued before the join). The ladder's step goes to the
inviter; the newcomer did nothing wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shequn.engine.rules.verdict import Evidence, Verdict, clean
from shequn.model.blueprint_rules import PullIn
from shequn.model.events import Event

RULE = "pull_in"
APPROVED = ("admitted", "queued")
"""``entry.decided`` outcomes that approve a newcomer (an approved add is not pulling in)."""


@dataclass(frozen=True, slots=True)
class JoinFacts:
    """One join as the rule sees it: how the newcomer came, who added them, that one's roles
    and level, and whether the newcomer's entry was approved before."""

    newcomer: str
    channel: str = ""
    inviter: str | None = None
    roles: frozenset[str] = frozenset()
    level: int = 0
    approved: bool = False


def join_facts(
    e: Event, inviter: str, roles: frozenset[str], level: int, approved_at: datetime | None
) -> JoinFacts:
    """The facts of join ``e`` naming ``inviter`` (whose ``roles``/``level`` in the group are
    given), approved if the newcomer's entry was approved at ``approved_at`` before it."""
    return JoinFacts(
        newcomer=e.actor or "",
        channel=str(e.data.get("channel") or ""),
        inviter=inviter,
        roles=roles,
        level=level,
        approved=approved_at is not None and approved_at <= e.occurred_at,
    )


def pull_in(join: JoinFacts, cfg: PullIn) -> Verdict:
    """The verdict on one join (clean unless a member below the level added someone
    unapproved)."""
    added = join.inviter is not None and join.inviter != join.newcomer
    if not cfg.enabled or not added or join.channel not in cfg.channels:
        return clean(RULE)
    if join.approved or join.level >= cfg.level:
        return clean(RULE)
    evidence = (
        Evidence("added", join.newcomer),
        Evidence("level", f"{join.level} < {cfg.level}"),
    )
    return Verdict(RULE, True, 1.0, evidence)
