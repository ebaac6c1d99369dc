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
    from shequn.engine.motions_rules import announce_open, decide_close
    from shequn.engine.organization_rules import decide_progress, offer_task, tell_level
    from shequn.model.org_state import Motion, OrgState, OrgTask

    task = OrgTask("t1", wx("a"), "回答 5 个提问", T0, T0 + timedelta(days=7), "answer", 5)
    state = OrgState(tasks={"t1": task})
    motion = Motion("m1", COMMUNITY, "main", wx("a"), "每周六分享", T0, seconded_at=T0)
    actions = [tell_level(bp, wx("a"), 1, T0), offer_task(bp, task, T0)]
    actions += decide_progress(bp, state, {}, T0 + timedelta(days=8)).actions  # reminder
    actions += [announce_open(bp, motion, T0)]
    actions += decide_close(bp, motion, {wx("a")}, T0 + timedelta(days=3)).actions
    actions += election_messages(bp)
    return [a for a in actions if a.kind == "message.send"]


def election_messages(bp: Blueprint) -> list[Action]:
    """The election's announcement, result and term's end, from its pure rules."""
    from shequn.engine import elections_rules as rules
    from shequn.model.org_state import Election

    el = Election("e1", COMMUNITY, "main", "manager", T0, T0 + DAY * 3, T0 + DAY * 5)
    el.nominees, el.accepted = {wx("a"): T0}, {wx("a")}
    el.ballots = {wx("b"): (wx("a"), T0 + DAY * 4)}
    closed = rules.decide_close(bp, el, {wx("b")}, {}, T0 + DAY * 5).actions
    el.winners, el.term_until = [wx("a")], T0 + DAY * 30
    holds = {(wx("a"), "main"): "manager"}
    ended = rules.decide_term_ends(bp, [el], holds, T0 + DAY * 30).actions
    return [rules.announce_open(bp, el, T0), *closed, *ended]


DAY = timedelta(days=1)

__all__ = ["busy_member", "election_messages", "ev", "org_messages"]
