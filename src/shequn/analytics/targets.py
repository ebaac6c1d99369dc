"""What a reply or reaction keeps of the message it names, resolved at sync.

A reply (``message.posted`` with a ``reply_to``) or reaction (``message.reacted``) keeps the
message it names' ``to_id``, ``to_person`` and ``to_question`` (``analytics/materialise.py``).
Each message carries ``ref_key``, a 128-bit digest of (community, source, ``source_ref``)
(:func:`digest`); a reply or reaction names the digest :func:`to_key` (of its ``reply_to`` or
``target``), computed when it is resolved and kept only while its message is missing (in
``unresolved``): ``ev`` does not store it, as nothing reads it after the sync that resolves it
(docs/scale.md, *The sync, seventh pass*).

How it is resolved, and why (docs/scale.md, *The sync, fifth pass*): the new rows go into
``ev`` first with those three columns null, straight from the derivation; then only the rows
whose message was found are updated, by id. Joining the batch to the messages inside the
INSERT built the join's hash table on the batch — every derived column carried through it —
and that, not reading the messages, was what resolving cost (about +0.18 CPU s per 100k
events at 1M, +0.10 now). An ART index on ``ref_key`` (DuckDB's joins do not use it) and a
table ordered by ``ref_key`` (a digest: every row group holds some key named) were measured
and do not help (docs/scale.md, *The sync, sixth pass*).

Where the messages are looked for (docs/scale.md, *The sync, eighth pass*): reading every
message's ``ref_key`` at each sync grew with the log (0.07 CPU s of a 100k batch onto 2M
events, 0.28 onto 10M). A reply nearly always names a recent message, so a sync looks first
among the messages of :data:`WINDOW` before its earliest event, where DuckDB's zone maps on
``occurred_at`` skip the older row groups; only the keys not found there, and not already
known to be missing (:data:`_REST`: waiting in ``unresolved``, or naming an event of the
window that is no message), are looked for in the rest of the log, ids only.

A reply or reaction whose message is not in the log yet is kept in ``unresolved`` (its id
and :func:`to_key`): a later sync joins only those against its own new messages (``fresh``,
the side its hash table is built on: ``unresolved`` grows with the log), where the layout
before scanned ``ev`` for every row still unresolved; it reads ``unresolved`` once, for those
and for its own names already waited for (:data:`_WAITING`). ``unresolved`` is derived from
``ev`` alone (:func:`rebuild`), so a replica written before it gets it on first open.
"""

from __future__ import annotations

from typing import Any


def digest(ref: str, row: str = "") -> str:
    """SQL: the digest of (community, source, ``ref``) of a row (columns prefixed ``row``), the
    text lengths-prefixed so that different triples never read as the same: ``md5_number`` of
    ``<len>:<community><len>:<source>:<ref>``; null when ``ref`` is. One ``concat`` for the
    prefix, not a chain of ``||``: a third of what a digest cost (docs/scale.md)."""
    prefix = f"concat(length({row}community), ':', {row}community, length({row}source), ':', "
    return f"md5_number({prefix}{row}source, ':') || {ref})"


def named(row: str = "") -> str:
    """SQL: the ``source_ref`` a reply (``reply_to``) or reaction (``target``) names; null for
    other rows."""
    return (
        f"CASE {row}kind WHEN 'message.posted' THEN {row}reply_to "
        f"WHEN 'message.reacted' THEN {row}target END"
    )


def to_key(row: str = "") -> str:
    """SQL: the digest of the message a reply or reaction names (:func:`named`), as
    :func:`digest` gives a message's ``ref_key``; null for other rows."""
    return digest(named(row), row)


SCHEMA = "CREATE TABLE IF NOT EXISTS unresolved (id BIGINT NOT NULL, to_key UHUGEINT NOT NULL)"

NULLS = "NULL::BIGINT AS to_id, NULL::VARCHAR AS to_person, NULL::BOOLEAN AS to_question"
"""The three columns as a new row is inserted, before :func:`resolve`."""

