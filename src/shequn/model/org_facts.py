"""What a member did, counted one way for the whole pyramid (P-MEA-4, P-ORG-1, P-ORG-2).

Key behaviour leaders (``analytics/leaders.py``, DuckDB SQL over the replica), levels and
key-member candidates (``engine/organization_levels.py``, over the store) must agree on what an
*answer*, a *reply* or an *invitee who stayed* is, or a member would be a leader on the
dashboard and nobody in the level check. The definitions and their weights therefore live here,
below both, and :func:`fold_facts` is the engine's reading of them as a pure fold over events:

``answer``             a reply to a question by someone else;
``reply``              a reply to someone else's message that is not a question;
``link``               a message with ``has_link``, or ``content.shared``;
``forward``            ``content.forwarded``, or a message with ``forwarded_from``;
``invite``             a person brought (``member.invited`` as actor, or named as ``inviter``
                       of a ``member.joined``) who did not leave within ``invite_stay_days``;
``reaction_received``  / ``reaction_given``: a ``message.reacted`` by or on someone else.

A reply or a reaction to a message shequn has not recorded counts for nothing. Identities are
folded onto their member (``owner_of``), so merged identities are one person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from shequn.model.events import Event

BEHAVIOURS: tuple[str, ...] = (
    "answer",
    "reply",
    "link",
    "forward",
    "invite",
    "reaction_received",
    "reaction_given",
)

DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "answer": 5.0,
        "reply": 2.0,
        "link": 3.0,
        "forward": 2.0,
        "invite": 8.0,
        "reaction_received": 1.0,
        "reaction_given": 0.5,
    }
)
"""Points per contribution (P-MEA-4). Partial overrides keep the other defaults."""

HALF_LIFE_DAYS = 30.0
INVITE_STAY_DAYS = 30

FACT_KINDS: tuple[str, ...] = (
    "message.posted",
    "message.reacted",
    "content.shared",
    "content.forwarded",
    "member.invited",
    "member.joined",
    "member.left",
    "member.removed",
    "checkin.done",
    "rule.violated",
    "payment.made",
    "session.held",
)
"""The event kinds :func:`fold_facts` reads (the store loads only these)."""

Target = tuple[str | None, bool]
"""A message replied or reacted to: its author's identity key and whether it is a question."""


def reply_behaviour(author: str, target: Target | None) -> str | None:
    """``answer``, ``reply`` or ``None`` (no target, or a reply to oneself)."""
    if target is None or target[0] is None or target[0] == author:
        return None
    return "answer" if target[1] else "reply"


