"""The ``ev`` table: the log as every metric reads it, derived once at sync time.

A metric asks about people (identities resolved through merges) on the community's local days.
Deriving that in a view made every query join the whole log with the identities and convert
every timestamp to local time again: 2–18 s per metric at 2M events. So the replica keeps the
derived rows instead, and keeps them true incrementally:

- new events are derived as they are copied (:func:`append`), a sync's batch that fills row
  groups sorted by community, kind and time so that a metric's ``kind = …`` and day
  filters skip whole row groups (DuckDB's min/max zone maps);
- a merge or unmerge changes who some identities are: only the rows of those identities are
  re-resolved (:func:`refresh_people`);
- a community's time zone set or changed re-derives that community's local times
  (:func:`refresh_communities`).

Raw columns are kept (``events`` is a view over them), so nothing needs the raw copy twice,
and :func:`reference` — the same derivation as a view over a raw ``events`` table, the layout
before this module — is what the tests and the benchmark compare the table with.

The message fields most metrics filter or measure on are typed columns (``reply_to``,
``length``, ``has_link``, ``has_media``, ``is_question``, ``target``, ``forwarded`` (has
``forwarded_from``), ``inviter``): read once from JSON at sync, not per query.

Replies and reactions name their message by text (``reply_to``, ``target``: a ``source_ref``
of the same source), and joining millions of strings was most of what the talk and leader
metrics cost. So each message carries ``ref_key``, a 128-bit digest of (community, source,
``source_ref``), and the digest a reply (``message.posted``) or reaction (``message.reacted``)
names, ``to_key`` (``targets.to_key``, computed at sync, not stored), is joined to it: the same
join on integers. Two different messages sharing a digest has odds of about n²/2¹²⁹ (10⁻²² at
10⁸ messages).

Even on integers, joining every reply and reaction to its message over the whole log on every
query grew faster than the log (15–18× per 10× events for the leaders and talk metrics). So
what they read of the message is kept on the reply or reaction itself, resolved at sync
(:func:`append`, ``analytics/targets.py``): ``to_id`` (the message's event id; null while the
message is not in the log), ``to_person`` (its author, merges applied: the message's
``person``) and ``to_question`` (its ``is_question``). A reply synced before its message is
filled by the sync that brings the message. ``to_person`` is re-resolved with ``person`` on
merges and unmerges (:func:`refresh_people`, through ``to_id``) rather than resolved through
``people`` at query time: every metric then reads plain columns, and the Parquet export needs
no join either (its rows of a community whose merges changed are written again anyway).
``(source, source_ref)`` is unique in the log, so a reply names at most one message.

Metrics that count people without naming them (``activity``'s next active day per person,
``retention``'s cohorts, ``concentration``'s posters) group, join and sort on ``person_key``
(:func:`person_key`): a 128-bit digest of ``person``, kept beside it and re-resolved with it.
Sorting and hashing a fixed-width key instead of the text was a third cheaper for the
``lead`` per person at 2M events (docs/scale.md, *Session 36, replica6*). Two people sharing a
digest has odds of about n²/2¹²⁹ for n people (10⁻²⁷ at 10⁶ people).
"""

from __future__ import annotations

from typing import Any

from shequn.analytics import targets

_LOCAL = "timezone(coalesce(c.timezone, 'UTC'), s.occurred_at::TIMESTAMPTZ)"


def person_key(person: str) -> str:
    """SQL: the 128-bit digest of the SQL text ``person`` (a member), as a UUID (module doc):
    null when ``person`` is. Equal people have equal keys; a UUID because that is the 128-bit
    type both DuckDB and Ibis know (``UHUGEINT`` is unknown to Ibis)."""
    return f"md5_number({person})::UUID"


_FIELDS = f"""
    s.f[1] AS reply_to,
    TRY_CAST(s.f[2] AS BIGINT) AS length,
    coalesce(TRY_CAST(s.f[3] AS BOOLEAN), false) AS has_link,
    coalesce(TRY_CAST(s.f[4] AS BOOLEAN), false) AS has_media,
    coalesce(TRY_CAST(s.f[5] AS BOOLEAN), false) AS is_question,
    s.f[6] AS target,
    s.f[7] IS NOT NULL AS forwarded,
    s.f[8] AS inviter,
    CASE WHEN s.kind = 'message.posted' THEN {targets.digest("s.source_ref", "s.")} END
        AS ref_key
"""

_PATHS = (
    "['$.reply_to', '$.length', '$.has_link', '$.has_media', '$.is_question', '$.message',"
    " '$.forwarded_from', '$.inviter']"
)
"""Typed copies of ``data`` fields (the expressions metrics used on the JSON), ``f`` being
the fields of :data:`_PATHS` read in one pass over each row's JSON."""

