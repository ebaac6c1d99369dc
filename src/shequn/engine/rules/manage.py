"""What the CLI, the API and the dashboard call for moderation: the steps, reversing one,
appeals and their decisions, the replay over the stored log, and labels from history.

Each write is one transaction that takes the append lock, reads the step it is about, decides
with the pure ``reverse.py`` / appeal functions and applies the decision — so a reversal and
an appeal granted at the same moment undo a step once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection

from shequn.engine.decisions import Decision, apply, capped_ref
from shequn.engine.rules.models import model_for
from shequn.engine.rules.replay import KINDS, Report, replay
from shequn.engine.rules.reverse import decide_reversal
from shequn.errors import Conflict, NotFound
from shequn.model.blueprint_rules import Rules
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store.append import lock_for_decision
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.rules_queries import (
    appeals,
    events_by,
    find_step,
    is_reversed,
    message_texts,
    recent_texts,
    reversed_refs,
)

Outcome = Literal["upheld", "granted"]


@dataclass(frozen=True, slots=True)
class Step:
    """One ``moderation.applied`` event as a manager lists it, with whether it still counts."""

    id: int  # the event's id, what the API names a step by
    ref: str  # source:source_ref, what the CLI names a step by
    source: str
    source_ref: str
    at: datetime
    group: str | None
    member: str
    step: str
    rule: str
    reason: str
    reversed: bool
    score: float | None = None
    """The rule's score (``rule.violated``); ``None`` for a step applied by hand."""
    evidence: tuple[dict[str, Any], ...] = ()
    """What the rule saw: signal, matched text, weight."""
    text: str = ""
    """The message the step is about, as the member wrote it ('' for a join or by hand)."""

    def to_dict(self) -> dict[str, Any]:
        return {**{k: getattr(self, k) for k in self.__slots__}, "at": self.at.isoformat()}


def list_steps(
    store: Store, community: str, *, groups: Sequence[str] | None = None, limit: int = 100
) -> list[Step]:
    """The latest steps, newest first, each with the rule's evidence and score and the
    message it is about; ``groups`` limits them to a leader's groups."""
    with store.read() as conn:
        rows = events_by(conn, community, ("moderation.applied",))
        undone = reversed_refs(conn, community, None)
        chosen = [(i, e) for i, e in reversed(rows) if groups is None or e.group in groups]
        chosen = chosen[:limit]
        since = min((e.occurred_at for _, e in chosen), default=None)
        seen = {
            (v.group, v.actor, v.data.get("rule"), v.data.get("message")): v.data
            for _, v in events_by(conn, community, ("rule.violated",), since=since)
        } if chosen else {}  # fmt: skip
        refs = {(str(v.get("message_source")), str(v.get("message"))) for v in seen.values()}
        texts = message_texts(conn, community, refs)
    out = []
    for i, e in chosen:
        ref = f"{e.source}:{e.source_ref}"
        d = e.data
        v = seen.get((e.group, e.subject, d.get("rule"), d.get("message")), {})
        score = v.get("score")
        out.append(Step(
            i, ref, e.source, e.source_ref, e.occurred_at, e.group, e.subject or "",
            str(d.get("step", "")), str(d.get("rule", "")), str(d.get("reason", "")),
            ref in undone, None if score is None else float(score),
            tuple(v.get("evidence") or ()),
            texts.get((str(v.get("message_source")), str(v.get("message"))), ""),
        ))  # fmt: skip
    return out


def count_steps(
    store: Store, community: str, *, groups: Sequence[str] | None = None
) -> dict[str, Counter[str]]:
    """Per rule: how many steps of each kind (reminder, warning, mute, removal) and how many
    of them were undone (``reversed``) — what a manager tunes the rules by."""
    with store.read() as conn:
        rows = events_by(conn, community, ("moderation.applied",))
        undone = reversed_refs(conn, community, None)
    out: dict[str, Counter[str]] = {}
    for _, e in rows:
        if groups is None or e.group in groups:
            counts = out.setdefault(str(e.data.get("rule", "")), Counter())
            counts[str(e.data.get("step", ""))] += 1
            counts["reversed"] += f"{e.source}:{e.source_ref}" in undone
    return dict(sorted(out.items()))


