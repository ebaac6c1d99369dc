"""The Q&A knowledge base in the store (P-ENG-3): its projection and its searches.

A question is a ``message.posted`` the importers or a bot marked ``is_question`` (with its
text), or a ``qa.asked`` (a question sent to the bot, the API or the CLI); its key is the
message's ``source|source_ref``. Answers, in order of authority:

- a reply (``data.reply_to`` naming the question's message, same source) by someone other
  than the asker — the first such reply answers an open question;
- a manager's or group leader's ``qa.answered``, which replaces any reply (the latest
  marking wins);
- ``qa.repeated``: the engine gave a repeated question the answer of an earlier one.

Answered questions are the knowledge base. A reply recorded before its question (an import
out of order) answers nothing; ``rebuild`` replays in log order, so it reproduces what live
appends built. The text index is SQLite FTS5 (trigram tokenizer) or PostgreSQL pg_trgm; both
look up substrings, which is what Chinese (no spaces) needs. :mod:`shequn.model.text_match`
ranks what they find.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, literal_column, or_, select, text, update

from shequn.model.events import Event
from shequn.store import bulk, raw
from shequn.store import tables as t
from shequn.store.queries import like_pattern
from shequn.store.sql import chunks

if TYPE_CHECKING:
    from shequn.store.projections import Projector

q = t.qa_entries.c


def question_ref(source: str, ref: str) -> str:
    """The key of a question: the message that asked it."""
    return f"{source}|{ref}"


def fold_messages(p: Projector, events: Sequence[tuple[int, Event]]) -> None:
    """Questions and replies among a batch's ``message.posted``: a statement per kind of row,
    not per message, so a big import stays cheap. The rows go straight to the driver
    (``store/raw.py``): SQLAlchemy's per-row parameter processing cost more than the insert."""
    asked, replies = [], []
    when = raw.time_binder(p.conn)
    for _, e in events:
        if e.kind != "message.posted":
            continue
        data = e.data
        text = data.get("text")
        if not text:
            continue
        if data.get("is_question"):
            asked.append(_question(p, e, str(text), when))
        elif data.get("reply_to") and e.actor:
            key = question_ref(e.source, str(data["reply_to"]))
            replies.append((str(text), e.actor, question_ref(e.source, e.source_ref),
                            when(e.occurred_at), key, e.actor))  # fmt: skip
    _ask(p, asked)
    if replies:  # most replies answer no question: update only those that do
        questions = _open(p, {r[4] for r in replies})
        answers = [(*r[:4], p.community_id, *r[4:]) for r in replies if r[4] in questions]
        firsts = _first_answers(answers, questions)
        if p.conn.dialect.name == "postgresql" and len(firsts) >= bulk.UNNEST_FROM:
            _answer_at_once(p, firsts)
        else:
            _answer(p, answers, sorted({questions[a[5]][0] for a in answers}))


def _question(
    p: Projector, e: Event, text: str, when: Callable[[datetime], Any]
) -> tuple[Any, ...]:
    return (p.community_id, p.group_id(e.community, e.group),
            question_ref(e.source, e.source_ref), e.actor, text, when(e.occurred_at))  # fmt: skip


def _ask(p: Projector, questions: list[tuple[Any, ...]]) -> None:
    """Insert questions (one asked before is left as it is). On SQLite the text index is
    fed here, with the rows this statement inserted (migration 0160 says why): the write
    lock is held, so they are the rows past the previous highest id."""
    if not questions:
        return
    if p.conn.dialect.name == "postgresql":
        if len(questions) < bulk.UNNEST_FROM:
            raw.run_many(p.conn, _ASK + " ON CONFLICT DO NOTHING", questions)
        else:  # an import's thousands: one statement, not one per row (session 35)
            bulk.run_columns(p.conn, _PG_ASK, questions)
        return
    before = raw.first(p.conn, "SELECT coalesce(max(id), 0) FROM qa_entries")
    raw.run_many(p.conn, _ASK.replace("INSERT", "INSERT OR IGNORE", 1), questions)
    raw.run(p.conn, _INDEX, (before[0] if before else 0,))


