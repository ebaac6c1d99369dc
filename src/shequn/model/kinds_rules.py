"""Event kinds of group rules and moderation beyond ``rule.violated``/``moderation.applied``
(P-RUL-2): a manager undoing a step, and a member's appeal and its decision.

A reversal names the ``moderation.applied`` event it undoes by its ``source``/``source_ref``
(events name things by text keys, so the log replays anywhere). The ladder counts only steps
not reversed, and a removal's community-wide ban ends with its reversal.
"""

from __future__ import annotations

from shequn.model.kindspec import DataField as F
from shequn.model.kindspec import Int, KindSpec, List, Str

_STEP_REF = (
    F("step_source", Str, "source of the moderation.applied event", required=True),
    F("step_ref", Str, "source_ref of the moderation.applied event", required=True),
)

RULES_KINDS: tuple[KindSpec, ...] = (
    KindSpec(
        "moderation.reversed",
        "A manager undid a step of the ladder; its platform effect is undone (unmute, unban).",
        actor="the manager, if known",
        actor_required=False,
        subject="the member the step applied to",
        subject_required=True,
        group_required=False,
        fields=(*_STEP_REF, F("reason", Str, "why")),
        playbook=("P-RUL-2",),
    ),
    KindSpec(
        "appeal.filed",
        "A member appealed a step of the ladder (``/appeal``, the API or the dashboard).",
        actor="the member appealing",
        group_required=False,
        fields=(*_STEP_REF, F("text", Str, "what the member says")),
        playbook=("P-RUL-2",),
    ),
    KindSpec(
        "appeal.decided",
        "A manager decided an appeal: ``upheld`` keeps the step, ``granted`` reverses it.",
        actor="the manager, if known",
        actor_required=False,
        subject="the member who appealed",
        subject_required=True,
        group_required=False,
        fields=(
            *_STEP_REF,
            F("outcome", Str, "the decision", required=True, choices=("upheld", "granted")),
            F("reason", Str, "why"),
        ),
        playbook=("P-RUL-2",),
    ),
    KindSpec(
        "activity.reported",
        "A member reported an activity before announcing it (seed 004, 活动必须报备): their "
        "announcements in the group within [rules.activities] report_days break no rule.",
        actor="the member who will hold it",
        group_required=False,
        fields=(
            F("title", Str, "what the activity is"),
            F("starts_at", Str, "ISO 8601 start, when known"),
        ),
        playbook=("P-RUL-1",),
    ),
    KindSpec(
        "talk.damped",
        "Chatter buried a valuable post; shequn re-posted it and reminded the chatterers.",
        actor="none (the engine)",
        actor_required=False,
        subject="the author of the buried post",
        subject_required=True,
        fields=(
            F("message", Str, "source_ref of the buried post", required=True),
            F("message_source", Str, "source of the buried post"),
            F("messages", Int, "messages after it within the window"),
            F("chatter", Int, "how many of them were chatter"),
            F("chatterers", List, "identity keys of who chattered"),
        ),
        playbook=("P-RUL-3",),
    ),
)