def list_appeals(
    store: Store, community: str, *, groups: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Appeals with their decisions, open ones first."""
    with store.read() as conn:
        rows = appeals(conn, community, groups)
        ids = {f"{e.source}:{e.source_ref}": i
               for i, e in events_by(conn, community, ("moderation.applied",))}  # fmt: skip
    out = [{
        "step": (ref := f"{f.data.get('step_source')}:{f.data.get('step_ref')}"),
        "step_id": ids.get(ref), "group": f.group,
        "member": f.actor, "at": f.occurred_at.isoformat(), "text": f.data.get("text", ""),
        "outcome": d.data.get("outcome") if d else None,
        "reason": d.data.get("reason", "") if d else "",
    } for f, d in rows]  # fmt: skip
    return sorted(out, key=lambda r: r["outcome"] is not None)


def step_group(store: Store, community: str, ref: str) -> str | None:
    """The group of step ``ref`` (for permission checks before acting on it)."""
    with store.read() as conn:
        step = find_step(conn, community, ref)
    if step is None:
        raise NotFound(Said("no moderation step {ref}", ref=repr(ref)), step=ref)
    return step.group


def reverse(
    store: Store, community: str, ref: str, *, by: str | None, reason: str, source: str,
    now: datetime | None = None,
) -> Event:  # fmt: skip
    """Undo step ``ref``: ``moderation.reversed``, unmute/unban and a note to the member."""
    with store.transaction() as conn:
        lock_for_decision(conn)
        step = _standing(conn, community, ref)
        d = decide_reversal(step, now or datetime.now(UTC), by=by, reason=reason, source=source)
        apply(conn, d)
    return d.events[0]


def file_appeal(
    store: Store, community: str, ref: str, *, member: str | None, text: str, source: str,
    now: datetime | None = None,
) -> Event:  # fmt: skip
    """A member appeals step ``ref`` (only their own, once; ``None``: the step's member)."""
    with store.transaction() as conn:
        lock_for_decision(conn)
        step = _standing(conn, community, ref)
        if member is not None and step.subject != member:
            raise NotFound(
                Said("no moderation step {ref} of {member}", ref=repr(ref), member=repr(member)),
                step=ref,
            )
        who = member or step.subject
        filed = _step_event("appeal.filed", "appeal", step, now, source, actor=who, text=text)
        if not apply(conn, Decision([filed])).new:
            raise Conflict(Said("step {ref} was appealed already", ref=repr(ref)), step=ref)
    return filed


def report_activity(
    store: Store, community: str, member: str, *, group: str | None, title: str, source: str,
    starts_at: str | None = None, ref: str | None = None, now: datetime | None = None,
) -> Event:  # fmt: skip
    """A member reported an activity before announcing it (seed 004, 活动必须报备): their
    announcements in ``group`` (every group when ``None``) within ``[rules.activities]
    report_days`` break no rule. ``ref`` names the report (a repeat is one report)."""
    at = now or datetime.now(UTC)
    key = ref or f"{member}:{group or ''}:{title}:{at.isoformat()}"
    e = Event(
        kind="activity.reported", occurred_at=at, community=community, group=group,
        actor=member, source=source, source_ref=capped_ref(f"activity:{key}"),
        data={k: v for k, v in (("title", title), ("starts_at", starts_at)) if v},
    )  # fmt: skip
    with store.transaction() as conn:
        lock_for_decision(conn)
        apply(conn, Decision([e]))
    return e


def decide_appeal(
    store: Store, community: str, ref: str, outcome: Outcome, *, by: str | None, reason: str,
    source: str, now: datetime | None = None,
) -> Event:  # fmt: skip
    """A manager decides the appeal of step ``ref``; ``granted`` reverses the step."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        step = _standing(conn, community, ref)
        filed = events_by(conn, community, ("appeal.filed",), [step.subject or ""])
        if not any(_names(e, step) for _, e in filed):
            raise NotFound(Said("no appeal of step {ref}", ref=repr(ref)), step=ref)
        decided = _step_event(
            "appeal.decided", "decide", step, at, source, actor=by, subject=step.subject,
            outcome=outcome, reason=reason,
        )  # fmt: skip
        d = Decision([decided])
        if outcome == "granted":
            d += decide_reversal(step, at, by=by, reason=reason, source=source)
        if not apply(conn, d).new:
            raise Conflict(
                Said("the appeal of step {ref} was decided already", ref=repr(ref)), step=ref
            )
    return decided


def replay_log(
    store: Store, community: str, *, since: datetime | None = None, group: str | None = None,
    rules: Rules | None = None,
) -> Report:  # fmt: skip
    """The dry run over the stored log with the community's rules, or ``rules`` (a file
    being tuned) in their place, as if they were on."""
    with store.read() as conn:
        bp = get_blueprint(conn, community)
        events = [e for _, e in events_by(conn, community, KINDS, group=None)]
    if rules is not None:
        bp = bp.model_copy(update={"rules": rules})
    model = model_for(bp.rules.advert.model)
    return replay(bp, events, since=since, group=group, model=model)


def history_labels(store: Store, community: str) -> list[tuple[str, bool]]:
    """(text, is advert) from managers' decisions with a reason: a step they applied by hand
    or an appeal they upheld says advert; a step of the advert rule they reversed or an appeal
    they granted says not. The engine's own unreviewed steps are not labels (the model would
    learn its own mistakes). The latest decision on a message wins."""
    with store.read() as conn:
        decisions = events_by(conn, community, ("moderation.applied", "moderation.reversed",
                                                "appeal.decided"))  # fmt: skip
        steps = {f"{e.source}:{e.source_ref}": e for _, e in decisions
                 if e.kind == "moderation.applied"}  # fmt: skip
        label: dict[str, bool] = {}
        for _, e in decisions:
            if e.kind == "moderation.applied" and e.source != "engine" and e.data.get("reason"):
                label[str(e.data.get("message", ""))] = True
            elif e.data.get("reason") or e.kind == "appeal.decided":
                step = steps.get(f"{e.data.get('step_source')}:{e.data.get('step_ref')}")
                if step is not None and step.data.get("rule") in ("advert", None):
                    upheld = e.kind == "appeal.decided" and e.data.get("outcome") == "upheld"
                    label[str(step.data.get("message", ""))] = upheld
        label.pop("", None)
        texts = {e.source_ref: str(e.data.get("text") or "")
                 for _, e in events_by(conn, community, ("message.posted",))
                 if e.source_ref in label}  # fmt: skip
    return [(texts[ref], y) for ref, y in label.items() if texts.get(ref)]


def chat_texts(
    store: Store,
    community: str,
    *,
    limit: int,
    since: datetime | None = None,
    group: str | None = None,
) -> list[str]:
    """The community's latest ``limit`` message texts, unlabelled: what ``rules train --chat``
    teaches a model on (``selftrain``)."""
    with store.read() as conn:
        return recent_texts(conn, community, limit=limit, since=since, group=group)


def _standing(conn: Connection, community: str, ref: str) -> Event:
    step = find_step(conn, community, ref)
    if step is None:
        raise NotFound(Said("no moderation step {ref}", ref=repr(ref)), step=ref)
    if is_reversed(conn, step):
        raise Conflict(Said("step {ref} was reversed already", ref=repr(ref)), step=ref)
    return step


def _names(e: Event, step: Event) -> bool:
    return (e.data.get("step_source"), e.data.get("step_ref")) == (step.source, step.source_ref)


def _step_event(
    kind: str, tag: str, step: Event, now: datetime | None, source: str,
    actor: str | None = None, subject: str | None = None, **data: Any,
) -> Event:  # fmt: skip
    return Event(
        kind=kind, occurred_at=now or datetime.now(UTC), community=step.community,
        group=step.group, actor=actor, subject=subject, source=source,
        source_ref=capped_ref(f"{tag}:{step.source}:{step.source_ref}"),
        data={"step_source": step.source, "step_ref": step.source_ref,
              **{k: v for k, v in data.items() if v}},
    )  # fmt: skip