@dataclass(slots=True)
class Facts:
    """One member's counts over the window, and every violation the caller loaded."""

    days: set[date] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    violated: list[datetime] = field(default_factory=list)  # when a rule.violated names them
    at: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    """When each timed count grew (``fold_facts(timed=…)``), oldest first: the 10th answer's
    time is ``at["answer"][9]``."""

    @property
    def active_days(self) -> int:
        return len(self.days)

    def get(self, name: str) -> int:
        """A count by name: a behaviour, ``checkins``, ``payments``,
        ``sessions_hosted``, ``messages`` or ``active_days``."""
        return self.active_days if name == "active_days" else self.counts.get(name, 0)

    def score(self, weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> float:
        """The key-behaviour score of the window (undecayed: the window is the decay)."""
        return round(sum(weights.get(b, 0.0) * self.counts.get(b, 0) for b in BEHAVIOURS), 4)


def _left_early(events: Iterable[Event], stay: timedelta) -> set[tuple[str, str | None]]:
    """(identity, group) pairs who left within ``stay`` of their last join before leaving."""
    joined: dict[tuple[str, str | None], datetime] = {}
    early: set[tuple[str, str | None]] = set()
    for e in events:
        who = e.subject if e.kind == "member.removed" else e.actor
        if who is None:
            continue
        if e.kind == "member.joined":
            joined[(who, e.group)] = e.occurred_at
        elif e.kind in ("member.left", "member.removed"):
            start = joined.get((who, e.group))
            if start is not None and e.occurred_at - start < stay:
                early.add((who, e.group))
    return early


def fold_facts(
    events: Iterable[Event],
    targets: Mapping[tuple[str, str], Target],
    owner_of: Mapping[str, str],
    *,
    since: datetime,
    tz: ZoneInfo,
    invite_stay_days: int = INVITE_STAY_DAYS,
    timed: Collection[str] = (),
) -> dict[str, Facts]:
    """Pure: every member's :class:`Facts` from ``events`` (oldest first). Events before
    ``since`` count only as violations (the caller loads them for the clean period) and as
    the joins an early leave is measured from. ``targets`` maps a message's (source,
    source_ref) to :data:`Target`; ``owner_of`` maps identity keys to member keys. The
    counts named in ``timed`` also keep when each one grew (``Facts.at``: a badge's earned
    time); an invite counts at the time the person was brought."""
    evs = sorted(events, key=lambda e: e.occurred_at)
    facts: dict[str, Facts] = defaultdict(Facts)
    early = _left_early(evs, timedelta(days=invite_stay_days))
    invited: dict[tuple[str, str, str | None], datetime] = {}

    def add(f: Facts, name: str, at: datetime) -> None:
        f.counts[name] += 1
        if name in timed:
            f.at[name].append(at)

    def who(key: str | None) -> str | None:
        return None if key is None else owner_of.get(key, key)

    for e in evs:
        if e.kind == "rule.violated" and e.actor:
            facts[who(e.actor) or e.actor].violated.append(e.occurred_at)
            continue
        if e.occurred_at < since:
            continue
        if e.kind == "member.joined" and e.actor and e.data.get("inviter"):
            inviter = str(e.data["inviter"])
            invited.setdefault((inviter, e.actor, e.group), e.occurred_at)
        if e.kind == "member.invited" and e.actor and e.subject:
            invited.setdefault((e.actor, e.subject, e.group), e.occurred_at)
        if e.kind == "session.held" and e.actor:
            add(facts[who(e.actor) or e.actor], "sessions_hosted", e.occurred_at)
        actor = who(e.actor)
        if actor is None:
            continue
        mine = facts[actor]
        if e.kind == "message.posted":
            mine.days.add(e.occurred_at.astimezone(tz).date())
            add(mine, "messages", e.occurred_at)
            ref = e.data.get("reply_to")
            target = targets.get((e.source, str(ref))) if ref is not None else None
            behaviour = reply_behaviour(
                actor, None if target is None else (who(target[0]), target[1])
            )
            if behaviour:
                add(mine, behaviour, e.occurred_at)
            if e.data.get("has_link"):
                add(mine, "link", e.occurred_at)
            if e.data.get("forwarded_from"):
                add(mine, "forward", e.occurred_at)
        elif e.kind == "content.shared":
            add(mine, "link", e.occurred_at)
        elif e.kind == "content.forwarded":
            add(mine, "forward", e.occurred_at)
        elif e.kind == "checkin.done":
            add(mine, "checkins", e.occurred_at)
        elif e.kind == "payment.made":
            add(mine, "payments", e.occurred_at)
        elif e.kind == "message.reacted":
            ref = e.data.get("message")
            target = targets.get((e.source, str(ref))) if ref is not None else None
            author = who(e.subject) or who(target[0] if target else None)
            if author is not None and author != actor:
                add(mine, "reaction_given", e.occurred_at)
                add(facts[author], "reaction_received", e.occurred_at)
    for (inviter, invitee, group), at in sorted(invited.items(), key=lambda x: x[1]):
        if (invitee, group) not in early and who(inviter) != who(invitee):
            add(facts[who(inviter) or inviter], "invite", at)
    return dict(facts)


__all__ = [
    "BEHAVIOURS",
    "DEFAULT_WEIGHTS",
    "FACT_KINDS",
    "HALF_LIFE_DAYS",
    "INVITE_STAY_DAYS",
    "Facts",
    "Target",
    "fold_facts",
    "reply_behaviour",
]