_NAMED = f"""
CREATE OR REPLACE TEMP TABLE named AS
SELECT id, community, source, {named()} AS name, {to_key()} AS to_key FROM ev
WHERE id >= $lo AND to_id IS NULL AND (reply_to IS NOT NULL OR target IS NOT NULL)
"""  # noqa: S608  # fixed fragments
"""This sync's rows (ids from ``$lo``: the batch, and older unresolved ones of the overlap
window) that name a message (a pinned message names one in ``target`` too: its key is null),
with the name itself (:data:`_REST`)."""

WINDOW = "INTERVAL 7 DAY"
"""How far before a sync's earliest event its replies and reactions are first looked for: a
reply nearly always names a recent message, and ``ev`` holds rows in time order (a sync's
small batch is appended as it comes, a large one sorted by time within community and kind),
so DuckDB's zone maps on ``occurred_at`` skip every older row group. Only the keys not found
there are looked for in the rest of the log (:func:`resolve`). The window changes what a
sync reads, never what it finds."""

_FRESH = """
CREATE OR REPLACE TEMP TABLE fresh AS
SELECT ref_key, id FROM ev WHERE id >= $lo AND kind = 'message.posted'
"""
"""This sync's messages' keys: a table of its own, so that the join with ``unresolved`` (which
grows with the log) builds its hash table on them and only scans ``unresolved``."""

_FOUND = """
CREATE OR REPLACE TEMP TABLE found AS
SELECT a.id, t.id AS to_id, t.person AS to_person, t.is_question AS to_question
FROM named a JOIN ev t ON t.ref_key = a.to_key
WHERE t.kind = 'message.posted' AND t.occurred_at >= $since
"""
"""This sync's rows naming a message (``named``) whose message is in the window (from
``$since``, :data:`WINDOW`), filled. ``to_person`` is the message's ``person``: its author
with merges applied, current because merges are applied before a batch is derived
(``replica.settle``). Reading ``person`` alone, not the author's identity and community to
resolve it through ``merged`` again, is what the fetch of the messages found costs least
(docs/scale.md, *The sync, seventh pass*)."""

_CANDIDATES = """
CREATE OR REPLACE TEMP TABLE rest AS
SELECT n.* FROM named n ANTI JOIN found f ON f.id = n.id WHERE n.to_key IS NOT NULL
"""
"""This sync's rows naming a message not found in the window (:data:`_REST` narrows them)."""

_WAITING = """
CREATE OR REPLACE TEMP TABLE waiting AS
SELECT u.id, u.to_key FROM unresolved u
SEMI JOIN (SELECT ref_key AS k FROM fresh UNION ALL SELECT to_key FROM rest) k ON k.k = u.to_key
"""
"""The rows of ``unresolved`` whose key is one of this sync's messages' (:data:`_LATE`) or one
of ``rest``'s (:data:`_REST`): ``unresolved`` grows with the log (771k rows onto the 10M bench
log), and this reads it once, with the hash table on this sync's keys and their Bloom filter
pushed into its scan, where the two lookups scanned it once each (docs/scale.md, *Session
37, sync6*)."""

_LATE = """
CREATE OR REPLACE TEMP TABLE late AS
SELECT w.id, f.id AS to_id FROM waiting w JOIN fresh f ON f.ref_key = w.to_key
WHERE w.id < $lo
"""
"""Older unresolved rows (ids below ``$lo``) whose message came in this sync: ids only, the
message's columns fetched by :data:`_LATE_FOUND` for the (usually no) rows found."""

_REST = """
CREATE OR REPLACE TEMP TABLE rest AS
SELECT r.* FROM rest r ANTI JOIN waiting w ON w.to_key = r.to_key
"""
"""This sync's rows whose message was not in the window and may be older. A key some row of
``unresolved`` already names is not: no message in ``ev`` had it when that row was kept, any
message with it since would have resolved that row, and this sync's own messages are all in
the window. So a reply to a message the log never had costs the rest of the log once, not
at every sync that brings another reply to it. Nor is a name that is an event of the window
other than a message (a reaction to a join, a check-in, a service notice; dropped by
:data:`_NO_MESSAGE`): ``(source, source_ref)`` is unique in the log, so no message can ever
have it. Looking for those in the window costs 12 ms onto 10M events where the rest of the
log cost 65 (docs/scale.md, *The sync, ninth pass*)."""

