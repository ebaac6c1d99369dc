"""The facts private offers are decided on (P-MON-3), read from the projections and the log:
who is on the lower rung since when, how active they were in the last four weeks, what they
hold, when they last had an offer, which offers a payer has open, and who opted out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from shequn.model.events import parse_time
from shequn.store import tables as t
from shequn.store.money import list_memberships

HELD = ("trial", "active", "past_due", "comp", "lifetime")
WINDOW = timedelta(weeks=4)


def lower_rung(
    conn: Connection, community: str, plans: Iterable[str], groups: Iterable[str]
) -> dict[str, datetime]:
    """Identity → since when it is on the lower rung: holding one of ``plans`` (from the
    membership's start) or an active member of one of ``groups`` (from the join)."""
    since: dict[str, datetime] = {}
    wanted = set(plans)
    for m in list_memberships(conn, community, states=HELD):
        if m.plan in wanted:
            since[m.identity] = min(since.get(m.identity, m.started_at), m.started_at)
    gm, i, g, c = t.group_memberships.c, t.identities.c, t.groups.c, t.communities.c
    q = (
        select(i.key, gm.joined_at, gm.status_at)
        .join_from(t.group_memberships, t.identities, i.id == gm.identity_id)
        .join(t.groups, g.id == gm.group_id)
        .join(t.communities, c.id == g.community_id)
        .where(c.slug == community, g.slug.in_(list(groups)), gm.status == "active")
    )
    for key, joined, at in conn.execute(q):
        when = joined or at
        since[str(key)] = min(since.get(str(key), when), when)
    return since


def activity(
    conn: Connection, community: str, now: datetime
) -> tuple[dict[str, set[int]], dict[str, int]]:
    """Per identity: the weeks (0 = the last seven days … 3) with a message in the last four
    weeks, and the questions asked plus replies given in them."""
    e = t.events.c
    q = select(e.actor, e.occurred_at, e.data).where(
        e.community_slug == community,
        e.kind == "message.posted",
        e.occurred_at > now - WINDOW,
        e.occurred_at <= now,
        e.actor.is_not(None),
    )
    weeks: dict[str, set[int]] = defaultdict(set)
    helped: dict[str, int] = defaultdict(int)
    for actor, at, data in conn.execute(q):
        weeks[str(actor)].add(min((now - at).days // 7, 3))
        d: dict[str, Any] = data or {}
        helped[str(actor)] += int(bool(d.get("is_question"))) + int(bool(d.get("reply_to")))
    return weeks, helped


def offers_of(conn: Connection, community: str) -> dict[str, list[tuple[str, str, datetime]]]:
    """Per identity: its offers as ``(offer id, product, expires_at)``, oldest first."""
    e = t.events.c
    q = (
        select(e.subject, e.occurred_at, e.data)
        .where(e.community_slug == community, e.kind == "offer.made", e.subject.is_not(None))
        .order_by(e.occurred_at)
    )
    found: dict[str, list[tuple[str, str, datetime]]] = defaultdict(list)
    for subject, at, data in conn.execute(q):
        d: dict[str, Any] = data or {}
        expires = parse_time(d["expires_at"], "expires_at") if d.get("expires_at") else at
        found[str(subject)].append((str(d.get("offer")), str(d.get("product") or ""), expires))
    return found


def last_offer_at(conn: Connection, community: str) -> dict[str, datetime]:
    """Per identity: when it last had an offer of anything."""
    e = t.events.c
    q = select(e.subject, e.occurred_at).where(
        e.community_slug == community, e.kind == "offer.made", e.subject.is_not(None)
    )
    last: dict[str, datetime] = {}
    for subject, at in conn.execute(q):
        last[str(subject)] = max(last.get(str(subject), at), at)
    return last


def opted_out(conn: Connection, community: str) -> set[str]:
    """Identities whose latest word on offers is ``offer.opted_out``."""
    e = t.events.c
    q = (
        select(e.actor, e.kind)
        .where(
            e.community_slug == community,
            e.kind.in_(("offer.opted_out", "offer.opted_in")),
            e.actor.is_not(None),
        )
        .order_by(e.occurred_at, e.id)
    )
    latest = {str(actor): kind for actor, kind in conn.execute(q)}
    return {who for who, kind in latest.items() if kind == "offer.opted_out"}
