"""Event kinds of what members do in a group: talk (P-MEA) and the engagement the group offers
them (P-ENG: red envelopes, check-ins, sharing sessions, offline events).

Kept apart from ``kinds.py`` (the table every kind is looked up in) so each chapter of the
vocabulary reads on its own; ``KINDS`` lists these in the same place as before.
"""

from __future__ import annotations

from shequn.model.kindspec import MEMBER, OPERATOR, Bool, Int, KindSpec, List, Num, Str
from shequn.model.kindspec import DataField as F

MESSAGE_REF = F("message", Str, "source_ref of the message this event is about")

TALK_KINDS: tuple[KindSpec, ...] = (
    # --- talk (P-ENG, P-MEA) --------------------------------------------------------
    KindSpec(
        "message.posted",
        "A message in the group.",
        actor="the author",
        fields=(
            F("length", Int, "characters of text"),
            F("text", Str, "the text, when the operator keeps it"),
            F("reply_to", Str, "source_ref of the message answered"),
            F("has_link", Bool, "contains a URL"),
            F("has_media", Bool, "carries a photo, file, voice, video, sticker"),
            F("is_question", Bool, "asks a question"),
            F("mentions", List, "identity keys mentioned"),
            F("forwarded_from", Str, "where a forwarded message came from"),
        ),
        playbook=("P-ENG-3", "P-MEA-2", "P-MEA-5"),
    ),
    KindSpec(
        "message.reacted",
        "A reaction (emoji, like) to a message.",
        actor="who reacted",
        subject="author of the message, when known",
        fields=(MESSAGE_REF, F("emoji", Str, "the reaction")),
        playbook=("P-MEA-4",),
    ),
    KindSpec(
        "message.pinned",
        "A message was pinned.",
        actor=OPERATOR,
        actor_required=False,
        fields=(MESSAGE_REF,),
    ),
    KindSpec(
        "content.shared",
        "A member shared a link or a piece of content into the group.",
        actor="who shared",
        fields=(F("url", Str, "what was shared"), F("title", Str, "its title")),
        playbook=("P-MEA-4",),
    ),
    KindSpec(
        "content.forwarded",
        "A member forwarded the group's content elsewhere (or into it).",
        actor="who forwarded",
        fields=(MESSAGE_REF, F("to", Str, "where it went")),
        playbook=("P-MEA-4",),
    ),
    # --- engagement (P-ENG) ---------------------------------------------------------
    KindSpec(
        "redenvelope.sent",
        "A red envelope was sent to the group.",
        actor="the sender",
        fields=(
            F("envelope", Str, "id of the envelope", required=True),
            F("amount", Num, "total amount"),
            F("count", Int, "number of shares"),
            F("purpose", Str, "reward, ad_tax, dead_group_test, celebration"),
        ),
        playbook=("P-ENG-4",),
    ),
    KindSpec(
        "redenvelope.grabbed",
        "A member grabbed a share of a red envelope.",
        actor="who grabbed",
        subject="the sender, when known",
        fields=(
            F("envelope", Str, "id of the envelope", required=True),
            F("amount", Num, "amount grabbed"),
        ),
        playbook=("P-ENG-4",),
    ),
    KindSpec(
        "checkin.done",
        "A member checked in (training-camp punch card).",
        actor=MEMBER,
        fields=(F("camp", Str, "camp id"), F("day", Int, "day number in the camp")),
        playbook=("P-ENG-5", "P-MEA-6"),
    ),
    KindSpec(
        "session.scheduled",
        "A sharing session was announced.",
        actor="the host",
        actor_required=False,
        fields=(
            F("session", Str, "session id", required=True),
            F("title", Str, "topic"),
            F("starts_at", Str, "ISO 8601 start time"),
        ),
        playbook=("P-ENG-2",),
    ),
    KindSpec(
        "session.held",
        "A sharing session took place.",
        actor="the host",
        actor_required=False,
        fields=(
            F("session", Str, "session id", required=True),
            F("attendees", Int, "members active during it (when shequn planned it)"),
            F("members", List, "their identity keys"),
        ),
        playbook=("P-ENG-2",),
    ),
    KindSpec(
        "event.rsvp",
        "A member answered an invitation to an offline event.",
        actor=MEMBER,
        fields=(
            F("event", Str, "event id", required=True),
            F("answer", Str, "yes, no, maybe", choices=("yes", "no", "maybe")),
        ),
        playbook=("P-ENG-6",),
    ),
)
