"""Event kinds of the content calendar (P-CHN-2): a one-off post planned, and a recurring post
of the blueprint released on its day (to the group, or to the operator as a task), and the
operator's early reminder before it; and a content entry (P-CHN-3): an article or page whose
footer carries the group's live code, so the joins through it are the piece's."""

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
        fields=(
            *_POST,
            F("text", Str, "what is posted", required=True),
            F("entry", Str, "the content entry whose live-code link the text carries"),
        ),
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
    KindSpec(
        "content.entry_created",
        "A piece of content (an article, a page) got its entry: a live code of its own into "
        "the group (link.created with channel content:<entry>), printed in its footer, so "
        "every join through it is attributed to the piece (P-CHN-3).",
        actor="the operator who did it; absent when unknown",
        actor_required=False,
        fields=(
            F("entry", Str, "the entry's id (default: from its URL)", required=True),
            F("title", Str, "the piece's title", required=True),
            F("url", Str, "where the piece is published", required=True),
            F("link", Str, "the code of its live code", required=True),
            F("channel", Str, "the join channel its joins carry: content:<entry>"),
        ),
        playbook=("P-CHN-3",),
    ),
)
