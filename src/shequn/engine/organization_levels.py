"""Levels and core-figure tags: what the CLI, the API and the worker's tick call (P-ORG-1).

Each function runs one transaction that takes the append lock first, reads the pyramid's
events and the window's facts, decides with the pure rules of ``organization_rules.py`` and
applies the decision — so a tick and an operator's ``levels evaluate`` at the same moment
leave one promotion. Manual changes (``level.granted``, ``level.locked``, ``tag.changed`` by
hand) are the owner's word and are recorded as such, with the operator as actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from shequn.engine.decisions import Decision, apply, new_ref, operator_source
from shequn.engine.organization_rules import decide_all, tell_level
from shequn.errors import Conflict, InvalidEvent, NotFound
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_org import TAGS
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.model.org_facts import Facts, fold_facts
from shequn.model.org_state import OrgState, fold_org
from shequn.store.append import lock_for_decision
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.org_queries import fact_events, message_targets, org_events, people


@dataclass(slots=True)
class Pyramid:
    """Everything a level decision reads, as of ``now``."""

    bp: Blueprint
    state: OrgState
    facts: dict[str, Facts]
    tenure_days: dict[str, int]
    owner_of: dict[str, str]
    now: datetime

    def member(self, ref: str) -> str:
        """The key of the member standing for ``ref`` (a member or identity key)."""
        if ref not in self.owner_of:
            raise NotFound(Said("no member {ref!r}", ref=ref), member=ref, reason="no_member")
        return self.owner_of[ref]


def read_pyramid(conn: Connection, community: str, now: datetime, *, facts: bool = True) -> Pyramid:
    """Fold the pyramid's events and the window's facts (violations over the longest clean
    period of any level) into a :class:`Pyramid`."""
    bp = get_blueprint(conn, community)
    owner_of, first_seen = people(conn, community)
    tenure = {k: max(0, (now - at).days) for k, at in first_seen.items()}
    state = fold_org(org_events(conn, community), owner_of)
    counted = window_facts(conn, bp, owner_of, now) if facts else {}
    counted = {k: v for k, v in counted.items() if k in tenure}  # merged-away, unknown: none
    return Pyramid(bp, state, counted, tenure, owner_of, now)


def window_facts(
    conn: Connection,
    bp: Blueprint,
    owner_of: dict[str, str],
    now: datetime,
    since: datetime | None = None,
) -> dict[str, Facts]:
    """Every member's facts since ``since`` (default: the window's start), violations over
    the longest clean period of any level."""
    org, community = bp.organization, bp.community.slug
    since = since or now - timedelta(days=org.window_days)
    clean = max([lv.clean_days for lv in org.levels] + [org.window_days])
    start = min(since, now - timedelta(days=clean))
    events = [e for e in fact_events(conn, community, start) if e.occurred_at <= now]
    targets = message_targets(conn, community, (e for e in events if e.occurred_at >= since))
    tz = ZoneInfo(bp.community.timezone)
    return fold_facts(events, targets, owner_of, since=since, tz=tz)


def evaluate(
    store: Store, community: str, *, now: datetime | None = None, dry_run: bool = False
) -> list[Event]:
    """Evaluate every member's level and tags; the events recorded (or, ``dry_run``, that
    would be)."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        p = read_pyramid(conn, community, at)
        decision = decide_all(p.bp, p.state, p.facts, p.tenure_days, at)
        if not dry_run:
            apply(conn, decision)
        return decision.events


def evaluate_tick(store: Store, community: str, now: datetime) -> int:
    """The ``org.levels`` tick: how many level and tag changes it recorded."""
    return len(evaluate(store, community, now=now))


def _operator_event(
    kind: str, p: Pyramid, member: str, operator: str | None, source: str | None, **data: Any
) -> Event:
    return Event(
        kind=kind,
        occurred_at=p.now,
        community=p.bp.community.slug,
        source=source or operator_source(),
        source_ref=new_ref(),
        actor=operator,
        subject=member,
        data=data,
    )


