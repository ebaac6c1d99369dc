"""Points and badges: the worker's ``badges.grant`` tick, ``shequn points`` and
``shequn badges`` (P-ENG-8). The rules are pure (``badges.py``); here the counts are read —
the pyramid's own fold over the log (``model/org_facts.py``) and the check-in streaks — and
the decisions applied under the append lock.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from itertools import zip_longest
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from shequn.engine.decisions import Decision, apply, new_ref
from shequn.engine.engagement.badges import BADGES, decide_badges, decide_spend, points
from shequn.engine.engagement.checkins import streak_times, streaks_in
from shequn.engine.engagement.streaks import camps
from shequn.errors import NotFound
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.model.org_facts import fold_facts
from shequn.store.append import lock_for_decision
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.org_queries import events_of, fact_events, message_targets, people

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
"""Points and badges count everything a member ever did."""


def counts(conn: Connection, bp: Blueprint, now: datetime) -> dict[str, dict[str, int]]:
    """Every member's counts (org_facts behaviours, ``checkins``…), ``streak``, the longest
    check-in run in any camp, and ``camps``, the camps they completed, keyed by member."""
    return _tally(conn, bp, now)[0]


Times = dict[str, dict[str, list[datetime]]]
"""Per member, when each badge's count grew (``badges.earned_at`` reads it)."""


def _tally(
    conn: Connection, bp: Blueprint, now: datetime, *, timed: bool = False
) -> tuple[dict[str, dict[str, int]], Times]:
    """:func:`counts`, and with ``timed`` when each badge's count grew: the answers and
    invites (org_facts), the days the longest streak reached 1, 2 … (the earliest camp) and
    the camps completed."""
    community = bp.community.slug
    owner_of, _ = people(conn, community)
    events = [e for e in fact_events(conn, community, EPOCH) if e.occurred_at <= now]
    targets = message_targets(conn, community, events)
    tz = ZoneInfo(bp.community.timezone)
    kept = [c for c in BADGES.values() if timed]
    facts = fold_facts(events, targets, owner_of, since=EPOCH, tz=tz, timed=kept)
    out: dict[str, dict[str, int]] = {m: dict(f.counts) for m, f in facts.items()}
    times: Times = {m: {c: list(f.at[c]) for c in kept} for m, f in facts.items()}
    for camp in camps(bp):
        for identity, s in streaks_in(conn, bp, camp, now).items():
            mine = out.setdefault(owner_of.get(identity, identity), {})
            mine["streak"] = max(mine.get("streak", 0), s.longest)
        for identity, reached in (streak_times(conn, bp, camp) if timed else {}).items():
            mine_at = times.setdefault(owner_of.get(identity, identity), {})
            mine_at["streak"] = _earliest(mine_at.get("streak", []), reached)
    for e in events_of(conn, community, ("checkin.completed",)):
        if e.subject is not None and e.occurred_at <= now:
            key = owner_of.get(e.subject, e.subject)
            mine = out.setdefault(key, {})
            mine["camps"] = mine.get("camps", 0) + 1
            if timed:
                times.setdefault(key, {}).setdefault("camps", []).append(e.occurred_at)
    return out, times


def _earliest(a: list[datetime], b: list[datetime]) -> list[datetime]:
    """Element by element the earlier of two camps' streak times (each oldest first)."""
    return [min(x) for x in zip_longest(a, b, fillvalue=datetime.max.replace(tzinfo=UTC))]


def _ledger(conn: Connection, community: str) -> tuple[dict[str, int], dict[str, set[Any]]]:
    """Points spent per member, and the (badge, level) each was granted or had revoked."""
    spent: dict[str, int] = defaultdict(int)
    known: dict[str, set[Any]] = defaultdict(set)
    kinds = ("points.spent", "badge.granted", "badge.revoked")
    for e in events_of(conn, community, kinds):
        if e.subject is None:
            continue
        if e.kind == "points.spent":
            spent[e.subject] += int(e.data["amount"])
        else:
            known[e.subject].add((str(e.data["badge"]), int(e.data["level"])))
    return spent, known


