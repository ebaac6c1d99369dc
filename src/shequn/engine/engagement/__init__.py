"""Engagement (P-ENG): the routines that keep a group alive, one module per topic.

``welcome``   every join path welcomed (P-ENG-1); waves keep their own welcome (entry).
``timeline``  sharing sessions as pure decisions (P-ENG-2); ``sessions`` applies them.
``qa``        the Q&A knowledge base as pure decisions (P-ENG-3); ``knowledge`` applies them.
``streaks``   check-in camps (P-ENG-5); ``checkins`` applies them.

:func:`react` is the chapter's reactor (registered in ``engine/reactions.py``): after each
recorded batch it welcomes the fresh joins and answers fresh repeated questions. Timed steps
are actions with future due times, plus the worker's ticks (``engine/ticks.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection

from shequn.engine.decisions import apply
from shequn.engine.engagement.knowledge import QUESTION_KINDS, answer_repeats, fresh_questions
from shequn.engine.engagement.welcome import Join, decide_welcomes, fresh
from shequn.errors import NotFound
from shequn.model.events import Event
from shequn.store.engagement import last_welcome_ref
from shequn.store.growth_queries import get_blueprint, get_entry
from shequn.store.scope_queries import display_names

TRIGGERS = frozenset({"member.joined"}) | QUESTION_KINDS
"""Kinds that wake the engagement reactor."""

clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731
"""The reactor's "now" (what makes a join fresh); tests replace it with a fake clock."""


def react(conn: Connection, new_events: Sequence[tuple[int, Event]]) -> None:
    """Answer the fresh repeated questions of a recorded batch, and welcome its fresh joins,
    one welcome per group. Questions and joins that are history (imports) are dropped before
    anything but the blueprint is read, so an import costs little."""
    now = clock()
    for community, questions in fresh_questions(conn, new_events, now).items():
        answer_repeats(conn, community, questions, now)
    joined: dict[str, list[Event]] = {}
    for _, e in new_events:
        if e.kind == "member.joined" and e.group and e.actor:
            joined.setdefault(e.community, []).append(e)
    for community, events in joined.items():
        try:
            bp = get_blueprint(conn, community)
        except (NotFound, ValueError):
            continue  # no (valid) blueprint: no groups to welcome into
        joins = [Join(str(e.actor), str(e.group), e.occurred_at) for e in events]
        joins = [j for j in joins if fresh(bp, j, now)]
        if not joins:
            continue
        joins = [
            Join(j.identity, j.group, j.at, _waved(conn, community, j.group, j.identity))
            for j in joins
        ]
        groups = {j.group for j in joins if bp.engagement.welcome_for(j.group).clean}
        previous = {g: last_welcome_ref(conn, community, g) for g in groups}
        names = display_names(conn, community, [j.identity for j in joins])
        apply(conn, decide_welcomes(bp, joins, now, previous, names))


def _waved(conn: Connection, community: str, group: str, identity: str) -> bool:
    entry = get_entry(conn, community, group, identity)
    return entry is not None and entry.wave is not None


__all__ = ["TRIGGERS", "react"]