_ASK = (
    "INSERT INTO qa_entries (community_id, group_id, question_ref, asker, question, asked_at, "
    "status) VALUES (?, ?, ?, ?, ?, ?, 'open')"
)
_PG_ASK = (
    "INSERT INTO qa_entries (community_id, group_id, question_ref, asker, question, asked_at, "
    "status) SELECT c, g, r, a, q, t, 'open' FROM unnest(%b::integer[], %b::integer[], "
    "%b::text[], %b::text[], %b::text[], %b::timestamptz[]) AS u(c, g, r, a, q, t) "
    "ON CONFLICT DO NOTHING"
)
""":data:`_ASK` for many rows on PostgreSQL: ``unnest`` yields them in the order given, so
the ids and which of two rows of one question is kept are those of the ``executemany``."""
_INDEX = (
    "INSERT INTO qa_search (rowid, question, answer) "
    "SELECT id, question, coalesce(answer, '') FROM qa_entries WHERE id > ?"
)
_ANSWER = (
    "UPDATE qa_entries SET status = 'answered', answer = ?, answerer = ?, answer_ref = ?, "
    "answered_at = ?, answered_by = 'reply' WHERE community_id = ? AND question_ref = ? "
    "AND status = 'open' AND (asker IS NULL OR asker != ?)"
)
"""The first reply by someone else answers an open question."""


def _open(p: Projector, keys: set[str]) -> dict[str, tuple[int, str | None]]:
    """Which of ``keys`` are open questions of the community, with their ids and askers (a
    query per chunk)."""
    found: dict[str, tuple[int, str | None]] = {}
    for part in chunks(sorted(keys)):
        # an import fills qa_entries as it asks: a plan kept from its start scans it whole
        for ref, id_, asker in raw.rows(p.conn, _OPEN, [p.community_id, part], plan_each=True):
            found[ref] = (id_, asker)
    return found


_OPEN = (
    "SELECT question_ref, id, asker FROM qa_entries "
    "WHERE community_id = ? AND question_ref IN (?*) AND status = 'open'"
)


def _first_answers(
    answers: list[tuple[Any, ...]], questions: dict[str, tuple[int, str | None]]
) -> list[tuple[Any, ...]]:
    """What :data:`_ANSWER` run once per reply, in order, leaves: the first reply to each open
    question by someone other than its asker, as (id, answer, answerer, answer_ref,
    answered_at). ``questions`` were read in this transaction under the appenders' lock, and
    nothing writes them before the answers go in."""
    first: dict[str, tuple[Any, ...]] = {}
    for text_, actor, ref, at, _community, key, _actor in answers:
        id_, asker = questions[key]
        if key not in first and (asker is None or asker != actor):
            first[key] = (id_, text_, actor, ref, at)
    return list(first.values())


def _answer_at_once(p: Projector, firsts: list[tuple[Any, ...]]) -> None:
    """PostgreSQL, an import's many answers: one ``UPDATE`` joined by id to one array per
    column, where the ``executemany`` of :data:`_ANSWER` cost the server ~150 µs a reply in
    statement overhead (session 37). Planned for these values each time (not prepared): a
    plan made while ``qa_entries`` was small could hash the whole table (session 35)."""
    bulk.run_columns(p.conn, _PG_ANSWER, firsts, plan_each=True)


_PG_ANSWER = (
    "UPDATE qa_entries AS e SET status = 'answered', answer = u.a, answerer = u.w, "
    "answer_ref = u.r, answered_at = u.t, answered_by = 'reply' "
    "FROM unnest(%b::integer[], %b::text[], %b::text[], %b::text[], %b::timestamptz[]) "
    "AS u(i, a, w, r, t) WHERE e.id = u.i AND e.status = 'open'"
)


