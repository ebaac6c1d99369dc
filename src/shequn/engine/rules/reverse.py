"""Undoing a step of the ladder (P-RUL-2): a manager's reversal or a granted appeal.

Pure: the ``moderation.applied`` event being undone in, the ``moderation.reversed`` event and
the actions that undo its platform effect out (a mute is lifted, a removal's ban ended), plus
a private note to the member. The ladder stops counting the step once the reversal is in the
log; a reversal of a reversed step is refused by the caller, not here.
"""

from __future__ import annotations

from datetime import datetime

from shequn.engine.decisions import Decision, capped_ref
from shequn.model.actions import Action
from shequn.model.events import Event

_UNDO = {"mute": "member.unmute", "removal": "member.unban"}


def decide_reversal(
    applied: Event, now: datetime, *, by: str | None, reason: str, source: str
) -> Decision:
    """The reversal of ``applied`` (a ``moderation.applied`` event), by ``by`` via ``source``."""
    member = applied.subject or ""
    step = str(applied.data.get("step", ""))
    reversed_ = Event(
        kind="moderation.reversed",
        occurred_at=now,
        community=applied.community,
        group=applied.group,
        actor=by,
        subject=member,
        source=source,
        source_ref=capped_ref(f"reverse:{applied.source}:{applied.source_ref}"),
        data={"step_source": applied.source, "step_ref": applied.source_ref, "reason": reason},
    )
    actions = [
        Action(
            "message.send",
            applied.community,
            now,
            applied.group,
            {"template": "moderation_reversed", "to": [member], "step": step, "reason": reason},
        )
    ]
    if step in _UNDO:
        target = {"identity": member, "reason": reason}
        actions.append(Action(_UNDO[step], applied.community, now, applied.group, target))
    return Decision([reversed_], actions)