def grant(store: Store, community: str, now: datetime | None = None) -> int:
    """Grant every badge level reached and not granted yet (the ``badges.grant`` tick; the
    first run backfills the history); returns how many were granted."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        try:
            bp = get_blueprint(conn, community)
        except (NotFound, ValueError):
            return 0
        lock_for_decision(conn)
        _, known = _ledger(conn, community)
        tally, times = _tally(conn, bp, at, timed=True)
        done = 0
        for member, mine in sorted(tally.items()):
            decision = decide_badges(bp, member, None, mine, known.get(member, set()), at,
                                     times.get(member, {}))  # fmt: skip
            if decision and apply(conn, decision).new:
                done += len(decision.events)
        return done


def standing(
    store: Store, community: str, member: str, now: datetime | None = None
) -> dict[str, Any]:
    """A member's points, counts and badges (what ``/rank`` and ``shequn points show`` say)."""
    at = now or datetime.now(UTC)
    with store.read() as conn:
        bp = get_blueprint(conn, community)
        key = _member(conn, community, member)
        mine = counts(conn, bp, at).get(key, {})
        spent, _ = _ledger(conn, community)
        granted = _badges(conn, community, key)
    return {"member": key, "points": points(bp, mine, spent.get(key, 0)),
            "spent": spent.get(key, 0), "counts": mine, "badges": granted}  # fmt: skip


def spend(
    store: Store, community: str, member: str, amount: int, reward: str, *,
    actor: str | None = None, ref: str | None = None, now: datetime | None = None,
) -> int:  # fmt: skip
    """Spend a member's points on ``reward``; returns the balance after."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        key = _member(conn, community, member)
        spent, _ = _ledger(conn, community)
        balance = points(bp, counts(conn, bp, at).get(key, {}), spent.get(key, 0))
        ref = f"points:{community}:{key}:{ref or new_ref()}"
        result = apply(conn, decide_spend(bp, key, balance, amount, reward, at, ref, actor))
        return balance - amount if result.new else balance


def revoke(
    store: Store, community: str, member: str, badge: str, level: int, *,
    actor: str | None = None, reason: str = "", now: datetime | None = None,
) -> bool:  # fmt: skip
    """Take a badge level back (it is never granted again); False when not held."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        key = _member(conn, community, member)
        held = {(b["badge"], b["level"]) for b in _badges(conn, community, key)}
        if (badge, level) not in held:
            return False
        ref = f"badge-revoked:{community}:{key}:{badge}:{level}"
        data = {"badge": badge, "level": level, **({"reason": reason} if reason else {})}
        event = Event("badge.revoked", at, community, "engine", ref, actor=actor, subject=key,
                      data=data)  # fmt: skip
        return apply(conn, Decision(events=[event])).new > 0


def _badges(conn: Connection, community: str, key: str) -> list[dict[str, Any]]:
    held: dict[tuple[str, int], str] = {}
    for e in events_of(conn, community, ("badge.granted", "badge.revoked")):
        if e.subject != key:
            continue
        badge = (str(e.data["badge"]), int(e.data["level"]))
        if e.kind == "badge.granted":  # earned then (granted before earned_at was kept: then)
            held[badge] = str(e.data.get("earned_at") or e.occurred_at.isoformat())
        else:
            held.pop(badge, None)
    return [{"badge": b, "level": lvl, "at": when} for (b, lvl), when in sorted(held.items())]


def _member(conn: Connection, community: str, ref: str) -> str:
    owner_of, _ = people(conn, community)
    if ref not in owner_of:
        raise NotFound(
            Said("no member {member!r} in {community!r}", member=ref, community=community),
            member=ref,
        )
    return owner_of[ref]


__all__ = ["counts", "grant", "revoke", "spend", "standing"]
