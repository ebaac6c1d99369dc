"""The content calendar: what the CLI and the worker's ``calendar.release`` tick call
(P-CHN-2). Decisions are ``calendar_rules.py``'s; one-off posts are read back from the log
(``post.planned``), recurring ones from the blueprint.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from shequn.engine.decisions import apply, new_ref
from shequn.engine.engagement import content_entries
from shequn.engine.engagement.calendar_rules import (
    Post,
    days,
    decide_plan,
    decide_release,
    decide_reminders,
    planned,
    rhythm,
)
from shequn.engine.engagement.timeline import aware
from shequn.store.append import lock_for_decision
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.rules_queries import events_by


def add_post(
    store: Store,
    community: str,
    *,
    channel: str,
    at: datetime,
    text: str,
    group: str | None = None,
    ad: bool = False,
    post: str | None = None,
    actor: str | None = None,
    entry: str | None = None,
    now: datetime | None = None,
) -> tuple[Post, bool]:
    """Plan a one-off post; ``(post, new)`` — the same ``post`` id twice is one post. With
    ``entry`` (a content entry, P-CHN-3) the text ends with the entry's live-code link, so the
    joins through the post count for that piece."""
    moment = now or datetime.now(UTC)
    if entry is not None:
        text = f"{text}\n{content_entries.show(store, community, entry).link_url}"
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        one = Post(post or new_ref()[:12], channel, aware(bp, at), text, group, ad)
        new = apply(conn, decide_plan(bp, one, moment, actor, entry)).new > 0
        return one, new


def release(store: Store, community: str, now: datetime | None = None) -> int:
    """The ``calendar.release`` tick: today's recurring posts whose time has come, once a
    day each, and the operator's early reminders of those coming; returns how many of both."""
    moment = now or datetime.now(UTC)
    with store.read() as conn:
        bp = get_blueprint(conn, community)
    decisions = [*decide_reminders(bp, moment), *decide_release(bp, moment)]
    if not decisions:
        return 0
    with store.transaction() as conn:
        lock_for_decision(conn)
        return sum(apply(conn, d).new for d in decisions)


def agenda(
    store: Store, community: str, first: date | None = None, count: int = 7
) -> list[tuple[date, list[Post], list[str]]]:
    """Each local day from ``first`` (today): its posts and what it gets wrong against the
    rhythm (``rhythm``)."""
    with store.read() as conn:
        bp = get_blueprint(conn, community)
        one_offs = planned(e for _, e in events_by(conn, community, ("post.planned",)))
    start = first or datetime.now(ZoneInfo(bp.community.timezone)).date()
    return [(d, posts, rhythm(bp, posts)) for d, posts in days(bp, one_offs, start, count).items()]