COLUMNS = (
    ("id", "BIGINT NOT NULL"), ("kind", "VARCHAR NOT NULL"), ("occurred_at", "TIMESTAMP NOT NULL"),
    ("community", "VARCHAR NOT NULL"), ("grp", "VARCHAR"), ("actor", "VARCHAR"),
    ("subject", "VARCHAR"), ("data", "JSON"), ("source", "VARCHAR NOT NULL"),
    ("source_ref", "VARCHAR NOT NULL"), ("person", "VARCHAR"), ("person_key", "UUID"),
    ("subject_person", "VARCHAR"),
    ("local_at", "TIMESTAMP NOT NULL"), ("day", "DATE NOT NULL"), ("reply_to", "VARCHAR"),
    ("length", "BIGINT"), ("has_link", "BOOLEAN"), ("has_media", "BOOLEAN"),
    ("is_question", "BOOLEAN"), ("target", "VARCHAR"), ("forwarded", "BOOLEAN"),
    ("inviter", "VARCHAR"), ("ref_key", "UHUGEINT"),
    ("to_id", "BIGINT"), ("to_person", "VARCHAR"), ("to_question", "BOOLEAN"),
)  # fmt: skip
"""``ev``'s columns, in order: a replica whose ``ev`` has others is of an older layout."""

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS ev ({", ".join(f"{name} {kind}" for name, kind in COLUMNS)});
CREATE OR REPLACE VIEW events AS
SELECT id, kind, occurred_at, community, grp, actor, subject, source, source_ref, data FROM ev;
"""  # noqa: S608  # fixed names and types

RAW = """
CREATE {temp} TABLE IF NOT EXISTS {name} (
    id BIGINT, kind VARCHAR NOT NULL, occurred_at TIMESTAMP NOT NULL,
    community VARCHAR NOT NULL, grp VARCHAR, actor VARCHAR, subject VARCHAR,
    source VARCHAR NOT NULL, source_ref VARCHAR NOT NULL, data JSON
)
"""
"""A table of raw events, as the store holds them (``RAW.format(temp="TEMP"|"", name=…)``)."""


def derive(source: str, merged: str = "merged") -> str:
    """The SELECT deriving ``ev``'s columns from raw rows in ``source`` (aliased ``s``), the
    identities that are someone else read from ``merged`` (the view :data:`MERGED`, or what
    :func:`append` keeps of it)."""
    return f"""
        WITH m AS MATERIALIZED (SELECT of_community, identity, member FROM {merged})
        SELECT s.id, s.kind, s.occurred_at, s.community, s.grp, s.actor, s.subject, s.data,
               s.source, s.source_ref,
               coalesce(pa.member, s.actor) AS person,
               {person_key("coalesce(pa.member, s.actor)")} AS person_key,
               coalesce(ps.member, s.subject) AS subject_person,
               {_LOCAL} AS local_at, CAST({_LOCAL} AS DATE) AS day, {_FIELDS}
        FROM (SELECT *, data->>{_PATHS} AS f FROM {source}) s
        LEFT JOIN m pa ON pa.of_community = s.community AND pa.identity = s.actor
        LEFT JOIN m ps ON ps.of_community = s.community AND ps.identity = s.subject
        LEFT JOIN communities c ON c.community = s.community
    """  # noqa: S608  # fixed fragments and our own table name


TARGET = "t.id AS to_id, t.person AS to_person, t.is_question AS to_question"
"""The columns a reply or reaction keeps of its message ``t`` (module doc), after
:func:`derive`'s."""

MESSAGES = "SELECT id, ref_key, person, is_question FROM {name} WHERE kind = 'message.posted'"
"""The messages of ``{name}`` as replies and reactions resolve them (``ref_key`` =
``targets.to_key``)."""


MERGED = "CREATE OR REPLACE VIEW merged AS SELECT * FROM people WHERE member <> identity"
"""The identities that are someone else: an identity ``people`` maps to itself, or does not
list, is its own person, so :func:`derive` joins only these (usually few) rows."""


