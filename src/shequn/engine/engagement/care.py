"""Care at scale as pure decisions (P-ENG-7, seed 003's "rhythm": personal attention, in
private, at the right moment).

Three triggers, each a private message with the member's own variables, at the member's own
active hour (the local hour they post most in; the blueprint's ``hour`` for someone who never
posted), paced ``per_minute``, never to a member who opted out (``/stop``, ``care.opted_out``):

``newcomer``  their ``newcomer_day``-th local day in a group (the join day is day 1);
``silent``    a key member (``key_messages`` messages in ``key_window_days``) silent for
              ``silent_days`` — once per silence;
``birthday``  the birthday their intake card gives (``card.birthday``, ``MM-DD`` or
              ``YYYY-MM-DD``) — once a year.

A fourth, ``at_risk``, comes from the churn-risk metric (analytics ``churn_risk``: activity
decaying against the member's own baseline): ``shequn care at-risk`` reads the metric on the
replica and hands the members it flags to :func:`decide_at_risk` — once per decline (its
occasion is the member's last active day).

Each message is one ``care.sent`` keyed on the member, the trigger and its occasion, so a tick
that runs every hour sends it once. Besides the trigger's own, every care message carries the
member's variables (:func:`member_variables`): ``name`` (their display name), ``joined_days``,
``last_active_days`` and ``messages``, and their intake card's fields (:func:`card_variables`:
``city``, ``profession``, ``company``, ``birthday``, ``has_card``), so a community's own
text can be personal — and the birthday trigger reads the same card.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shequn.engine.decisions import ENGINE_SOURCE, Decision, capped_ref
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event


@dataclass(frozen=True, slots=True)
class Person:
    """What care knows of a member of a group."""

    member: str  # identity key
    group: str
    joined_at: datetime | None
    last_post: datetime | None = None
    recent_posts: int = 0  # messages in key_window_days
    hours: tuple[int, ...] = ()  # local hours of their recent messages
    card: Mapping[str, object] | None = None  # their intake card (None: they have none)
    opted_out: bool = False
    name: str | None = None  # their display name, when the platform gave one

    @property
    def birthday(self) -> str | None:
        """``MM-DD`` from the card's ``birthday``, when it gives one."""
        return parse_birthday((self.card or {}).get("birthday"))


CARD_FIELDS = ("city", "profession", "company", "birthday")
"""The intake card's fields a care text may name (templates see plain values, never a
mapping's keys, so each is a variable of its own)."""


def card_variables(card: Mapping[str, object] | None) -> dict[str, Any]:
    """Pure: the intake card as care variables — ``city``, ``profession``, ``company``,
    ``birthday`` (``MM-DD``) and ``has_card``. A field with no answer, or a member with no
    card, is '' (never missing: the texts are strict), so ``{{ city or "你那边" }}`` and
    ``{% if has_card %}`` are the fallbacks a text writes."""
    given = {str(k): str(v).strip() for k, v in (card or {}).items() if v not in (None, "")}
    said: dict[str, Any] = {k: given.get(k, "") for k in CARD_FIELDS}
    said["birthday"] = parse_birthday(said["birthday"]) or ""
    return {**said, "has_card": bool(given)}


def member_variables(bp: Blueprint, p: Person, now: datetime) -> dict[str, Any]:
    """Pure: the member's own variables for a care text — ``name`` (the display name, else
    the key's short form), ``joined_days`` (local days since they joined the group, the join
    day 0), ``last_active_days`` (days since their last message) and ``messages`` (theirs in
    ``key_window_days``); an unknown one is empty, never missing (the texts are strict); and
    the intake card's (:func:`card_variables`)."""
    tz = ZoneInfo(bp.community.timezone)
    today = now.astimezone(tz).date()
    joined = (today - p.joined_at.astimezone(tz).date()).days if p.joined_at else ""
    silent = (now - p.last_post).days if p.last_post else ""
    name = p.name or p.member.split(":", 1)[-1]
    return {"name": name, "joined_days": joined, "last_active_days": silent,
            "messages": p.recent_posts, **card_variables(p.card)}  # fmt: skip


def active_hour(bp: Blueprint, hours: Sequence[int]) -> int:
    """The local hour the member posts most in (ties: the earliest); the blueprint's ``hour``
    when they never posted."""
    if not hours:
        return bp.engagement.care.hour
    counts = Counter(hours)
    return min(counts, key=lambda h: (-counts[h], h))


def due_at(bp: Blueprint, hour: int, now: datetime) -> datetime:
    """The next ``hour``:00 local from ``now`` on the same local day, or ``now`` if it has
    passed (today's occasion is not postponed to tomorrow)."""
    tz = ZoneInfo(bp.community.timezone)
    local = now.astimezone(tz)
    at = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    return max(at, local).astimezone(now.tzinfo)