def _answer(p: Projector, answers: list[tuple[Any, ...]], ids: list[int]) -> None:
    """Replies answer open questions (``ids``: the questions they name). On SQLite the text
    index is fed here by statement, not by the update trigger per row (migration 0255 says
    why): each question's indexed form is taken out before the ``UPDATE`` and put back after,
    so a question no reply answered (the asker's own) goes back as it was."""
    sqlite = p.conn.dialect.name == "sqlite"
    if sqlite:
        for part in chunks(ids):
            raw.run(p.conn, _UNINDEX, [part])
    raw.run_many(p.conn, _ANSWER, answers)
    if sqlite:
        for part in chunks(ids):
            raw.run(p.conn, _REINDEX, [part])


_UNINDEX = (
    "INSERT INTO qa_search (qa_search, rowid, question, answer) "
    "SELECT 'delete', id, question, coalesce(answer, '') FROM qa_entries WHERE id IN (?*)"
)
_REINDEX = (
    "INSERT INTO qa_search (rowid, question, answer) "
    "SELECT id, question, coalesce(answer, '') FROM qa_entries WHERE id IN (?*)"
)


def _asked(p: Projector, _id: int, e: Event) -> None:
    _ask(p, [_question(p, e, str(e.data["text"]), raw.time_binder(p.conn))])


def _where(p: Projector, e: Event, key: str) -> Any:
    return and_(q.community_id == p.communities[e.community], q.question_ref == str(e.data[key]))


def _answered(p: Projector, _id: int, e: Event) -> None:
    newer = or_(q.answered_by.is_(None), q.answered_by != "marked", q.answered_at <= e.occurred_at)
    values = {"status": "answered", "answer": str(e.data["text"]), "answerer": e.actor,
              "answer_ref": e.data.get("answer"), "answered_at": e.occurred_at,
              "answered_by": "marked", "same_as": None}  # fmt: skip
    p.conn.execute(update(t.qa_entries).where(_where(p, e, "question"), newer).values(values))


def _repeated(p: Projector, _id: int, e: Event) -> None:
    entry = p.conn.execute(select(q.answer, q.answerer).where(_where(p, e, "same_as"))).first()
    if entry is None or entry.answer is None:
        return
    values = {
        "status": "repeated",
        "answer": entry.answer,
        "answerer": entry.answerer,
        "answered_at": e.occurred_at,
        "answered_by": "kb",
        "same_as": e.data["same_as"],
    }
    still_open = and_(_where(p, e, "question"), q.status == "open")
    p.conn.execute(update(t.qa_entries).where(still_open).values(values))


def _surfaced(p: Projector, _id: int, e: Event) -> None:
    unset = and_(_where(p, e, "question"), q.surfaced_at.is_(None))
    p.conn.execute(update(t.qa_entries).where(unset).values(surfaced_at=e.occurred_at))


HANDLERS: dict[str, Callable[[Projector, int, Event], None]] = {
    "qa.asked": _asked,
    "qa.answered": _answered,
    "qa.repeated": _repeated,
    "qa.surfaced": _surfaced,
}
"""Folded into ``Projector``'s rare-kind handlers (``message.posted`` goes through
:func:`fold_messages`, once per batch)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One question and, once answered, its answer."""

    question_ref: str
    group: str | None
    asker: str | None
    question: str
    asked_at: datetime
    status: str
    answer: str | None
    answerer: str | None
    answered_by: str | None
    same_as: str | None
    surfaced_at: datetime | None
    answered_at: datetime | None = None
    answer_ref: str | None = None  # the answering message's source|source_ref, when one

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question_ref, "group": self.group, "asker": self.asker,
            "text": self.question, "asked_at": self.asked_at.isoformat(), "status": self.status,
            "answer": self.answer, "answerer": self.answerer, "answered_by": self.answered_by,
            "same_as": self.same_as,
            "surfaced_at": self.surfaced_at.isoformat() if self.surfaced_at else None,
        }  # fmt: skip


