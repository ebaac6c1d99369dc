"""Rules about how and when members post, not what they say (P-RUL-1): flood, newcomers,
links and contact details by level, locks by content type.

Each takes plain values — the member's recent message times, their level, when they joined,
what the message carries — so the reactor and the replay feed them the same facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from shequn.engine.rules.verdict import Evidence, Verdict, clean
from shequn.model.blueprint_rules import Flow


def flood(recent: Sequence[datetime], now: datetime, flow: Flow) -> Verdict:
    """``flood_messages`` or more messages (this one included) within ``flood_seconds``."""
    since = now - timedelta(seconds=flow.flood_seconds)
    count = 1 + sum(1 for t in recent if since <= t <= now)
    if count < flow.flood_messages:
        return clean("flood")
    match = f"{count} messages in {flow.flood_seconds:g}s"
    return Verdict("flood", True, float(count), (Evidence("flood", match),))


def carries(has_link: bool, has_media: bool, forwarded: bool, contact: bool) -> set[str]:
    """The lockable content types of a message (a contact detail counts as a link)."""
    kinds = {"link"} if has_link or contact else set()
    kinds |= {"media"} if has_media else set()
    return kinds | ({"forward"} if forwarded else set())


def newcomer(kinds: set[str], joined_at: datetime | None, now: datetime, flow: Flow) -> Verdict:
    """No links or media (``newcomer_locks``) in a member's first ``newcomer_hours``."""
    if joined_at is None or now - joined_at >= timedelta(hours=flow.newcomer_hours):
        return clean("newcomer")
    locked = sorted(kinds & set(flow.newcomer_locks))
    if not locked:
        return clean("newcomer")
    return Verdict("newcomer", True, 1.0, tuple(Evidence("newcomer", k) for k in locked))


def links_by_level(kinds: set[str], level: int, flow: Flow) -> Verdict:
    """Links and contact details only from members at ``link_level`` or above."""
    if "link" not in kinds or level >= flow.link_level:
        return clean("link_level")
    return Verdict("link_level", True, 1.0, (Evidence("level", f"{level} < {flow.link_level}"),))


def locked(kinds: set[str], flow: Flow) -> Verdict:
    """Content types the group has locked for everyone (``locks``)."""
    hit = sorted(kinds & set(flow.locks))
    if not hit:
        return clean("lock")
    return Verdict("lock", True, 1.0, tuple(Evidence("lock", k) for k in hit))