def occasions(bp: Blueprint, p: Person, now: datetime) -> list[tuple[str, str, dict[str, Any]]]:
    """Pure: the (trigger, occasion key, variables) that hold for ``p`` today."""
    cfg = bp.engagement.care
    tz = ZoneInfo(bp.community.timezone)
    today = now.astimezone(tz).date()
    out: list[tuple[str, str, dict[str, Any]]] = []
    if p.joined_at is not None:
        day = (today - p.joined_at.astimezone(tz).date()).days + 1
        if day == cfg.newcomer_day:
            out.append(("newcomer", p.group, {"day": day}))
    key_member = p.recent_posts >= cfg.key_messages
    if key_member and p.last_post is not None:
        silent = (now - p.last_post).days
        if silent >= cfg.silent_days:
            out.append(("silent", p.last_post.date().isoformat(), {"days": silent}))
    if cfg.birthday and p.birthday == f"{today:%m-%d}":
        out.append(("birthday", str(today.year), {}))
    return out


def decide_care(bp: Blueprint, people: Sequence[Person], now: datetime) -> list[Decision]:
    """Pure: one decision per message (a ``care.sent`` and its private ``care_<trigger>``),
    so a message already sent does not hold back the others."""
    if not bp.engagement.care.enabled:
        return []
    out: list[Decision] = []
    seen: set[tuple[str, str]] = set()
    for p in people:
        if p.opted_out:
            continue
        for trigger, occasion, said in occasions(bp, p, now):
            if trigger != "newcomer" and (p.member, trigger) in seen:
                continue  # silence and birthdays are the member's, not each group's
            seen.add((p.member, trigger))
            out.append(_message(bp, p, trigger, occasion, said, now, len(out)))
    return out


@dataclass(frozen=True, slots=True)
class AtRisk:
    """A member the churn-risk metric flags (``analytics.churn.ChurnRisk``)."""

    member: str  # identity key
    group: str  # a group they were active in
    last_active: date  # their last active local day (the decline's occasion)
    ratio: float  # recent / baseline activity
    name: str | None = None  # their display name
    joined_at: datetime | None = None  # when they joined ``group``
    messages: int = 0  # their messages in key_window_days
    card: Mapping[str, object] | None = None  # their intake card


def decide_at_risk(
    bp: Blueprint, flagged: Sequence[AtRisk], hours: Mapping[str, Sequence[int]], now: datetime
) -> list[Decision]:
    """Pure: a private ``care_at_risk`` to each flagged member (not opted out: the caller
    leaves them out), at their own hour (``hours``: their recent posts' local hours), paced,
    once per decline — the occasion is their last active day."""
    if not bp.engagement.care.enabled:
        return []
    today = now.astimezone(ZoneInfo(bp.community.timezone)).date()
    out: list[Decision] = []
    for f in flagged:
        p = Person(f.member, f.group, f.joined_at, recent_posts=f.messages,
                   hours=tuple(hours.get(f.member, ())), card=f.card, name=f.name)  # fmt: skip
        said = {
            "days": (today - f.last_active).days,
            "last_active_days": (today - f.last_active).days,
        }
        out.append(_message(bp, p, "at_risk", f.last_active.isoformat(), said, now, len(out)))
    return out


def _message(
    bp: Blueprint, p: Person, trigger: str, occasion: str, said: dict[str, Any], now: datetime,
    n: int,
) -> Decision:  # fmt: skip
    """The ``n``-th care message of a run: ``care.sent`` keyed on the occasion and the
    private ``care_<trigger>`` at the member's hour, ``per_minute`` a minute."""
    community = bp.community.slug
    pace = timedelta(minutes=n // bp.engagement.care.per_minute)
    at = due_at(bp, active_hour(bp, p.hours), now) + pace
    ref = capped_ref(f"care:{community}:{p.member}:{trigger}:{occasion}")
    data = {"trigger": trigger, "due_at": at.isoformat()}
    event = Event("care.sent", now, community, ENGINE_SOURCE, ref, group=p.group,
                  subject=p.member, data=data)  # fmt: skip
    payload = {"template": f"care_{trigger}", "to": p.member, "group": p.group,
               **member_variables(bp, p, now), **said}  # fmt: skip
    return Decision([event], [Action("message.send", community, at, p.group, payload)])


def parse_birthday(value: object) -> str | None:
    """``MM-DD`` from a card's ``birthday`` (``MM-DD``, ``YYYY-MM-DD``), else ``None``."""
    text = str(value or "").strip()
    for fmt, cut in (("%Y-%m-%d", text), ("%m-%d", text)):
        try:
            d = datetime.strptime(cut, fmt)  # a calendar day, no time
        except ValueError:
            continue
        return f"{date(2000, d.month, d.day):%m-%d}"
    return None


__all__ = [
    "CARD_FIELDS", "AtRisk", "Person", "active_hour", "card_variables", "decide_at_risk",
    "decide_care", "due_at", "member_variables", "occasions", "parse_birthday",
]  # fmt: skip