def _query(community: str) -> Any:
    c, g = t.communities.c, t.groups.c
    return (
        select(q.question_ref, g.slug, q.asker, q.question, q.asked_at, q.status, q.answer)
        .add_columns(q.answerer, q.answered_by, q.same_as, q.surfaced_at, q.answered_at)
        .add_columns(q.answer_ref)
        .join_from(t.qa_entries, t.communities, c.id == q.community_id)
        .outerjoin(t.groups, g.id == q.group_id)
        .where(c.slug == community)
    )


def _in(query: Any, groups: Sequence[str] | None) -> Any:
    return query if groups is None else query.where(t.groups.c.slug.in_(list(groups)))


def get_entry(conn: Connection, community: str, key: str) -> Entry | None:
    row = conn.execute(_query(community).where(q.question_ref == key)).first()
    return Entry(*row) if row else None


def list_entries(
    conn: Connection,
    community: str,
    *,
    groups: Sequence[str] | None = None,
    status: str | None = None,
    asked_between: tuple[datetime, datetime] | None = None,
    unsurfaced: bool = False,
    limit: int = 100,
) -> list[Entry]:
    """Questions, newest first."""
    query = _in(_query(community), groups).order_by(q.asked_at.desc(), q.id.desc()).limit(limit)
    if status is not None:
        query = query.where(q.status == status)
    if asked_between is not None:
        query = query.where(q.asked_at >= asked_between[0], q.asked_at < asked_between[1])
    if unsurfaced:
        query = query.where(q.surfaced_at.is_(None))
    return [Entry(*row) for row in conn.execute(query)]


def candidates(
    conn: Connection,
    community: str,
    terms: Sequence[str],
    *,
    groups: Sequence[str] | None = None,
    limit: int = 50,
) -> list[Entry]:
    """Answered entries whose question or answer contains one of ``terms`` (substrings),
    found through the full-text index: FTS5 trigram on SQLite, pg_trgm on PostgreSQL. Terms
    shorter than three characters have no trigram and are matched by a plain scan."""
    if not terms:
        return []
    # A literal, not a parameter: PostgreSQL's text indexes hold answered entries only
    # (migration 0300), and a plan can use them only where the query names that status.
    answered = q.status == literal_column("'answered'")
    query = _in(_query(community), groups).where(answered).limit(limit)
    long, short = [x for x in terms if len(x) >= 3], [x for x in terms if len(x) < 3]
    found: list[Any] = [_plain(x) for x in short]
    if long and conn.dialect.name == "sqlite":
        match = " OR ".join('"' + x.replace('"', '""') + '"' for x in long)
        hits = text("SELECT rowid FROM qa_search WHERE qa_search MATCH :m").bindparams(m=match)
        found.append(q.id.in_(hits.columns(rowid=t.qa_entries.c.id.type)))
    else:
        found += [_plain(x) for x in long]
    return [Entry(*row) for row in conn.execute(query.where(or_(*found)))]


def _plain(term: str) -> Any:
    pattern = like_pattern(term)
    return or_(q.question.ilike(pattern, escape="\\"), q.answer.ilike(pattern, escape="\\"))


def leaders_of(conn: Connection, community: str, group: str) -> list[str]:
    """Who hears of the group's unanswered questions: its group leaders, or, when it has
    none, the managers of the group or of the whole community."""
    r, i, g, c = t.roles.c, t.identities.c, t.groups.c, t.communities.c
    rows = conn.execute(
        select(i.key, r.role, g.slug)
        .join_from(t.roles, t.identities, i.id == r.identity_id)
        .join(t.communities, c.id == r.community_id)
        .outerjoin(t.groups, g.id == r.group_id)
        .where(c.slug == community, r.role.in_(("group_leader", "manager")))
        .where(or_(g.slug == group, r.group_id.is_(None)))
    ).all()
    leaders = sorted(k for k, role, slug in rows if role == "group_leader" and slug == group)
    return leaders or sorted(k for k, role, _ in rows if role == "manager")


__all__ = [
    "HANDLERS",
    "Entry",
    "candidates",
    "fold_messages",
    "get_entry",
    "leaders_of",
    "list_entries",
]
