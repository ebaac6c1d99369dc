"""Delegation, decided purely (P-ORG-4): who covers which group, where coverage has gaps,
and how a leaving manager's roles move to a named successor.

The seeds' pyramid only runs itself while every group has someone leading it (001 §4, 004).
A gap is one of: a group nobody leads (no group leader or manager of that group), a leader
who has been silent in the groups for ``[organization.coverage] inactive_days``, a small task
past its due date, a duty (``[[organization.coverage.duties]]``) not done in a group within
its ``every_days``. A handover is WeCom's 离职继承 for roles: the successor takes each role
the leaver held, where they held it, and the leaver goes back to being a member — so the
groups they covered are never left uncovered between two commands.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from shequn.engine.decisions import Decision
from shequn.engine.organization import role_changed
from shequn.errors import Conflict
from shequn.model.blueprint_org import Duty
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.model.kinds_org import LEAD_ROLES
from shequn.model.org_state import OrgTask

GAP_KINDS = ("no_leader", "leader_inactive", "task_overdue", "duty_overdue")


@dataclass(frozen=True, slots=True)
class Holder:
    """``member`` holds ``role`` in ``group`` (``None``: community-wide)."""

    member: str
    role: str
    group: str | None


@dataclass(frozen=True, slots=True)
class Gap:
    """One hole in the pyramid: ``kind`` (one of :data:`GAP_KINDS`), where and who, and for
    how many days (silent, overdue; ``None`` when not seen at all in the look-back)."""

    kind: str
    group: str | None
    member: str | None
    days: int | None
    duty: str | None = None  # the duty's name, for ``duty_overdue``

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def covered_by(groups: Sequence[str], holders: Iterable[Holder]) -> dict[str, list[Holder]]:
    """Each group → the holders leading it there (group-scoped managers and leaders)."""
    cover: dict[str, list[Holder]] = {g: [] for g in groups}
    for h in holders:
        if h.role in LEAD_ROLES and h.group in cover:
            cover[h.group].append(h)
    return cover


def find_gaps(
    groups: Sequence[str],
    holders: Sequence[Holder],
    last_seen: Mapping[str, datetime],
    tasks: Iterable[OrgTask],
    inactive_days: int,
    now: datetime,
) -> list[Gap]:
    """Every gap as of ``now``: groups nobody leads, leaders silent ``inactive_days`` or more
    (``last_seen``: member → their latest message anywhere in the community), open small
    tasks past their due date. Ordered by kind, then group and member."""
    gaps = [
        Gap("no_leader", g, None, None) for g, hs in covered_by(groups, holders).items() if not hs
    ]
    for member in sorted({h.member for h in holders if h.role in LEAD_ROLES}):
        seen = last_seen.get(member)
        if seen is None or (now - seen).days >= inactive_days:
            where = sorted({h.group or "" for h in holders if h.member == member})
            days = (now - seen).days if seen is not None else None
            gaps.append(Gap("leader_inactive", ", ".join(where) or None, member, days))
    for task in sorted(tasks, key=lambda t: (t.due, t.task)):
        if task.done_at is None and task.due < now:
            gaps.append(Gap("task_overdue", None, task.member, (now - task.due).days))
    return gaps


def overdue_duties(
    groups: Sequence[str],
    duties: Sequence[Duty],
    last_done: Mapping[tuple[str, str], datetime],
    now: datetime,
) -> list[Gap]:
    """Each duty not done in a group within its ``every_days`` (``last_done``: (group, kind)
    → the latest such event; ``days`` is ``None`` when it was not seen in the look-back)."""
    gaps = []
    for duty in duties:
        for g in duty.groups or groups:
            done = last_done.get((g, duty.kind))
            if done is None or now - done >= timedelta(days=duty.every_days):
                days = (now - done).days if done is not None else None
                gaps.append(Gap("duty_overdue", g, None, days, duty.name))
    return gaps


def decide_handover(
    community: str,
    leaver: str,
    successor: str,
    holders: Sequence[Holder],
    now: datetime,
    *,
    source: str,
    operator: str | None = None,
) -> Decision:
    """Pure: ``successor`` takes every role ``leaver`` holds (same group), and ``leaver``
    goes back to ``member`` there. Refused when the leaver holds no role or is the owner (an
    owner hands the community over by hand), or when leaver and successor are one member."""
    if leaver == successor:
        raise Conflict(
            Said("the leaver and the successor are the same member"), reason="same_member"
        )
    theirs = [h for h in holders if h.member == leaver and h.role != "member"]
    if not theirs:
        raise Conflict(
            Said("{leaver} holds no role to hand over", leaver=leaver),
            member=leaver,
            reason="no_role",
        )
    if any(h.role == "owner" for h in theirs):
        raise Conflict(Said("an owner is not handed over here"), member=leaver, reason="owner")
    held = {(h.group, h.role) for h in holders if h.member == successor}
    events: list[Event] = []
    for h in theirs:
        data = {"reason": "handover", "from": leaver, "to": successor}
        for who, role in ((successor, h.role), (leaver, "member")):
            if who == successor and (h.group, h.role) in held:
                continue  # they lead there already
            ref = f"handover:{leaver}:{successor}:{h.group}:{who}:{now}"
            events.append(
                role_changed(
                    community,
                    h.group,
                    who,
                    role,
                    now,
                    source=source,
                    ref=ref,
                    actor=operator,
                    **data,
                )
            )
    return Decision(events)


__all__ = [
    "GAP_KINDS",
    "LEAD_ROLES",
    "Gap",
    "Holder",
    "covered_by",
    "decide_handover",
    "find_gaps",
    "overdue_duties",
]
