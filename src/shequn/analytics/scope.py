"""What a metric is asked about: a community, maybe one group, a window of local days.

Every metric takes a :class:`Scope` and answers for it. Days are the community's local days
(its blueprint time zone), because "active today" means the operator's today. ``as_of`` is the
last day considered; by default the day of the newest event in scope, so an imported history
from last year is measured as it was, not as a graveyard seen from today.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shequn.analytics.results import answered
from shequn.model.writers import WRITER_CLASS

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
        """SQL conditions on ``ev`` (the replica's derived log) and their parameters. Days
        are compared on ``day`` (the local day kept at sync), not on a cast of ``local_at``:
        the same value, but a column DuckDB's zone maps prune row groups on."""
        p = f"{alias}." if alias else ""
        conds: list[str] = [f"{p}community = ?"]
        params: list[Any] = [self.community]
        if self.group is not None:
            conds.append(f"{p}grp = ?")
            params.append(self.group)
        if self.since is not None:
            conds.append(f"{p}day >= ?")
            params.append(self.since)
        if self.until is not None:
            conds.append(f"{p}day <= ?")
            params.append(self.until)
        return " AND ".join(conds), params

    def with_group(self, group: str | None) -> Scope:
        return replace(self, group=group)


def kinds_sql(kinds: tuple[str, ...]) -> tuple[str, list[Any]]:
    """``kind IN (?, ?, …)`` and its parameters."""
    return f"kind IN ({', '.join('?' * len(kinds))})", list(kinds)


FACT_KINDS: tuple[str, ...] = tuple(
    sorted(k for k, cls in WRITER_CLASS.items() if cls not in ("config", "people"))
)
"""Kinds that mark how far a community's history goes: what happened in it, to it, or was
paid. Configuration and decisions about people (a blueprint loaded, a role changed, a merge, a
fraud case reviewed) happen today even on last year's history, and must not make every group
of it look dead."""


def as_of(con: Any, scope: Scope) -> date | None:
    """The last local day to measure: ``scope.until``, or the day of the newest fact in scope
    (:data:`FACT_KINDS`) — never later than now, whatever the log holds. Asked once per
    replica watermark (``results.answered``): every metric starts here."""
    if scope.until is not None:
        return scope.until
    where, params = scope.where()
    kinds, kind_params = kinds_sql(FACT_KINDS)
    rows = answered(
        con,
        f"SELECT max(day) FROM ev WHERE {where} AND {kinds}",  # noqa: S608
        [*params, *kind_params],
    )
    value = rows[0][0]
    if not isinstance(value, date):
        return None
    latest = (datetime.now(UTC) + timedelta(hours=14)).date()  # today, in the furthest zone
    return min(value, latest)
