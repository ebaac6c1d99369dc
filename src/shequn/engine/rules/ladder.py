"""The enforcement ladder (P-RUL-2) as pure decisions: which step a violation earns, and the
events and actions that carry it out.

A member's level is the number of their earlier steps still counting: every ``decay_days``
clean days since the previous step forgive one, and reversed steps never count. The next step
is ``steps[level]`` (the last step repeats). Exempt members and roles get no step at all.
Every step is two events — ``rule.violated`` (the rule, the message, the evidence, the
score) and ``moderation.applied`` (the step, the reason, a mute's end) — and actions through
the worker: a templated reply in the group (zh/en), the message deleted where configured, a
mute, or a removal that bans the member from every group of the community; for a rule in
``slow_mode_rules`` (e.g. flood), slow mode for the group for a while.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shequn.engine.decisions import ENGINE_SOURCE, Decision, capped_ref
from shequn.engine.rules.slow import slow_mode
from shequn.engine.rules.verdict import Verdict
from shequn.model.actions import Action
from shequn.model.blueprint_rules import Ladder, Step
from shequn.model.events import Event


@dataclass(frozen=True, slots=True)
class Offence:
    """The message (or act) a verdict is about, named by its event's text keys."""

    community: str
    group: str
    member: str
    source: str
    source_ref: str
    at: datetime
    message: bool = True
    """False for an act that is not a message (a join): nothing to delete."""


def level(history: Sequence[datetime], now: datetime, ladder: Ladder) -> int:
    """How many earlier (unreversed) steps still count at ``now``, after decay."""
    decay = timedelta(days=ladder.decay_days)
    count, last = 0, None
    for at in sorted(t for t in history if t < now):
        if last is not None:
            count = max(0, count - int((at - last) / decay))
        count, last = count + 1, at
    if last is not None:
        count = max(0, count - int((now - last) / decay))
    return count


def next_step(history: Sequence[datetime], now: datetime, ladder: Ladder) -> Step:
    """The step a violation at ``now`` earns."""
    return ladder.steps[min(level(history, now, ladder), len(ladder.steps) - 1)]


def is_exempt(member: str, roles: set[str], ladder: Ladder) -> bool:
    """Managers and listed members are not moved up the ladder (their messages still show
    in the replay, with ``exempt``)."""
    return member in ladder.exempt_members or bool(roles & set(ladder.exempt_roles))


def decide_step(
    offence: Offence, verdict: Verdict, history: Sequence[datetime], ladder: Ladder
) -> Decision:
    """The events and actions of the step ``verdict`` earns (``Decision.none()`` if clean)."""
    if not verdict.hit:
        return Decision.none()
    o = offence
    step = next_step(history, o.at, ladder)
    ref = f"{o.source}:{o.source_ref}:{verdict.rule}"
    until = o.at + timedelta(minutes=ladder.mute_minutes) if step == "mute" else None
    evidence = [e.to_dict() for e in verdict.evidence]
    violated = _event("rule.violated", f"violated:{ref}", o, actor=o.member, data={
        "rule": verdict.rule, "message": o.source_ref, "message_source": o.source,
        "score": round(verdict.score, 3), "evidence": evidence, "step": step,
    })  # fmt: skip
    applied = _event("moderation.applied", f"step:{ref}", o, subject=o.member, data={
        "step": step, "reason": f"{verdict.rule}: {verdict.explain()}", "rule": verdict.rule,
        "message": o.source_ref,
        "community_wide": step == "removal" and ladder.ban_community_wide,
        **({"until": until.isoformat()} if until else {}),
    })  # fmt: skip
    return Decision([violated, applied], _actions(o, verdict, step, until, ladder))


def _event(
    kind: str,
    ref: str,
    o: Offence,
    *,
    data: dict[str, Any],
    actor: str | None = None,
    subject: str | None = None,
) -> Event:
    return Event(
        kind=kind, occurred_at=o.at, community=o.community, group=o.group, actor=actor,
        subject=subject, source=ENGINE_SOURCE, source_ref=capped_ref(ref), data=data,
    )  # fmt: skip


def _actions(
    o: Offence, verdict: Verdict, step: Step, until: datetime | None, ladder: Ladder
) -> list[Action]:
    said = {
        "template": f"moderation_{step}",
        "rule": verdict.rule,
        "evidence": verdict.explain(),
        "until": until.strftime("%Y-%m-%d %H:%M") if until else "",
        "name": o.member.partition(":")[2] or o.member,  # named in the group's reply
    }
    actions = [Action("message.send", o.community, o.at, o.group, said)]
    target = {"identity": o.member, "reason": verdict.rule}
    if ladder.delete_message and step != "reminder" and o.message:
        actions.append(
            Action(
                "message.delete", o.community, o.at, o.group, {**target, "message": o.source_ref}
            )
        )
    if until is not None:
        actions.append(
            Action(
                "member.mute", o.community, o.at, o.group, {**target, "until": until.isoformat()}
            )
        )
    if step == "removal":
        actions.append(Action("member.ban", o.community, o.at, o.group, target))
    if verdict.rule in ladder.slow_mode_rules:
        actions += slow_mode(o.community, o.group, o.at, seconds=ladder.slow_mode_seconds,
                             minutes=ladder.slow_mode_minutes, reason=verdict.rule)  # fmt: skip
    return actions
