"""The reactors: what the engine does after each recorded batch, in the same transaction.

One explicit tuple instead of a chain (``record → entry → fission → …``): each playbook
chapter registers one reactor — the event kinds that wake it and a ``react(conn, new_events)``
function — and none calls another, so rules, engagement and money plug in beside entry
rather than inside it. A reactor decides with its pure rules and applies its decisions itself,
because some of them read their own earlier writes in the batch (fission's rewards count the
referrals it just flagged); it returns nothing. The events a reactor records do not wake the
reactors again: every follow-up a chapter needs from its own decisions it takes itself.

Not import-time decorators: the order is visible here, and adding a reactor is one line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from shequn.engine.engagement import TRIGGERS as ENGAGEMENT_TRIGGERS
from shequn.engine.engagement import react as engagement_react
from shequn.engine.entry import TRIGGERS as ENTRY_TRIGGERS
from shequn.engine.entry import after_record as entry_after_record
from shequn.engine.money import TRIGGERS as MONEY_TRIGGERS
from shequn.engine.money import react as money_react
from shequn.engine.platform_roles import TRIGGERS as ORGANIZATION_TRIGGERS
from shequn.engine.platform_roles import react as organization_react
from shequn.engine.rules.react import TRIGGERS as RULES_TRIGGERS
from shequn.engine.rules.react import after_record as rules_after_record
from shequn.model.events import Event

React = Callable[[Connection, Sequence[tuple[int, Event]]], None]
"""``react(conn, new_events)``: ``new_events`` are ``(event id, event)`` pairs just stored."""


@dataclass(frozen=True, slots=True)
class Reactor:
    """A chapter's reaction: ``name`` for logs and tests, the kinds that wake it, the call."""

    name: str
    triggers: frozenset[str]
    react: React


REACTORS: tuple[Reactor, ...] = (
    Reactor("entry", ENTRY_TRIGGERS, entry_after_record),
    Reactor("rules", RULES_TRIGGERS, rules_after_record),
    Reactor("engagement", ENGAGEMENT_TRIGGERS, engagement_react),
    Reactor("money", MONEY_TRIGGERS, money_react),
    Reactor("organization", ORGANIZATION_TRIGGERS, organization_react),
)
"""The registered reactors, in the order they run (entry first: a join it records is then
checked against the community's ban list by the rules)."""


def react(conn: Connection, new_events: Sequence[tuple[int, Event]]) -> None:
    """Run every reactor some of ``new_events`` wake (called by ``record`` and by engine
    functions that record facts outside it, e.g. merges)."""
    if not new_events:
        return
    kinds = {e.kind for _, e in new_events}
    for reactor in REACTORS:
        if kinds & reactor.triggers:
            reactor.react(conn, new_events)


__all__ = ["REACTORS", "React", "Reactor", "react"]
