"""Live enforcement: the rules' reactor, run after each recorded batch (``engine/reactions``).

For every new message of a community whose ``[rules]`` are on, it gathers what the rules need
— the author's red envelopes before it (the ad tax), roles and level, when they joined, their
recent messages (flood), their steps not reversed — set-wise for the whole batch, calls the
pure :func:`~shequn.engine.rules.judge.judge`, and applies each step (``rule.violated`` +
``moderation.applied`` and the actions) in the batch's transaction. A join by a member the
community banned is answered with a removal there too.

Only messages from the last :data:`LIVE_WINDOW` are judged: importing last year's export must
not mute anyone today — that is what ``shequn rules replay`` is for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from shequn.engine.decisions import apply
from shequn.engine.rules.conduct import APPROVED, JoinFacts, join_facts
from shequn.engine.rules.damping import decide_damping
from shequn.engine.rules.judge import (
    BAN,
    MessageFacts,
    decide_ban_on_join,
    judge,
    judge_join,
    role_level,
)
from shequn.engine.rules.ladder import Offence
from shequn.engine.rules.models import model_for
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event
from shequn.model.talk import Said
from shequn.store.rules_queries import (
    events_by,
    joins_of,
    roles_of,
    rules_blueprint,
    standing_steps,
)

TRIGGERS = frozenset({"message.posted", "member.joined"})
LIVE_WINDOW = timedelta(hours=1)
"""A message recorded later than this after it was posted is history, not enforced."""


def after_record(
    conn: Connection, new_events: Sequence[tuple[int, Event]], *, now: datetime | None = None
) -> None:
    """Judge the batch's recent messages and joins, community by community."""
    since = (now or datetime.now(UTC)) - LIVE_WINDOW
    mine: dict[str, list[tuple[int, Event]]] = defaultdict(list)
    for i, e in new_events:
        if e.kind in TRIGGERS and e.actor and e.group and e.occurred_at >= since:
            mine[e.community].append((i, e))
    for community, events in sorted(mine.items()):
        bp = rules_blueprint(conn, community)
        if bp is not None:
            enforce(conn, bp, events)


def enforce(conn: Connection, bp: Blueprint, events: Sequence[tuple[int, Event]]) -> None:
    """Judge ``events`` (messages and joins of ``bp``'s community) and apply the steps."""
    facts = _Facts(conn, bp, events)
    for i, e in sorted(events, key=lambda p: (p[1].occurred_at, p[0])):
        assert e.actor is not None and e.group is not None  # noqa: S101 (filtered above)
        rules = bp.rules.for_group(e.group)
        if e.kind == "member.joined":
            ban = facts.ban.get(e.actor)
            if ban is not None:
                apply(conn, decide_ban_on_join(e, ban))
            elif (inviter := e.data.get("inviter")) and isinstance(inviter, str):
                o = Offence(e.community, e.group, inviter, e.source, e.source_ref,
                            e.occurred_at, message=False)  # fmt: skip
                j = judge_join(rules, o, facts.join(e, inviter), facts.history[inviter])
                if j.decision:
                    apply(conn, j.decision)
                    facts.history[inviter].append(e.occurred_at)
            continue
        offence = Offence(e.community, e.group, e.actor, e.source, e.source_ref, e.occurred_at)
        verdict = judge(
            rules,
            offence,
            facts.of(i, e),
            banned=bp.culture.banned_topics,
            model=model_for(rules.advert.model),
        )
        if verdict.decision:
            apply(conn, verdict.decision)
            facts.history[e.actor].append(e.occurred_at)
    for group in sorted({e.group for _, e in events if e.kind == "message.posted" and e.group}):
        damp(conn, bp, group, min(e.occurred_at for _, e in events if e.group == group))


def damp(conn: Connection, bp: Blueprint, group: str, since: datetime) -> None:
    """Over-activity damping (P-RUL-3) over the group's messages from a window before
    ``since``: a valuable post buried by chatter is re-posted, the chatterers reminded."""
    cfg = bp.rules.for_group(group).damping
    if not cfg.enabled:
        return
    window = timedelta(minutes=cfg.window_minutes)
    rows = [e for _, e in events_by(conn, bp.community.slug, ("message.posted",),
                                    since=since - window, group=group)]  # fmt: skip
    replied: dict[tuple[str, str], set[str | None]] = defaultdict(set)
    for e in rows:
        if e.data.get("reply_to"):
            replied[(e.source, str(e.data["reply_to"]))].add(e.actor)
    said = [_said(e, replied) for e in rows]
    now = max((e.occurred_at for e in rows), default=since)
    for d in decide_damping(said, cfg, community=bp.community.slug, group=group, now=now):
        apply(conn, d)


