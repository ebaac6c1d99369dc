"""Event kinds of offline events (P-ENG-6): a meetup planned in a city for the members of a
group, the members' answers (``event.rsvp``, kinds.py), the door check-in with the meetup's
code, the reminder to those going and the meetup held with its attendance.

A meetup is keyed by its id (``meetup``), as a sharing session is by its session id, so
planning twice, answering twice or checking in twice is one event each.
"""

from __future__ import annotations

from shequn.model.kindspec import DataField as F
from shequn.model.kindspec import Int, KindSpec, List, Str

_MEETUP = F("meetup", Str, "meetup id (unique in the community)", required=True)
_OPERATOR = "the operator who did it; absent when unknown"

MEETUP_KINDS: tuple[KindSpec, ...] = (
    KindSpec(
        "meetup.planned",
        "An offline event was planned for the members of a group: the invitation, the reminder "
        "and the follow-up hang on it (P-ENG-6).",
        actor=_OPERATOR,
        actor_required=False,
        subject="the city leader who hosts it, when one is named",
        fields=(
            _MEETUP,
            F("title", Str, "what it is", required=True),
            F("venue", Str, "where", required=True),
            F("city", Str, "the city or region"),
            F("starts_at", Str, "ISO 8601 start", required=True),
            F("ends_at", Str, "ISO 8601 end", required=True),
            F("capacity", Int, "seats; 0 = no limit (beyond it: the waitlist)"),
            F("code", Str, "the door code attendees give at check-in"),
            F("invited", List, "the other groups invited (the group's region), beside its own"),
        ),
        playbook=("P-ENG-6",),
    ),
    KindSpec(
        "meetup.cancelled",
        "A planned offline event was called off; those going were told.",
        actor=_OPERATOR,
        actor_required=False,
        fields=(_MEETUP, F("reason", Str, "why, in the operator's words")),
        playbook=("P-ENG-6",),
    ),
    KindSpec(
        "meetup.attended",
        "A member checked in at the door of an offline event with its code.",
        actor="the member",
        fields=(_MEETUP,),
        playbook=("P-ENG-6",),
    ),
    KindSpec(
        "meetup.reminded",
        "Those going to an offline event were reminded privately (once, remind_hours_before).",
        actor=_OPERATOR,
        actor_required=False,
        fields=(_MEETUP, F("members", Int, "members reminded")),
        playbook=("P-ENG-6",),
    ),
    KindSpec(
        "meetup.held",
        "An offline event ended: who checked in at the door; each of them gets the follow-up.",
        actor=_OPERATOR,
        actor_required=False,
        fields=(
            _MEETUP,
            F("attendees", Int, "members checked in"),
            F("members", List, "their identity keys"),
            F("going", Int, "members who had said yes and had a seat"),
        ),
        playbook=("P-ENG-6",),
    ),
)