_NO_MESSAGE = """
CREATE OR REPLACE TEMP TABLE rest AS
SELECT r.* FROM rest r
ANTI JOIN (SELECT community, source, source_ref FROM ev WHERE occurred_at >= $since) w
    ON w.source_ref = r.name AND w.source = r.source AND w.community = r.community
"""
"""Of :data:`_REST`, the names that are no event of the window (``w``): one that is, and is
no message (else :data:`_FOUND` had it), can never name one (:data:`_REST`). Only run when
``rest`` holds rows: a sync whose replies all found their message reads no more."""

_OLDER = """
INSERT INTO late
SELECT r.id, t.id FROM rest r JOIN ev t ON t.ref_key = r.to_key
WHERE t.kind = 'message.posted' AND t.occurred_at < $since
"""
"""The rows of ``rest`` whose message is older than the window: ids only. Fetching the
message's ``person`` in the same scan decodes it for every row the join's Bloom filter lets
through (0.20 against 0.07 CPU s at 10M events); by id afterwards, only for those found."""

_LATE_FOUND = """
INSERT INTO found
SELECT l.id, t.id, t.person, t.is_question FROM late l JOIN ev t ON t.id = l.to_id
"""


def create(con: Any, fresh: bool) -> None:
    """Create ``unresolved``; when it is new beside an ``ev`` that holds rows (a replica of the
    layout before it), fill it from ``ev``. ``fresh``: ``ev`` was just made, so any old
    ``unresolved`` is dropped first."""
    if fresh:
        con.execute("DROP TABLE IF EXISTS unresolved")
    have = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_name = 'unresolved'"
    ).fetchall()[0][0]
    con.execute(SCHEMA)
    if not have:
        rebuild(con)


def rebuild(con: Any) -> None:
    """Make ``unresolved`` what ``ev`` says."""
    con.execute("DELETE FROM unresolved")
    con.execute(
        f"INSERT INTO unresolved SELECT * FROM (SELECT id, {to_key()} AS k FROM ev "  # noqa: S608
        "WHERE to_id IS NULL) WHERE k IS NOT NULL"
    )


def resolve(con: Any, lo: int, first: Any) -> int:
    """Fill what replies and reactions keep of their message after a batch of ids ``lo`` and
    up, none earlier than ``first`` (``occurred_at``), went into ``ev`` (module doc); the
    number of rows filled."""
    since = con.execute(f"SELECT CAST(? AS TIMESTAMP) - {WINDOW}", [first]).fetchall()[0][0]
    con.execute(_NAMED, {"lo": lo})
    con.execute(_FRESH, {"lo": lo})
    con.execute(_FOUND, {"since": since})
    con.execute(_CANDIDATES)
    con.execute(_WAITING)
    con.execute(_LATE, {"lo": lo})
    con.execute(_REST)
    if _any(con, "rest"):
        con.execute(_NO_MESSAGE, {"since": since})
    if _any(con, "rest"):
        con.execute(_OLDER, {"since": since})
    if _any(con, "late"):
        con.execute(_LATE_FOUND)
    filled = int(con.execute("SELECT count(*) FROM found").fetchall()[0][0])
    if filled:
        con.execute(
            """
            UPDATE ev SET to_id = f.to_id, to_person = f.to_person, to_question = f.to_question
            FROM found f WHERE ev.id = f.id
            """
        )
        con.execute("DELETE FROM unresolved WHERE id IN (SELECT id FROM found)")
    con.execute(  # this sync's rows still unresolved, and not kept already
        "INSERT INTO unresolved SELECT id, to_key FROM named WHERE to_key IS NOT NULL "
        "AND id NOT IN (SELECT id FROM found) "
        "AND id NOT IN (SELECT id FROM unresolved WHERE id >= ?)",
        [lo],
    )
    for table in ("found", "named", "fresh", "waiting", "late", "rest"):
        con.execute(f"DROP TABLE {table}")
    return filled


def _any(con: Any, table: str) -> bool:
    return bool(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])  # noqa: S608