def reference(con: Any) -> Any:
    """A new in-memory DuckDB holding ``con``'s raw log and projections, where ``ev`` is a
    view deriving every row on every query (the layout before this module). Tests and the
    benchmark compare the suite on it with the suite on the table."""
    import duckdb  # lazy: heavy, and only analytics need it

    ref = duckdb.connect()
    ref.execute("SET TimeZone = 'UTC'")
    for table in ("events", "people", "groups", "communities", "meta", "memberships"):
        rows = con.sql(f"SELECT * FROM {table}").to_arrow_table()  # noqa: S608  # fixed
        ref.register("incoming", rows)
        ref.execute(f"CREATE TABLE {table} AS SELECT * FROM incoming")  # noqa: S608
        ref.unregister("incoming")
    ref.execute(MERGED)
    ref.execute(f"CREATE VIEW derived AS {derive('events')}")  # fixed fragments
    messages = MESSAGES.format(name="derived")
    ref.execute(  # fixed fragments
        f"CREATE VIEW ev AS SELECT d.*, {TARGET} FROM derived d "  # noqa: S608
        f"LEFT JOIN ({messages}) t ON t.ref_key = {targets.to_key('d.')}"
    )
    return ref


def create(con: Any) -> bool:
    """Create ``ev`` and the ``events`` view over it; a replica file of an older layout (a
    raw ``events`` table and an ``ev`` view, or ``ev`` with other columns than
    :data:`COLUMNS`: before the message keys, before replies kept their message, or keeping
    its author's identity too) is emptied first: the next sync copies the log again, so
    nothing is lost. Whether ``ev`` was made new (empty)."""
    kinds = dict(
        con.execute(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_name IN ('ev', 'events') AND table_schema = 'main'"
        ).fetchall()
    )
    if kinds.get("events") == "BASE TABLE":
        con.execute("DROP VIEW IF EXISTS ev")
        con.execute("DROP TABLE events")
    elif kinds.get("ev") == "BASE TABLE" and _columns(con) != [name for name, _ in COLUMNS]:
        con.execute("DROP VIEW IF EXISTS events")  # an older layout: derive again
        con.execute("DROP TABLE ev")
    fresh = not _columns(con)  # what is kept beside ``ev`` is made again with it
    con.execute(SCHEMA)
    con.execute(MERGED)
    targets.create(con, fresh)
    return fresh


SORTED = 122_880
"""A batch this large (one DuckDB row group) or larger is sorted as it is appended (module
doc); a smaller one lands in one or two row groups whatever its order, so sorting it would
skip nothing."""


def append(con: Any, staged: str, people: str | None = None) -> int:
    """Derive the raw rows of table ``staged`` into ``ev``, skipping ids it already has (a
    sync re-reads an overlap window); the number of rows added. Replies and reactions are
    then resolved to their message, in this batch or already in ``ev``, and older ones whose
    message is in this batch filled (``analytics/targets.py``). ``people``: the fingerprint
    of ``people`` as it is now, when the caller knows it (:func:`_merged`)."""
    lo = con.execute(f"SELECT min(id) FROM {staged}").fetchall()[0][0]  # noqa: S608
    if lo is None:
        return 0
    rows, first_id, first_at = con.execute(  # the rows new to ``ev``, and how early
        f"SELECT count(*), min(id), min(occurred_at) FROM {staged} "  # noqa: S608
        "WHERE id NOT IN (SELECT id FROM ev WHERE id >= ?)",
        [lo],
    ).fetchall()[0]
    if not rows:  # all re-read (the overlap window): nothing new to derive or resolve
        return 0
    _merged(con, people)
    order = "ORDER BY n.community, n.kind, n.occurred_at, n.id" if rows >= SORTED else ""
    con.execute(
        f"""
        INSERT INTO ev
        SELECT n.*, {targets.NULLS}
        FROM ({derive(staged, "merged_now")} WHERE s.id NOT IN (SELECT id FROM ev WHERE id >= ?)) n
        {order}
        """,  # noqa: S608  # fixed fragments and our own table name
        [lo],
    )
    targets.resolve(con, int(first_id), first_at)
    return int(rows)


def _merged(con: Any, people: str | None) -> None:
    """Make the temporary table ``merged_now`` what the view ``merged`` says, unless it was
    made on this connection for the same ``people`` (its fingerprint, ``results.fingerprint``):
    the view scans every identity for the few merged ones (7 ms a sync at 200k identities,
    growing with the community), and a sync rarely brings a merge. None (a caller that wrote
    ``people`` itself, or knows no fingerprint): made again. Temporary, so a replica file
    written by another process or an older shequn never leaves a stale copy; made inside the
    sync's transaction, so a sync rolled back takes it back too."""
    con.execute("CREATE TEMP TABLE IF NOT EXISTS merged_made (people VARCHAR)")
    if people is not None and con.execute("SELECT people FROM merged_made").fetchall() == [
        (people,)
    ]:
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE merged_now AS SELECT of_community, identity, member "
        "FROM merged"
    )
    con.execute("DELETE FROM merged_made")
    con.execute("INSERT INTO merged_made VALUES (?)", [people])