def _said(e: Event, replied: dict[tuple[str, str], set[str | None]]) -> Said:
    d = e.data
    length = d.get("length")
    drew = bool(replied.get((e.source, e.source_ref), set()) - {e.actor})
    return Said(
        e.occurred_at, e.actor or "", length if isinstance(length, int) else None,
        reply=bool(d.get("reply_to")), link=bool(d.get("has_link")),
        media=bool(d.get("has_media")), question=bool(d.get("is_question")), drew=drew,
        source=e.source, ref=e.source_ref, text=str(d.get("text") or ""),
    )  # fmt: skip


class _Facts:
    """Everything the batch's authors did that the rules look at, read once per batch."""

    def __init__(self, conn: Connection, bp: Blueprint, events: Sequence[tuple[int, Event]]):
        community = bp.community.slug
        newcomers = {e.actor for _, e in events if e.actor and e.kind == "member.joined"}
        inviters = {e.data.get("inviter") for _, e in events if e.kind == "member.joined"}
        keys = {e.actor for _, e in events if e.actor} | {k for k in inviters if isinstance(k, str)}
        first = min(e.occurred_at for _, e in events)
        per_group = [bp.rules.for_group(g) for g in {e.group for _, e in events}]
        window = max(r.flow.flood_seconds for r in per_group)
        hours = max(r.advert.envelope_hours for r in per_group)
        days = max(r.activities.report_days for r in per_group)
        self.messages: dict[tuple[str, str], list[tuple[datetime, int]]] = defaultdict(list)
        since = first - timedelta(seconds=window)
        for j, m in events_by(conn, community, ("message.posted",), keys, since=since):
            self.messages[(m.actor or "", m.group or "")].append((m.occurred_at, j))
        self.envelopes: dict[tuple[str, str], list[tuple[datetime, float]]] = defaultdict(list)
        since = first - timedelta(hours=hours)
        for _, v in events_by(conn, community, ("redenvelope.sent",), keys, since=since):
            self.envelopes[(v.actor or "", v.group or "")].append((v.occurred_at, _amount(v)))
        self.reports: dict[str, list[tuple[str | None, datetime]]] = defaultdict(list)
        since = first - timedelta(days=days)
        for _, r in events_by(conn, community, ("activity.reported",), keys, since=since):
            self.reports[r.actor or ""].append((r.group, r.occurred_at))
        self.approved: dict[str, datetime] = {}
        for _, d in events_by(conn, community, ("entry.decided",), newcomers, who="subject"):
            if d.data.get("outcome") in APPROVED:
                self.approved.setdefault(d.subject or "", d.occurred_at)
        self.roles = roles_of(conn, community, keys)
        self.joins = joins_of(conn, community, keys)
        self.history: dict[str, list[datetime]] = defaultdict(list)
        self.ban: dict[str, Event] = {}
        for _, step in standing_steps(conn, community, keys):
            member = step.subject or ""
            if step.data.get("rule") != BAN:
                self.history[member].append(step.occurred_at)
            if step.data.get("community_wide") and step.data.get("step") == "removal":
                self.ban.setdefault(member, step)

    def of(self, i: int, e: Event) -> MessageFacts:
        """The facts of message ``e`` (event id ``i``) as the log stood before it."""
        a, g, at = e.actor or "", e.group, e.occurred_at
        roles = {r for grp, r in self.roles.get(a, []) if grp in (None, g) and r != "member"}
        return MessageFacts(
            text=str(e.data.get("text") or ""),
            has_link=bool(e.data.get("has_link")),
            has_media=bool(e.data.get("has_media")),
            forwarded=bool(e.data.get("forwarded_from")),
            roles=frozenset(roles),
            level=role_level(roles),
            joined_at=self.joins.get((g or "", a)),
            recent=tuple(t for t, j in self.messages[(a, g or "")] if (t, j) < (at, i)),
            envelopes=tuple((t, x) for t, x in self.envelopes[(a, g or "")] if t <= at),
            history=tuple(self.history[a]),
            reported=tuple(t for grp, t in self.reports[a] if grp in (None, g) and t <= at),
        )

    def join(self, e: Event, inviter: str) -> JoinFacts:
        """The facts of join ``e`` whose data names ``inviter``."""
        roles = {r for grp, r in self.roles.get(inviter, []) if grp in (None, e.group)}
        roles.discard("member")
        ok = self.approved.get(e.actor or "")
        return join_facts(e, inviter, frozenset(roles), role_level(roles), ok)


def _amount(e: Event) -> float:
    raw = e.data.get("amount")
    return float(raw) if isinstance(raw, int | float) else 0.0
