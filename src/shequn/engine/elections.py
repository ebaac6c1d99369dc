"""Elections: what the CLI, the API and the worker's tick call (P-ORG-3, seed 004).

The owner opens an election for a role in a group; members nominate (themselves or others)
and accept; eligible members cast one secret ballot each; the ``elections.close`` tick counts,
gives the winners the role and tells the group. Each function runs one transaction under the
append lock on the pyramid's state folded from the log, like motions. Ballots are secret: the
lists here show counts only after the close, and only :func:`audit` (the owner's) names voters.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from shequn.engine.decisions import Decision, apply, new_ref, operator_source
from shequn.engine.elections_rules import announce_open, count, decide_close, decide_term_ends
from shequn.engine.organization_levels import Pyramid, read_pyramid
from shequn.engine.reactions import react
from shequn.errors import Conflict, NotFound
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.model.org_state import Election
from shequn.store.append import lock_for_decision
from shequn.store.db import Store
from shequn.store.engagement import group_members
from shequn.store.org_queries import people, role_holders


def eligible(conn: Connection, p: Pyramid, group: str | None) -> set[str]:
    """Members of ``group`` at ``elections.min_level`` or above: who may vote and stand."""
    keys = group_members(conn, p.bp.community.slug, group) if group else list(p.owner_of)
    floor = p.bp.organization.elections.min_level
    return {m for m in {p.owner_of.get(k, k) for k in keys} if p.state.of(m).level >= floor}


def _get(p: Pyramid, election: str) -> Election:
    found = p.state.elections.get(election)
    if found is None:
        raise NotFound(
            Said("no election {election}", election=repr(election)),
            election=election,
            reason="no_election",
        )
    return found


def _event(
    kind: str, p: Pyramid, el: Election | None, group: str | None, actor: str | None,
    source: str | None, ref: str | None = None, subject: str | None = None, **data: Any,
) -> Event:  # fmt: skip
    return Event(
        kind=kind,
        occurred_at=p.now,
        community=p.bp.community.slug,
        source=source or operator_source(),
        source_ref=ref or new_ref(),
        group=el.group if el else group,
        actor=actor,
        subject=subject,
        data=data,
    )


def _member_of(conn: Connection, p: Pyramid, el: Election, ref: str) -> str:
    who = p.member(ref)
    if who not in eligible(conn, p, el.group):
        floor = p.bp.organization.elections.min_level
        raise Conflict(
            Said(
                "{who} is not a member of {group} at level {floor} or above",
                who=who,
                group=el.group,
                floor=floor,
            ),
            reason="not_eligible",
        )
    return who


def open_election(
    store: Store, community: str, group: str, role: str = "group_leader", *, seats: int = 1,
    operator: str | None = None, source: str | None = None, now: datetime | None = None,
) -> Election:  # fmt: skip
    """Open an election for ``role`` in ``group``; the group is told (``election_open``)."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        p = read_pyramid(conn, community, at, facts=False)
        p.bp.group(group)
        cfg = p.bp.organization.elections
        noms = at + timedelta(days=cfg.nomination_days)
        el = Election(f"e-{uuid.uuid4().hex[:6]}", community, group, role, at, noms,
                      noms + timedelta(days=cfg.voting_days), seats, cfg.term_days)  # fmt: skip
        data: dict[str, Any] = {"role": role, "seats": seats, "term_days": cfg.term_days}
        data |= {"nominations_close": noms.isoformat()}
        data |= {"voting_close": el.voting_close.isoformat()}
        opened = _event(
            "election.opened", p, None, group, operator, source, election=el.election, **data
        )
        apply(conn, Decision([opened], [announce_open(p.bp, el, at)]))
        return el


def nominate(
    store: Store, community: str, election: str, nominator: str, nominee: str, *,
    source: str | None = None, now: datetime | None = None,
) -> None:  # fmt: skip
    """Nominate ``nominee`` (oneself: accepted at once) before nominations close."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        p = read_pyramid(conn, community, at, facts=False)
        el = _get(p, election)
        if at >= el.nominations_close or el.winners is not None:
            raise Conflict(
                Said("nominations for {election} are closed", election=election),
                election=election,
                reason="closed",
            )
        by, who = _member_of(conn, p, el, nominator), _member_of(conn, p, el, nominee)
        if who in el.nominees:
            raise Conflict(
                Said("{who} is nominated already", who=who), election=election, reason="nominated"
            )
        ref = f"nominee:{election}:{who}"
        nominated = _event(
            "candidate.nominated", p, el, None, by, source, ref, subject=who, election=election
        )
        apply(conn, Decision([nominated]))


def accept(
    store: Store, community: str, election: str, nominee: str, *,
    source: str | None = None, now: datetime | None = None,
) -> None:  # fmt: skip
    """The nominee accepts; only accepted candidates can be voted for."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        p = read_pyramid(conn, community, at, facts=False)
        el, who = _get(p, election), p.member(nominee)
        if who not in el.nominees or who in el.accepted:
            raise Conflict(
                Said("{who} has no nomination to accept in {election}", who=who, election=election),
                election=election,
                reason="no_nomination",
            )
        ref = f"accept:{election}:{who}"
        apply(conn, Decision([_event("candidate.accepted", p, el, None, who, source, ref,
                                     election=election)]))  # fmt: skip


