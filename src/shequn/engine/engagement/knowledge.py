"""The Q&A knowledge base: what the reactor, the worker's ``qa.surface`` tick, the CLI and the
API call (P-ENG-3).

Questions and answers are events (``message.posted`` questions and replies, ``qa.asked``,
``qa.answered``); the store folds them into entries. Here: the reaction that gives a fresh
repeated question the answer already given, the tick that surfaces unanswered questions to
the group's leaders, and asking, answering, listing and searching.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from shequn.engine.decisions import Decision, apply, new_ref
from shequn.engine.engagement.best_answer import with_best_answer
from shequn.engine.engagement.qa import (
    Question,
    best_match,
    decide_repeat,
    decide_surface,
    fresh,
    to_markdown,
)
from shequn.errors import NotFound
from shequn.model.blueprint_engagement import DEFAULT_QA_BEST
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.model.text_match import search_terms, similarity
from shequn.store.append import lock_for_decision
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.qa import Entry, candidates, get_entry, leaders_of, list_entries, question_ref
from shequn.store.qa_answers import replies_to

QUESTION_KINDS = frozenset({"message.posted", "qa.asked"})
"""Kinds that may carry a question (the reactor's triggers)."""


def questions_in(events: Sequence[tuple[int, Event]]) -> dict[str, list[Question]]:
    """The questions among recorded events, by community: ``qa.asked``, or a group message
    marked ``is_question`` with its text."""
    out: dict[str, list[Question]] = {}
    for _, e in events:
        if (q := _question(e)) is not None:
            out.setdefault(e.community, []).append(q)
    return out


def fresh_questions(
    conn: Connection, events: Sequence[tuple[int, Event]], now: datetime
) -> dict[str, list[Question]]:
    """The questions among recorded events young enough for an automatic answer (``fresh``),
    by community. Each community's window is read from its blueprint once, and an older
    event is dropped before a :class:`Question` is made of it: an import's questions are
    history, and building one per imported question cost more than the rest of the reactor."""
    since: dict[str, datetime | None] = {}
    out: dict[str, list[Question]] = {}
    for _, e in events:
        if e.kind not in QUESTION_KINDS:
            continue
        community = e.community
        if community not in since:
            since[community] = _oldest_fresh(conn, community, now)
        oldest = since[community]
        if oldest is None or e.occurred_at < oldest:
            continue
        if (q := _question(e)) is not None:
            out.setdefault(community, []).append(q)
    return out


def _oldest_fresh(conn: Connection, community: str, now: datetime) -> datetime | None:
    """The earliest time a fresh question may have been asked (None: no valid blueprint,
    nothing is answered)."""
    try:
        bp = get_blueprint(conn, community)
    except (NotFound, ValueError):
        return None
    return now - timedelta(minutes=bp.engagement.qa.reply_max_age_minutes)


def _question(e: Event) -> Question | None:
    """``e`` as a question, if it is one: ``qa.asked``, or a group message marked
    ``is_question``, with a text."""
    asked = e.kind == "qa.asked"
    if asked or (e.kind == "message.posted" and e.data.get("is_question")):
        text = str(e.data.get("text") or "")
        if text:
            key = question_ref(e.source, e.source_ref)
            return Question(key, e.group, e.actor, text, e.occurred_at, private=asked)
    return None


def answer_repeats(
    conn: Connection, community: str, asked: Sequence[Question], now: datetime
) -> None:
    """Give each fresh question that repeats an answered one the earlier answer — the best
    one by the blueprint's rule, as the knowledge base shows it (the engagement reactor,
    after the batch that recorded them)."""
    try:
        bp = get_blueprint(conn, community)
    except (NotFound, ValueError):
        return
    for question in [x for x in asked if fresh(bp, x, now)]:  # an import asks nothing
        found = candidates(conn, community, search_terms(question.text))
        match = best_match(bp, question, best_answers(conn, community, found))
        apply(conn, decide_repeat(bp, question, match, now))


def surface(store: Store, community: str, now: datetime | None = None) -> int:
    """Send every group's questions unanswered in time to its leaders, once each (the
    ``qa.surface`` tick); returns how many questions were surfaced."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        try:
            bp = get_blueprint(conn, community)
        except (NotFound, ValueError):
            return 0
        if not bp.engagement.qa.enabled:
            return 0
        lock_for_decision(conn)
        done = 0
        for g in bp.groups:
            waiting = list_entries(conn, community, groups=[g.slug], status="open",
                                   unsurfaced=True, limit=200)  # fmt: skip
            if not waiting:
                continue
            decision = decide_surface(bp, g.slug, waiting, leaders_of(conn, community, g.slug), at)
            if decision and apply(conn, decision).new:
                done += len(decision.events)
        return done


def ask(
    store: Store,
    community: str,
    identity: str,
    text: str,
    *,
    group: str | None,
    source: str,
    ref: str | None = None,
    now: datetime | None = None,
) -> Entry:
    """Record a question a member sent to the bot, the API or the CLI (``qa.asked``); a
    repeat of an answered one is answered at once (here, as the reactor would: ``apply``
    does not wake the reactors). ``ref`` makes a re-delivery one."""
    at = now or datetime.now(UTC)
    if group is not None:
        with store.read() as conn:
            get_blueprint(conn, community).group(group)
    event = Event("qa.asked", at, community, source, ref or new_ref(), group=group,
                  actor=identity, data={"text": text})  # fmt: skip
    with store.transaction() as conn:
        result = apply(conn, Decision(events=[event]))
        for _, questions in questions_in(result.new_events).items():
            answer_repeats(conn, community, questions, at)
    return show(store, community, question_ref(source, event.source_ref))


def answer(
    store: Store,
    community: str,
    question: str,
    text: str,
    *,
    source: str,
    answerer: str | None = None,
    answer_ref: str | None = None,
    now: datetime | None = None,
) -> Entry:
    """Give or mark the answer to a question (``qa.answered``): it replaces a reply's answer
    and the question becomes a knowledge-base entry."""
    at = now or datetime.now(UTC)
    known = show(store, community, question)
    data = {"question": question, "text": text, **({"answer": answer_ref} if answer_ref else {})}
    event = Event("qa.answered", at, community, source, new_ref(), group=known.group,
                  actor=answerer, data=data)  # fmt: skip
    with store.transaction() as conn:
        apply(conn, Decision(events=[event]))
    return show(store, community, question)


def show(store: Store, community: str, question: str) -> Entry:
    with store.read() as conn:
        found = get_entry(conn, community, question)
        if found is None:
            raise NotFound(Said("no question {question!r}", question=question), question=question)
        return best_answers(conn, community, [found])[0]


def list_questions(
    store: Store,
    community: str,
    *,
    groups: Sequence[str] | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[Entry]:
    """Questions newest first, each with its best answer; ``status`` "answered" is the
    knowledge base."""
    with store.read() as conn:
        found = list_entries(conn, community, groups=groups, status=status, limit=limit)
        return best_answers(conn, community, found)


def search(
    store: Store,
    community: str,
    text: str,
    *,
    groups: Sequence[str] | None = None,
    limit: int = 10,
) -> list[tuple[Entry, float]]:
    """The knowledge base's entries for ``text`` (Chinese or English), best first: found by
    the full-text index, ranked by how alike the question is (then the answer)."""
    terms = search_terms(text) or [text.strip().lower()]
    with store.read() as conn:
        found = candidates(conn, community, [t for t in terms if t], groups=groups, limit=200)
        found = best_answers(conn, community, found)
    scored = [(e, _score(text, e)) for e in found]
    return sorted(scored, key=lambda x: (-x[1], x[0].asked_at))[:limit]


def export(store: Store, community: str, groups: Sequence[str] | None = None) -> str:
    """The knowledge base as Markdown, in the community's language."""
    with store.read() as conn:
        bp = get_blueprint(conn, community)
        entries = list_entries(conn, community, groups=groups, status="answered", limit=100_000)
        entries = best_answers(conn, community, entries)
    return to_markdown(bp, entries[::-1])  # listed newest first


def best_answers(conn: Connection, community: str, entries: Sequence[Entry]) -> list[Entry]:
    """``entries`` with the answer the blueprint's ``[engagement.qa] best`` rule picks among
    each one's replies and marking (``best_answer.py``)."""
    try:
        rule = get_blueprint(conn, community).engagement.qa.best
    except (NotFound, ValueError):
        rule = DEFAULT_QA_BEST
    replies = replies_to(conn, community, entries)
    return [with_best_answer(rule, e, replies.get(e.question_ref, ())) for e in entries]


def _score(text: str, e: Entry) -> float:
    return round(max(similarity(text, e.question), 0.5 * similarity(text, e.answer or "")), 3)


__all__ = [
    "answer",
    "answer_repeats",
    "ask",
    "best_answers",
    "export",
    "fresh_questions",
    "list_questions",
    "questions_in",
    "search",
    "show",
    "surface",
]
