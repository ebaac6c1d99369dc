"""What a metric is asked about: a community, maybe one group, a window of local days.

Every metric takes a :class:`Scope` and answers for it. Days are the community's local days
(its blueprint time zone), because "active today" means the operator's today. ``as_of`` is the
last day considered; by default the day of the newest event in scope, so an imported history
from last year is measured as it was, not as a graveyard seen from today.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

DEFAULT_ACTIVE_KINDS: tuple[str, ...] = (
    "message.posted",
    "message.reacted",
    "content.shared",
    "content.forwarded",
    "checkin.done",
    "redenvelope.grabbed",
    "redenvelope.sent",
    "event.rsvp",
)
"""Kinds that make a member "active" on a day (P-MEA-2): doing something, not just being there."""

MEANINGFUL_KINDS: tuple[str, ...] = (
    "message.posted",
    "content.shared",
    "checkin.done",
    "redenvelope.grabbed",
    "session.held",
)
"""Kinds that count as "real activity" of a group (7-day rule, dead-group detection)."""


@dataclass(frozen=True, slots=True)
class Scope:
    """A community, optionally one group, optionally a window of local dates (inclusive)."""

    community: str
    group: str | None = None
    since: date | None = None
    until: date | None = None

    def where(self, alias: str = "") -> tuple[str, list[Any]]:
        """SQL conditions on the ``ev`` view and their parameters."""
        p = f"{alias}." if alias else ""
        conds: list[str] = [f"{p}community = ?"]
        params: list[Any] = [self.community]
        if self.group is not None:
            conds.append(f"{p}grp = ?")
            params.append(self.group)
        if self.since is not None:
            conds.append(f"CAST({p}local_at AS DATE) >= ?")
            params.append(self.since)
        if self.until is not None:
            conds.append(f"CAST({p}local_at AS DATE) <= ?")
            params.append(self.until)
        return " AND ".join(conds), params

    def with_group(self, group: str | None) -> Scope:
        return replace(self, group=group)


def kinds_sql(kinds: tuple[str, ...]) -> tuple[str, list[Any]]:
    """``kind IN (?, ?, …)`` and its parameters."""
    return f"kind IN ({', '.join('?' * len(kinds))})", list(kinds)


def as_of(con: Any, scope: Scope) -> date | None:
    """The last local day to measure: ``scope.until`` or the day of the newest event in scope
    (loading a blueprint does not count: it happens today even for last year's history)."""
    if scope.until is not None:
        return scope.until
    where, params = scope.where()
    rows = con.execute(
        f"SELECT max(CAST(local_at AS DATE)) FROM ev WHERE {where} "  # noqa: S608
        "AND kind NOT IN ('community.configured', 'group.configured')",
        params,
    ).fetchall()
    value = rows[0][0]
    return value if isinstance(value, date) else None