def clear(con: Any) -> None:
    """Empty ``ev`` and what is kept beside it (the next sync copies the log again)."""
    con.execute("DELETE FROM ev")
    con.execute("DELETE FROM unresolved")


def refresh_people(con: Any, staged: str, same: bool | None = None) -> int:
    """Make ``people`` the rows of table ``staged`` (community, identity, member); only the
    events of identities whose member changed (merged, unmerged, new or gone) are re-resolved,
    and only their rows of ``people`` rewritten. The number of identities that changed.

    Equal fingerprints (row count and the XOR of row hashes; one identity per row, so no row
    cancels another) mean nothing changed, which spares the usual sync the diff's joins.
    ``same``: the caller compared them already (a sync knows ``people``'s fingerprint from
    its last watermark, ``replica.settle``); None: compared here, one pass over each side."""
    if same is None:
        same = con.execute(
            f"""
            SELECT (SELECT count(*) || '.' || coalesce(bit_xor(hash(s)), 0) FROM {staged} s)
                 = (SELECT count(*) || '.' || coalesce(bit_xor(hash(p)), 0) FROM people p)
            """  # noqa: S608  # our own table name
        ).fetchall()[0][0]
    if same:  # the usual sync: nobody merged (no join)
        return 0
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE changed_people AS
        SELECT s.of_community, s.identity, s.member FROM {staged} s
        LEFT JOIN people p ON p.of_community = s.of_community AND p.identity = s.identity
        WHERE p.member IS DISTINCT FROM s.member
        UNION ALL
        SELECT p.of_community, p.identity, NULL FROM people p
        ANTI JOIN {staged} s ON s.of_community = p.of_community AND s.identity = p.identity
        """  # noqa: S608  # our own table name
    )
    n = int(con.execute("SELECT count(*) FROM changed_people").fetchall()[0][0])
    if n:
        for sets, raw in ((_PERSON, "actor"), ("subject_person = {who}", "subject")):
            who = f"coalesce(c.member, ev.{raw})"
            con.execute(
                f"""
                UPDATE ev SET {sets.format(who=who)} FROM changed_people c
                WHERE ev.community = c.of_community AND ev.{raw} = c.identity
                """  # noqa: S608  # fixed names
            )
        con.execute(_TO_PERSON)
        con.execute(
            "DELETE FROM people p USING changed_people c "
            "WHERE p.of_community = c.of_community AND p.identity = c.identity"
        )
        con.execute("INSERT INTO people SELECT * FROM changed_people WHERE member IS NOT NULL")
    con.execute("DROP TABLE changed_people")
    return n


_PERSON = "person = {who}, person_key = " + person_key("{who}")
"""What a merge sets on the rows of an identity whose member changed (``{who}``: the member)."""

_TO_PERSON = """
UPDATE ev SET to_person = m.person
FROM (SELECT e.id, e.person FROM ev e JOIN changed_people c
      ON e.community = c.of_community AND e.actor = c.identity
      WHERE e.kind = 'message.posted') m
WHERE ev.to_id = m.id
"""
"""Replies and reactions to the messages of identities whose member changed keep that
message's ``person`` again (after ``person`` itself is re-resolved)."""


def refresh_communities(con: Any, staged: str) -> int:
    """Make ``communities`` the rows of table ``staged``; a community whose time zone is new
    or changed has its local times derived again. The number of communities re-derived."""
    changed = con.execute(
        f"""
        (SELECT community, coalesce(timezone, 'UTC') FROM {staged}
         EXCEPT SELECT community, coalesce(timezone, 'UTC') FROM communities)
        UNION ALL
        SELECT community, 'UTC' FROM communities
        WHERE community NOT IN (SELECT community FROM {staged}) AND timezone <> 'UTC'
        """  # noqa: S608  # our own table name
    ).fetchall()
    con.execute("DELETE FROM communities")
    con.execute(f"INSERT INTO communities SELECT * FROM {staged}")  # noqa: S608
    for community, tz in changed:
        con.execute(
            "UPDATE ev SET local_at = timezone(?, occurred_at::TIMESTAMPTZ), "
            "day = CAST(timezone(?, occurred_at::TIMESTAMPTZ) AS DATE) WHERE community = ?",
            [tz, tz, community],
        )
    return len(changed)


def _columns(con: Any) -> list[str]:
    """``ev``'s columns in order (none when there is no ``ev``)."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
        "AND table_name = 'ev' ORDER BY ordinal_position"
    ).fetchall()
    return [name for (name,) in rows]