def cast_ballot(
    store: Store, community: str, election: str, voter: str, candidate: str, *,
    source: str | None = None, now: datetime | None = None,
) -> bool:  # fmt: skip
    """Cast ``voter``'s secret ballot; ``False`` when they had voted (the first stands)."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        p = read_pyramid(conn, community, at, facts=False)
        el = _get(p, election)
        if not el.nominations_close <= at < el.voting_close or el.winners is not None:
            raise Conflict(
                Said("election {election} is not taking ballots now", election=election),
                election=election,
                reason="no_ballots_now",
            )
        who, whom = _member_of(conn, p, el, voter), p.member(candidate)
        if whom not in el.accepted:
            raise Conflict(
                Said("{whom} is not a candidate in {election}", whom=whom, election=election),
                election=election,
                reason="not_candidate",
            )
        if who in el.ballots:
            return False
        ballot = _event("ballot.cast", p, el, None, who, source, f"ballot:{election}:{who}",
                        election=election, candidate=whom)  # fmt: skip
        apply(conn, Decision([ballot]))
        return True


def close_elections(store: Store, community: str, now: datetime) -> int:
    """The ``elections.close`` tick: count every election whose voting has closed, then let
    the winners whose term ran out step down. Returns how many closes and step-downs."""
    with store.transaction() as conn:
        lock_for_decision(conn)
        p = read_pyramid(conn, community, now, facts=False)
        _, seniority = people(conn, community)
        decision = Decision.none()
        for el in p.state.elections.values():
            decision += decide_close(p.bp, el, eligible(conn, p, el.group), seniority, now)
        react(conn, apply(conn, decision).new_events)  # the platform role follows
        closed = sum(1 for e in decision.events if e.kind == "election.closed")
        holds = {
            (p.owner_of.get(h["member"], h["member"]), h["group"]): str(h["role"])
            for h in role_holders(conn, community)
        }
        ended = decide_term_ends(p.bp, p.state.elections.values(), holds, now)
        react(conn, apply(conn, ended).new_events)
        return closed + len(ended.events)


def list_elections(
    store: Store, community: str, *, groups: list[str] | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Elections, newest first: candidates, how many voted, and — once closed — the votes per
    candidate and the winners. Never who voted for whom."""
    at = now or datetime.now(UTC)
    with store.read() as conn:
        p = read_pyramid(conn, community, at, facts=False)
        _, seniority = people(conn, community)
        rows = []
        for el in sorted(p.state.elections.values(), key=lambda e: e.opened_at, reverse=True):
            if groups is not None and el.group not in groups:
                continue
            closed = el.winners is not None
            tally = (
                count(el, eligible(conn, p, el.group), seniority, "seniority") if closed else None
            )
            rows.append({
                "election": el.election, "group": el.group, "role": el.role,
                "nominations_close": el.nominations_close.isoformat(),
                "voting_close": el.voting_close.isoformat(), "candidates": sorted(el.accepted),
                "nominees": sorted(el.nominees), "ballots": len(el.ballots),
                "votes": tally.votes if tally else None, "winners": el.winners,
            })  # fmt: skip
        return rows


def audit(store: Store, community: str, election: str) -> list[dict[str, str]]:
    """The owner's audit: every ballot, voter and candidate (never shown to anyone else)."""
    with store.read() as conn:
        p = read_pyramid(conn, community, datetime.now(UTC), facts=False)
    el = _get(p, election)
    return [
        {"voter": v, "candidate": c, "at": at.isoformat()}
        for v, (c, at) in sorted(el.ballots.items())
    ]


__all__ = [
    "accept",
    "audit",
    "cast_ballot",
    "close_elections",
    "eligible",
    "list_elections",
    "nominate",
    "open_election",
]
