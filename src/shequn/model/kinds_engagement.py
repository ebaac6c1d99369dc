"""Event kinds of engagement (P-ENG): the sharing sessions an operator plans, the check-in
camps' daily reminder, the Q&A knowledge base and the dead-group test.

``session.scheduled`` and ``session.held`` (kinds.py) are facts a platform or an export
reports; the kinds here are the plan behind them: shequn's own timeline of a session
(announce, collect questions, warm up, start, summarize) keyed by a session id, so planning
twice, moving or cancelling acts on one timeline.
"""

from __future__ import annotations

from shequn.model.kindspec import DataField as F
from shequn.model.kindspec import Int, KindSpec, List, Num, Str

_SESSION = F("session", Str, "session id (unique in the community)", required=True)
_OPERATOR = "the operator who did it; absent when unknown"
_QUESTION = F("question", Str, "the question's key: its message's source|source_ref", required=True)

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
        "checkin.completed",
        "A member's days checked in reached the camp's complete_days within its period: the "
        "camp is completed (once per camp and member; P-ENG-5).",
        actor=_OPERATOR,
        actor_required=False,
        subject="the member",
        fields=(
            F("days", Int, "days checked in", required=True),
            F("longest", Int, "their longest streak in the camp"),
        ),
        playbook=("P-ENG-5",),
    ),
    KindSpec(
        "checkin.reminded",
        "The camp's members who had not checked in by the reminder hour were reminded "
        "privately (once a local day per camp and members' time zone; P-ENG-5).",
        actor=_OPERATOR,
        actor_required=False,
        fields=(
            F("day", Str, "the local day where they live, YYYY-MM-DD", required=True),
            F("members", Int, "members reminded"),
            F("zone", Str, "their own time zone (absent: the community's)"),
        ),
        playbook=("P-ENG-5",),
    ),
    KindSpec(
        "qa.asked",
        "A member asked a question outside the group's talk: to the bot (/ask), the API or "
        "the CLI. Questions in the group are message.posted with is_question (P-ENG-3).",
        actor="who asked",
        fields=(F("text", Str, "the question", required=True),),
        group_required=False,
        playbook=("P-ENG-3",),
    ),
    KindSpec(
        "qa.answered",
        "A manager or group leader gave or marked the answer to a question; it replaces a "
        "reply's answer and makes the question a knowledge-base entry (P-ENG-3).",
        actor="who wrote the answer, when known",
        actor_required=False,
        fields=(
            _QUESTION,
            F("text", Str, "the answer", required=True),
            F("answer", Str, "the answering message's source|source_ref, when it is one"),
        ),
        group_required=False,
        playbook=("P-ENG-3",),
    ),
    KindSpec(
        "qa.repeated",
        "A question matched one the knowledge base has answered; its answer was sent back.",
        actor=_OPERATOR,
        actor_required=False,
        fields=(
            _QUESTION,
            F("same_as", Str, "the answered question's key", required=True),
            F("score", Num, "how alike the two are, 0–1"),
        ),
        group_required=False,
        playbook=("P-ENG-3",),
    ),
    KindSpec(
        "qa.surfaced",
        "A question nobody answered in time was sent to the group's leaders (once).",
        actor=_OPERATOR,
        actor_required=False,
        fields=(_QUESTION, F("to", List, "who it went to: leaders' keys, or [] for a task")),
        playbook=("P-ENG-3", "P-ORG-2"),
    ),
    KindSpec(
        "envelope.test_requested",
        "A dead-group test was asked for: an operator task to send a red envelope of "
        "test_shares shares to the group (P-ENG-4; once a local day per group).",
        actor=_OPERATOR,
        actor_required=False,
        fields=(
            F("shares", Int, "shares asked for"),
            F("hours", Num, "the window the verdict waits for"),
            F("day", Str, "the community's local day, YYYY-MM-DD", required=True),
        ),
        playbook=("P-ENG-4",),
    ),
    KindSpec(
        "envelope.judged",
        "The verdict on a dead-group test envelope test_hours after it was sent: dead when "
        "fewer members grabbed it than it had shares, else alive (seed 001; P-ENG-4).",
        actor=_OPERATOR,
        actor_required=False,
        subject="who sent the envelope, when known",
        fields=(
            F("envelope", Str, "the envelope's id", required=True),
            F("verdict", Str, "dead or alive", required=True, choices=("dead", "alive")),
            F("grabbed", Int, "members who grabbed it within the window"),
            F("shares", Int, "its shares"),
            F("hours", Num, "the window"),
            F("sent_at", Str, "ISO 8601 time it was sent"),
        ),
        playbook=("P-ENG-4", "P-MEA-3"),
    ),
    KindSpec(
        "care.sent",
        "A personal private message was queued to a member (P-ENG-7): their newcomer day, "
        "their silence as a key member, or their birthday; once per occasion.",
        actor=_OPERATOR,
        actor_required=False,
        subject="the member cared for",
        fields=(
            F(
                "trigger",
                Str,
                "why",
                required=True,
                choices=("newcomer", "silent", "birthday", "at_risk"),
            ),
            F("due_at", Str, "ISO 8601 time it is sent: the member's own active hour"),
        ),
        playbook=("P-ENG-7",),
    ),
    KindSpec(
        "care.opted_out",
        "A member asked for no private care messages (/stop); honoured by care, check-in "
        "reminders and session summaries.",
        actor="the member",
        group_required=False,
        playbook=("P-ENG-7",),
    ),
    KindSpec(
        "care.opted_in",
        "A member who had opted out of private care messages takes them again.",
        actor="the member",
        group_required=False,
        playbook=("P-ENG-7",),
    ),
    KindSpec(
        "badge.granted",
        "A member reached a badge level (answers, streak, invites; P-ENG-8); granted once.",
        actor=_OPERATOR,
        actor_required=False,
        subject="the member",
        group_required=False,
        fields=(
            F("badge", Str, "answers, streak, invites or camps", required=True),
            F("level", Int, "the level reached", required=True),
            F(
                "earned_at",
                Str,
                "ISO 8601: when the rule was first met in the log (the 10th "
                "answer's time), not the grant's",
            ),
        ),
        playbook=("P-ENG-8",),
    ),
    KindSpec(
        "badge.revoked",
        "A badge level was taken back; it is never granted again.",
        actor=_OPERATOR,
        actor_required=False,
        subject="the member",
        group_required=False,
        fields=(
            F("badge", Str, "the badge", required=True),
            F("level", Int, "the level", required=True),
            F("reason", Str, "why"),
        ),
        playbook=("P-ENG-8",),
    ),
    KindSpec(
        "honour.nominated",
        "A manager named a member a role model with their story; the story is published to "
        "the group by an action (P-ENG-8), once per honour.",
        actor=_OPERATOR,
        actor_required=False,
        subject="the member honoured",
        fields=(
            F("honour", Str, "the honour's id (unique in the community)", required=True),
            F("title", Str, "what they are honoured as", required=True),
            F("story", Str, "their story, as published", required=True),
        ),
        playbook=("P-ENG-8",),
    ),
    KindSpec(
        "points.spent",
        "A member's points were spent on a reward (never below zero unless the blueprint "
        "allows it; P-ENG-8).",
        actor=_OPERATOR,
        actor_required=False,
        subject="the member",
        group_required=False,
        fields=(
            F("amount", Int, "points spent", required=True),
            F("reward", Str, "what for", required=True),
        ),
        playbook=("P-ENG-8",),
    ),
)
