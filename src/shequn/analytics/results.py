"""Results reused while the replica has not changed: no recomputation for the same watermark.

The report, the dashboard's pages, ``shequn metrics`` and the API ask the same questions
again and again (every page asks for the as-of day; the overview and the report both compute
activity and the life cycle), and between two events the answers cannot change. So the
replica's connection is wrapped in :class:`Reusing`: a read query of the log (``SELECT`` or
``WITH`` reading ``ev``; never settings or bookkeeping) run for the first time at the
replica's current :func:`watermark` stores its result as a table in the replica's ``reused``
schema; asked again — by the same request, the next page, another process — it is read back
from there, with the same types and order. A sync that changes anything moves the
watermark, and the first query after that drops the old results.

The watermark fingerprints everything metrics read: the newest event id and the row counts
and contents of the projections, so equal watermarks mean equal answers.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

_READ = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)
_LOG = re.compile(r'\bev\b|"reused"\."k_')


def fingerprint(table: str) -> str:
    """SQL giving ``table``'s row count and the XOR of its row hashes: equal contents, equal
    strings (rows are distinct in the tables fingerprinted, so no row cancels another)."""
    return f"SELECT count(*) || '.' || coalesce(bit_xor(hash(t)), 0) FROM {table} t"  # noqa: S608


_PARTS = (
    ("log", "SELECT coalesce(max(id), 0) || ':' || count(*) FROM ev"),
    ("people", fingerprint("people")),
    ("communities", fingerprint("communities")),
    ("groups", fingerprint("groups")),
    ("memberships", fingerprint("memberships")),
)


def watermark(con: Any, people: str | None = None) -> str:
    """What the replica holds, as a short string: equal strings, equal answers (module doc).
    ``people``: the fingerprint of ``people`` when the caller has just computed it (a sync
    makes ``people`` equal to the staged rows it fingerprinted), sparing a pass over it."""
    origin = con.execute("SELECT value FROM meta WHERE key = 'origin'").fetchall()
    known = {"people": people} if people is not None else {}
    parts = [known.get(name) or con.execute(sql).fetchall()[0][0] for name, sql in _PARTS]
    return ":".join([origin[0][0] if origin else "", *parts])


def remember(con: Any, people: str | None = None) -> str:
    """Compute the watermark after a sync and keep it in ``meta`` (read by :class:`Reusing`);
    ``people`` as for :func:`watermark`."""
    mark = watermark(con, people)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('watermark', ?)", [mark])
    return mark


def kept(con: Any, part: str) -> str | None:
    """One part of the watermark the last sync kept (``people``: the fingerprint of ``people``
    as that sync left it), or None when no sync kept one. Every sync ends by keeping the
    watermark, so a part read here is the table's fingerprint now unless something other
    than a sync wrote the table since (nothing does)."""
    mark = con.execute("SELECT value FROM meta WHERE key = 'watermark'").fetchall()
    fields = mark[0][0].split(":") if mark else []
    names = ["origin", "log_max", "log_count", *(name for name, _ in _PARTS[1:])]
    return dict(zip(names, fields, strict=True)).get(part) if len(fields) == len(names) else None


def keep(con: Any, sql: str) -> str | None:
    """Run ``sql`` (a read of the log) into a table and name it, ``schema.table``: a result
    several metrics build on, computed once for the replica's watermark (the talk metrics'
    message classification, ``analytics/talk_classes.py``). Through :class:`Reusing` it goes
    to ``reused`` (dropped with the other results when the watermark moves; queries reading
    it are reused like reads of ``ev``); on a bare connection to a replica, to a temporary
    table named for the watermark (one computed here when no sync kept one), older ones
    dropped. None when ``con`` is no replica (no ``meta``): the caller reads ``sql`` itself."""
    import duckdb  # lazy: heavy, and only analytics need it

    digest = hashlib.sha256(sql.encode()).hexdigest()
    if isinstance(con, Reusing):
        con._ready()
        table = f"reused.k_{digest[:24]}"
        con.raw.execute(f"CREATE TABLE IF NOT EXISTS {table} AS {sql}")  # ours
        return table
    try:
        stored = con.execute("SELECT value FROM meta WHERE key = 'watermark'").fetchall()
        mark = stored[0][0] if stored else watermark(con)
    except duckdb.CatalogException:
        return None
    prefix = "k_" + hashlib.sha256(mark.encode()).hexdigest()[:8]
    old = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE 'k\\_%'"
        " ESCAPE '\\' AND NOT starts_with(table_name, ?)",
        [prefix],
    ).fetchall()
    for (name,) in old:
        con.execute(f'DROP TABLE IF EXISTS temp."{name}"')  # ours: k_ and hex
    table = f"temp.{prefix}_{digest[:16]}"
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table[5:]} AS {sql}")  # ours
    return table


class Rows:
    """A finished result, answering the two ways metrics read results."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None


class Reusing:
    """A DuckDB connection whose read queries are answered from ``reused`` when the replica's
    watermark has not moved (module doc); everything else goes to the connection itself."""

    def __init__(self, con: Any) -> None:
        self.raw = con
        self._mark: str | None = None
        self.hits = self.misses = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)

    def forget(self) -> None:
        """The replica changed under this connection (a sync): read the watermark again."""
        self._mark = None

    def execute(self, sql: str, params: Any = None) -> Any:
        if not (_READ.match(sql) and _LOG.search(sql)):
            return self.raw.execute(sql, params)
        table = "reused.r_" + hashlib.sha256(f"{sql}\0{params!r}".encode()).hexdigest()[:24]
        self._ready()
        try:
            rows = self.raw.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608  # hash
        except self._missing:
            self.misses += 1
            self.raw.execute(f"CREATE TABLE {table} AS {sql}", params)  # ours
            rows = self.raw.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608  # hash
        else:
            self.hits += 1
        return Rows(rows)

    @property
    def _missing(self) -> type[Exception]:
        import duckdb  # lazy: heavy, and only analytics need it

        return duckdb.CatalogException

    def _ready(self) -> None:
        """Results kept are for the current watermark; older ones are dropped first."""
        if self._mark is not None:
            return
        kept = dict(self.raw.execute("SELECT key, value FROM meta").fetchall())
        mark = kept.get("watermark") or watermark(self.raw)
        if kept.get("reused_at") != mark:
            self.raw.execute("DROP SCHEMA IF EXISTS reused CASCADE")
            self.raw.execute("INSERT OR REPLACE INTO meta VALUES ('reused_at', ?)", [mark])
        self.raw.execute("CREATE SCHEMA IF NOT EXISTS reused")
        self._mark = mark
