"""Shortcuts for the organization tests (and for test_templates, which needs every message the
pyramid's engine can decide)."""

from __future__ import annotations

from datetime import datetime, timedelta

from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event
from tests.growth_helpers import COMMUNITY, T0, wx

_n = iter(range(10**9))


def ev(
    kind: str, at: datetime, actor: str | None = None, *, subject: str | None = None, **data: object
) -> Event:
    """A platform event in group ``main`` with a fresh ``source_ref``."""
    return Event(
        kind,
        at,
        COMMUNITY,
        "bot",
        f"r{next(_n)}",
        group="main",
        actor=actor,
        subject=subject,
        data=data,
    )


def busy_member(name: str, days: int, start: datetime = T0) -> list[Event]:
    """``name`` joins at ``start`` and, each of ``days`` days, answers a question by ``q``
    and replies to a remark by ``q`` (one answer and one reply a day)."""
    who, asker = wx(name), wx("q")
    out = [ev("member.joined", start, who), ev("member.joined", start, asker)]
    for d in range(days):
        day = start + timedelta(days=d, hours=1)
        question = ev("message.posted", day, asker, is_question=True)
        remark = ev("message.posted", day, asker)
        out += [
            question,
            remark,
            ev("message.posted", day + timedelta(minutes=5), who, reply_to=question.source_ref),
            ev("message.posted", day + timedelta(minutes=6), who, reply_to=remark.source_ref),
        ]
    return out


def org_messages(bp: Blueprint) -> list[Action]:
    """One of every message the pyramid's engine decides, from its pure rules."""
    from shequn.engine.organization_rules import tell_level

    actions = [tell_level(bp, wx("a"), 1, T0)]
    return [a for a in actions if a.kind == "message.send"]


__all__ = ["busy_member", "ev", "org_messages"]
