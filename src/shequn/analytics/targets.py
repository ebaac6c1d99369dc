"""What a reply or reaction keeps of the message it names, resolved at sync.

A reply (``message.posted`` with a ``reply_to``) or reaction (``message.reacted``) carries
``to_key``, the digest of the message it names, and keeps that message's ``to_id``,
``to_person`` and ``to_question`` (``analytics/materialise.py``).

How it is resolved, and why (docs/scale.md, *The sync, fifth pass*): the new rows go into
``ev`` first with those three columns null, straight from the derivation; then only the rows
whose message was found are updated, by id. Joining the batch to the messages inside the
INSERT built the join's hash table on the batch — every derived column carried through it —
and that, not reading the messages, was what resolving cost (about +0.18 CPU s per 100k
events at 1M, +0.10 now). Finding the messages still reads every message's ``ref_key`` (a
Bloom filter of the keys named is pushed into the scan; the other columns are read for the
rows that match), so that part grows with the log. An ART index on ``ref_key`` (DuckDB's joins
do not use it) and a table ordered by ``ref_key`` (a digest: every row group holds some key
named) were measured and do not help (docs/scale.md, *The sync, sixth pass*).

A reply or reaction whose message is not in the log yet is kept in ``unresolved`` (its id
and ``to_key``): a later sync joins only those against its own new messages, where the
layout before scanned ``ev`` for every row still unresolved. ``unresolved`` is derived from
``ev`` alone (:func:`rebuild`), so a replica written before it gets it on first open.
"""

from __future__ import annotations

from typing import Any

SCHEMA = "CREATE TABLE IF NOT EXISTS unresolved (id BIGINT NOT NULL, to_key UHUGEINT NOT NULL)"

NULLS = "NULL::BIGINT AS to_id, NULL::VARCHAR AS to_person, NULL::BOOLEAN AS to_question"
"""The three columns as a new row is inserted, before :func:`resolve`."""

_FOUND = """
CREATE OR REPLACE TEMP TABLE found AS
WITH messages AS NOT MATERIALIZED (
    SELECT ref_key, id, person, is_question FROM ev WHERE kind = 'message.posted'
)
SELECT u.id, t.id AS to_id, t.person AS to_person, t.is_question AS to_question
FROM unresolved u JOIN messages t ON t.ref_key = u.to_key
WHERE u.id < $lo AND t.id >= $lo
UNION ALL
SELECT a.id, t.id, t.person, t.is_question
FROM ev a JOIN messages t ON t.ref_key = a.to_key
WHERE a.id >= $lo AND a.to_key IS NOT NULL AND a.to_id IS NULL
"""
"""The rows to fill: older unresolved ones (ids below ``$lo``) whose message came in this
sync, and this sync's rows (ids from ``$lo``: the batch, and older unresolved ones of the
overlap window) whose message is anywhere in ``ev``. ``to_person`` is the message's
``person``: its author with merges applied, current because merges are applied before a
batch is derived (``replica.settle``). Reading ``person`` alone, not the author's identity
and community to resolve it through ``merged`` again, is what the fetch of the messages
found costs least (docs/scale.md, *The sync, seventh pass*)."""


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
        "INSERT INTO unresolved SELECT id, to_key FROM ev "
        "WHERE to_key IS NOT NULL AND to_id IS NULL"
    )


def resolve(con: Any, lo: int) -> int:
    """Fill what replies and reactions keep of their message after a batch of ids ``lo`` and
    up went into ``ev`` (module doc); the number of rows filled."""
    con.execute(_FOUND, {"lo": lo})
    filled = int(con.execute("SELECT count(*) FROM found").fetchall()[0][0])
    if filled:
        con.execute(
            """
            UPDATE ev SET to_id = f.to_id, to_person = f.to_person, to_question = f.to_question
            FROM found f WHERE ev.id = f.id
            """
        )
        con.execute("DELETE FROM unresolved WHERE id IN (SELECT id FROM found)")
    con.execute("DROP TABLE found")
    con.execute(  # this sync's rows still unresolved, and not kept already
        "INSERT INTO unresolved SELECT id, to_key FROM ev "
        "WHERE id >= ? AND to_key IS NOT NULL AND to_id IS NULL "
        "AND id NOT IN (SELECT id FROM unresolved WHERE id >= ?)",
        [lo, lo],
    )
    return filled
