"""Care at scale: the worker's ``care.send`` tick and the member's ``/stop`` (P-ENG-7).

The tick reads who is where since when, their recent messages and their intake cards, and
applies :func:`shequn.engine.engagement.care.decide_care` one message at a time in the
transaction that holds the append lock, so two workers send each message once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from shequn.engine.decisions import Decision, apply, new_ref
from shequn.engine.engagement.care import (
    AtRisk,
    Person,
    decide_at_risk,
    decide_care,
)
from shequn.errors import NotFound
from shequn.model.events import Event
from shequn.store.append import lock_for_decision
from shequn.store.care import cards, memberships, opted_out, post_times
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.org_queries import people
from shequn.store.queries import display_names


def send_care(store: Store, community: str, now: datetime | None = None) -> int:
    """Queue today's care messages that are due and not sent yet; returns how many."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        try:
            bp = get_blueprint(conn, community)
        except (NotFound, ValueError):
            return 0
        cfg = bp.engagement.care
        if not cfg.enabled:
            return 0
        tz = ZoneInfo(bp.community.timezone)
        posts = post_times(conn, community, at - timedelta(days=cfg.key_window_days))
        rows = memberships(conn, community)
        card = cards(conn, {k for k, _, _ in rows}, community)
        stopped = opted_out(conn, community)
        names = display_names(conn, community, {k for k, _, _ in rows})
        people = [
            Person(key, group, joined, posts[key][-1] if key in posts else None,
                   len(posts.get(key, ())),
                   tuple(p.astimezone(tz).hour for p in posts.get(key, ())[-50:]),
                   card.get(key), key in stopped, names.get(key))
            for key, group, joined in rows
        ]  # fmt: skip
        decisions = decide_care(bp, people, at)
        if not decisions:
            return 0
        lock_for_decision(conn)
        return sum(1 for d in decisions if apply(conn, d).new)


def care_at_risk(
    store: Store,
    community: str,
    flagged: Sequence[tuple[str, Sequence[str], date, float]],
    *,
    dry_run: bool = False,
    now: datetime | None = None,
) -> list[AtRisk]:
    """Write privately to the members the churn-risk metric flags — ``(person, groups,
    last active day, ratio)`` as ``analytics.churn.ChurnRisk`` gives them — once per decline,
    never after /stop. Returns those written to now (``dry_run``: those who would be)."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        bp = get_blueprint(conn, community)
        stopped = opted_out(conn, community)
        owner, _ = people(conn, community)
        posts = post_times(conn, community, at - timedelta(days=bp.engagement.care.key_window_days))
        joined = {(k, g): when for k, g, when in memberships(conn, community)}
        keys = [owner.get(person, person) for person, *_ in flagged]
        names = display_names(conn, community, keys)
        card = cards(conn, keys, community)
        chosen = [
            AtRisk(key, groups[0], last, ratio, names.get(key), joined.get((key, groups[0])),
                   len(posts.get(key, ())), card.get(key))
            for key, (person, groups, last, ratio) in zip(keys, flagged, strict=True)
            if groups and key not in stopped
        ]  # fmt: skip
        tz = ZoneInfo(bp.community.timezone)
        hours = {k: [p.astimezone(tz).hour for p in v[-50:]] for k, v in posts.items()}
        decisions = decide_at_risk(bp, chosen, hours, at)
        if dry_run or not decisions:
            return chosen if dry_run else []
        lock_for_decision(conn)
        return [f for f, d in zip(chosen, decisions, strict=True) if apply(conn, d).new]


def set_opt_out(
    store: Store, community: str, identity: str, out: bool = True, *, source: str,
    ref: str | None = None, now: datetime | None = None,
) -> bool:  # fmt: skip
    """The member's own word: no private care messages (``/stop``), or again (``/start``
    without a code is a join; this takes ``out = False``). True when recorded now."""
    kind = "care.opted_out" if out else "care.opted_in"
    event = Event(kind, now or datetime.now(UTC), community, source, ref or new_ref(),
                  actor=identity)  # fmt: skip
    with store.transaction() as conn:
        return apply(conn, Decision(events=[event])).new > 0


__all__ = ["send_care", "set_opt_out"]
