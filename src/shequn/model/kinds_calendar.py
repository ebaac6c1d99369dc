"""Event kinds of the content calendar (P-CHN-2): a one-off post planned, and a recurring post
of the blueprint released on its day (to the group, or to the operator as a task), and the
operator's early reminder before it."""

from __future__ import annotations

from shequn.model.kindspec import Bool, KindSpec, Str
from shequn.model.kindspec import DataField as F

_POST = (
    F("post", Str, "the post's name ([[engagement.calendar.posts]]) or planned id", required=True),
    F("channel", Str, "personal, moments, official or group",
      choices=("personal", "moments", "official", "group")),
    F("at", Str, "ISO 8601 time it is due"),
    F("ad", Bool, "advertising (counted against max_ad_share)"),
)  # fmt: skip

CALENDAR_KINDS: tuple[KindSpec, ...] = (
    KindSpec(
        "post.planned",
        "A one-off post of the operator's was put on the content calendar; its action is due "
        "at its time (P-CHN-2).",
        actor="the operator who did it; absent when unknown",
        actor_required=False,
        group_required=False,
        fields=(*_POST, F("text", Str, "what is posted", required=True)),
        playbook=("P-CHN-2",),
    ),
    KindSpec(
        "post.released",
        "A recurring post of the calendar came due today and was handed to the worker "
        "(once a local day per post).",
        actor="the operator who did it; absent when unknown",
        actor_required=False,
        group_required=False,
        fields=(*_POST, F("day", Str, "the community's local day, YYYY-MM-DD", required=True)),
        playbook=("P-CHN-2",),
    ),
    KindSpec(
        "post.reminded",
        "The operator was told a recurring post of theirs is due in remind_hours_before hours, "
        "to get it ready (once a local day per post).",
        actor="the operator who did it; absent when unknown",
        actor_required=False,
        group_required=False,
        fields=(*_POST, F("day", Str, "the community's local day, YYYY-MM-DD", required=True)),
        playbook=("P-CHN-2",),
    ),
)