def grant_level(
    store: Store,
    community: str,
    member_ref: str,
    level: int,
    *,
    reason: str,
    lock: bool = True,
    operator: str | None = None,
    source: str | None = None,
    now: datetime | None = None,
) -> list[Event]:
    """Set a member's level by hand (and, ``lock``, keep evaluation off it); the member is
    told when it rises. :class:`Conflict` when it is their level already."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        p = read_pyramid(conn, community, at)
        if not 0 <= level <= len(p.bp.organization.levels):
            top = len(p.bp.organization.levels)
            raise InvalidEvent(
                Said("level {level} is not between 0 and {top}", level=level, top=top),
                field="level",
            )
        member = p.member(member_ref)
        was = p.state.of(member)
        if was.level == level and was.locked == lock:
            raise Conflict(
                Said("{member} is at level {level} already", member=member, level=level),
                member=member,
            )
        decision = Decision()
        if was.level != level:
            decision.events.append(
                _operator_event(
                    "level.granted",
                    p,
                    member,
                    operator,
                    source,
                    level=level,
                    was=was.level,
                    reason=reason or "granted",
                )
            )
            if level > was.level:
                decision.actions.append(tell_level(p.bp, member, level, at))
        if was.locked != lock:
            decision.events.append(
                _operator_event(
                    "level.locked", p, member, operator, source, locked=lock, reason=reason
                )
            )
        apply(conn, decision)
        return decision.events


def lock_level(
    store: Store,
    community: str,
    member_ref: str,
    locked: bool,
    *,
    reason: str = "",
    operator: str | None = None,
    source: str | None = None,
    now: datetime | None = None,
) -> Event:
    """Lock or unlock a member's level; :class:`Conflict` when it is so already."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        p = read_pyramid(conn, community, at)
        member = p.member(member_ref)
        if p.state.of(member).locked == locked:
            raise Conflict(
                Said(
                    "{member}'s level is {value} already",
                    member=member,
                    value=Said("locked") if locked else Said("unlocked"),
                )
            )
        event = _operator_event(
            "level.locked", p, member, operator, source, locked=locked, reason=reason
        )
        apply(conn, Decision([event]))
        return event


def set_tag(
    store: Store,
    community: str,
    member_ref: str,
    tag: str,
    on: bool,
    *,
    reason: str = "",
    operator: str | None = None,
    source: str | None = None,
    now: datetime | None = None,
) -> Event:
    """Give or take a core-figure tag by hand; :class:`Conflict` when nothing would change."""
    if tag not in TAGS:
        raise InvalidEvent(
            Said("unknown tag {tag!r}; one of {names}", tag=tag, names=", ".join(TAGS)), field="tag"
        )
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        p = read_pyramid(conn, community, at)
        member = p.member(member_ref)
        if (tag in p.state.of(member).tags) == on:
            raise Conflict(
                Said("{member} has tag {tag} already", member=member, tag=tag)
                if on
                else Said("{member} lacks tag {tag} already", member=member, tag=tag),
                member=member,
            )
        event = _operator_event(
            "tag.changed", p, member, operator, source, tag=tag, on=on, reason=reason or "by hand"
        )
        apply(conn, Decision([event]))
        return event


def standings(store: Store, community: str, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every member with a level, a tag or a lock: level, its name, since, locked, tags."""
    at = now or datetime.now(UTC)
    with store.read() as conn:
        p = read_pyramid(conn, community, at, facts=False)  # the state is enough: no counting
    org, lang = p.bp.organization, p.bp.community.language
    return [
        {
            "member": member,
            "level": s.level,
            "name": org.level_name(s.level, lang),
            "since": s.since.isoformat() if s.since else None,
            "locked": s.locked,
            "tags": sorted(s.tags),
        }
        for member, s in sorted(p.state.standing.items(), key=lambda kv: (-kv[1].level, kv[0]))
    ]


__all__ = [
    "Pyramid",
    "evaluate",
    "evaluate_tick",
    "grant_level",
    "lock_level",
    "read_pyramid",
    "set_tag",
    "standings",
]
