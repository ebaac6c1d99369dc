"""Event kinds of engagement (P-ENG): the sharing sessions an operator plans, and the
check-in camps' daily reminder.

``session.scheduled`` and ``session.held`` (kinds.py) are facts a platform or an export
reports; the kinds here are the plan behind them: shequn's own timeline of a session
(announce, collect questions, warm up, start, summarize) keyed by a session id, so planning
twice, moving or cancelling acts on one timeline.
"""

from __future__ import annotations

from shequn.model.kindspec import DataField as F
from shequn.model.kindspec import Int, KindSpec, Str

_SESSION = F("session", Str, "session id (unique in the community)", required=True)
_OPERATOR = "the operator who did it; absent when unknown"

ENGAGEMENT_KINDS: tuple[KindSpec, ...] = (
    KindSpec(
        "session.planned",
        "A sharing session was planned: its whole timeline was queued (P-ENG-2).",
        actor=_OPERATOR,
        actor_required=False,
        subject="the speaker, when one is named",
        fields=(
            _SESSION,
            F("title", Str, "topic", required=True),
            F("starts_at", Str, "ISO 8601 start", required=True),
            F("ends_at", Str, "ISO 8601 end", required=True),
        ),
        playbook=("P-ENG-2",),
    ),
    KindSpec(
        "session.rescheduled",
        "A planned session moved: every step not yet carried out moved with it.",
        actor=_OPERATOR,
        actor_required=False,
        fields=(
            _SESSION,
            F("starts_at", Str, "new ISO 8601 start", required=True),
            F("ends_at", Str, "new ISO 8601 end", required=True),
        ),
        playbook=("P-ENG-2",),
    ),
    KindSpec(
        "session.cancelled",
        "A planned session was called off: its pending steps were cancelled.",
        actor=_OPERATOR,
        actor_required=False,
        fields=(_SESSION, F("reason", Str, "why, as said to the group")),
        playbook=("P-ENG-2",),
    ),
    KindSpec(
        "session.question",
        "A member sent a question for a session (to the bot, the API or the dashboard).",
        actor="who asked",
        fields=(_SESSION, F("text", Str, "the question", required=True)),
        playbook=("P-ENG-2", "P-ENG-3"),
    ),
    KindSpec(
        "session.summarized",
        "A session's summary was written and queued privately to every member of its group.",
        actor=_OPERATOR,
        actor_required=False,
        fields=(
            _SESSION,
            F("summary", Str, "the summary text", required=True),
            F("recipients", Int, "members it was queued to"),
        ),
        playbook=("P-ENG-2", "P-ENG-7"),
    ),
    KindSpec(
        "checkin.reminded",
        "The camp's members who had not checked in by the reminder hour were reminded "
        "privately (once a local day per camp; P-ENG-5).",
        actor=_OPERATOR,
        actor_required=False,
        fields=(
            F("day", Str, "the community's local day, YYYY-MM-DD", required=True),
            F("members", Int, "members reminded"),
        ),
        playbook=("P-ENG-5",),
    ),
)
