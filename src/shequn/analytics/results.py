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
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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


def watermark(con: Any, people: str | None = None, log: str | None = None) -> str:
    """What the replica holds, as a short string: equal strings, equal answers (module doc).
    ``people``: the fingerprint of ``people`` when the caller has just computed it (a sync
    makes ``people`` equal to the staged rows it fingerprinted), sparing a pass over it;
    ``log`` likewise the log's part (:func:`grown`)."""
    origin = con.execute("SELECT value FROM meta WHERE key = 'origin'").fetchall()
    known = {k: v for k, v in (("people", people), ("log", log)) if v is not None}
    parts = [known.get(name) or con.execute(sql).fetchall()[0][0] for name, sql in _PARTS]
    return ":".join([origin[0][0] if origin else "", *parts])


def remember(con: Any, people: str | None = None, log: str | None = None) -> str:
    """Compute the watermark after a sync and keep it in ``meta`` (read by :class:`Reusing`);
    ``people`` and ``log`` as for :func:`watermark`."""
    mark = watermark(con, people, log)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('watermark', ?)", [mark])
    return mark


def grown(con: Any, top: int | None, added: int) -> str | None:
    """The log's part of the watermark after a sync added ``added`` rows to ``ev``, none above
    id ``top`` (None: no rows), worked out from the part the last sync kept rather than by
    ``max(id)`` over ``ev``: inside the sync's transaction, with its rows not yet committed,
    DuckDB answers that by scanning every id (11 ms of CPU onto 10M events, growing with the
    log; docs/scale.md, *The sync, ninth pass*). None when no sync kept one (the caller then
    scans): a replica emptied since (copied again, or of an older layout) dropped the
    watermark with its rows (``replica.prepare``, ``Replica._reset``)."""
    was_top, was_count = kept(con, "log_max"), kept(con, "log_count")
    if was_top is None or was_count is None:
        return None
    return f"{max(int(was_top), top or 0)}:{int(was_count) + added}"


def kept(con: Any, part: str) -> str | None:
    """One part of the watermark the last sync kept (``people``: the fingerprint of ``people``
    as that sync left it), or None when no sync kept one. Every sync ends by keeping the
    watermark, so a part read here is the table's fingerprint now unless something other
    than a sync wrote the table since (nothing does)."""
    mark = con.execute("SELECT value FROM meta WHERE key = 'watermark'").fetchall()
    fields = mark[0][0].split(":") if mark else []
    names = ["origin", "log_max", "log_count", *(name for name, _ in _PARTS[1:])]
    return dict(zip(names, fields, strict=True)).get(part) if len(fields) == len(names) else None


def stored(con: Any) -> str | None:
    """The watermark the last sync kept in ``con``'s replica (:func:`remember`); None when
    none was kept, or ``con`` is no DuckDB replica (no ``meta``; Spark)."""
    import duckdb  # lazy: heavy, and only analytics need it

    if getattr(con, "dialect", "duckdb") != "duckdb":
        return None
    try:
        mark = con.execute("SELECT value FROM meta WHERE key = 'watermark'").fetchall()
    except duckdb.CatalogException:
        return None
    return str(mark[0][0]) if mark else None


def answered(con: Any, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (a small read of the log), computed once for the watermark the
    last sync kept and read back after (:func:`keep`; through :class:`Reusing`, as its
    reads are). Every metric asks the as-of day first (``scope.as_of``): 30 queries of
    ~15 ms CPU in a suite at 2M events, one answer. Asked afresh when no watermark is kept
    (a replica filled by other means than a sync: working one out costs more than the
    query) and on other engines (Spark keeps its own answers)."""
    table = None if isinstance(con, Reusing) or stored(con) is None else keep(con, sql, params)
    if table is None:
        return [tuple(r) for r in con.execute(sql, params).fetchall()]
    return [tuple(r) for r in con.execute(f"SELECT * FROM {table}").fetchall()]  # noqa: S608


KEPT = "shequn_kept"
"""The in-memory database a bare connection's kept results go to (:func:`keep`), attached to
the replica's DuckDB instance: every cursor of that connection sees it (a temporary table is
its own connection's only, and a cursor is a new connection: ``analytics/together.py`` runs
metrics on cursors side by side)."""


def keep(con: Any, sql: str, params: list[Any] | None = None) -> str | None:
    """Run ``sql`` (a read of the log; ``params`` its parameters) into a table and name it,
    ``schema.table``: a result several metrics build on, computed once for the replica's
    watermark (the talk metrics' message classification, ``analytics/talk_classes.py``).
    Through :class:`Reusing` it goes to ``reused`` (dropped with the other results when the
    watermark moves; queries reading it are reused like reads of ``ev``); on a bare
    connection to a replica, to a table of :data:`KEPT` named for the watermark (one
    computed here when no sync kept one), older ones dropped. None when ``con`` is no
    replica (no ``meta``): the caller reads ``sql`` itself. Two threads asking for the same
    table at once: one computes it, the other waits for it (:func:`once`)."""
    import duckdb  # lazy: heavy, and only analytics need it

    digest = hashlib.sha256((sql if params is None else f"{sql}\0{params!r}").encode()).hexdigest()
    if isinstance(con, Reusing):
        con._ready()
        table = f"reused.k_{digest[:24]}"
        with once(table):
            con.raw.execute(f"CREATE TABLE IF NOT EXISTS {table} AS {sql}", params)  # ours
        return table
    try:
        stored = con.execute("SELECT value FROM meta WHERE key = 'watermark'").fetchall()
        mark = stored[0][0] if stored else watermark(con)
    except duckdb.CatalogException:
        return None
    prefix = "k_" + hashlib.sha256(mark.encode()).hexdigest()[:8]
    with once(KEPT):  # one thread attaches and sweeps at a time
        con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {KEPT} (READ_WRITE)")
        old = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND NOT"
            " starts_with(table_name, ?)",
            [KEPT, prefix],
        ).fetchall()
        for (name,) in old:
            con.execute(f'DROP TABLE IF EXISTS {KEPT}."{name}"')  # ours: k_ and hex
    table = f"{KEPT}.{prefix}_{digest[:16]}"
    with once(table):
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS {sql}", params)  # ours
    return table


class _Key:
    """A lock for one name (:func:`once`); weakly kept, so names no one waits on go."""

    __slots__ = ("__weakref__", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()


_keys: weakref.WeakValueDictionary[str, _Key] = weakref.WeakValueDictionary()
_keys_lock = threading.Lock()


@contextmanager
def once(name: str) -> Iterator[None]:
    """Held while the result ``name`` is looked up or computed: a second thread asking for
    the same name waits, then finds it computed, rather than computing it again (or failing
    on DuckDB's conflict of two transactions creating one table)."""
    with _keys_lock:
        key = _keys.get(name)
        if key is None:
            key = _keys[name] = _Key()
    with key.lock:
        yield


class Rows:
    """A finished result, answering the two ways metrics read results."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None


def session_cursor(con: Any) -> Any:
    """A new connection (DuckDB's ``cursor``) to ``con``'s database, for another thread: the
    same tables, settings and attached databases, and ``con``'s session time zone (a session
    setting a cursor does not inherit; the replica runs in UTC, ``replica.prepare``)."""
    zone = con.execute("SELECT current_setting('TimeZone')").fetchall()[0][0]
    cursor = con.cursor()
    cursor.execute("SET TimeZone = ?", [zone])
    return cursor


class _Tally:
    """Hits and misses of a :class:`Reusing` and its cursors, counted together."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits = self.misses = 0


class Reusing:
    """A DuckDB connection whose read queries are answered from ``reused`` when the replica's
    watermark has not moved (module doc); everything else goes to the connection itself.
    :meth:`cursor` gives another thread its own, sharing what is kept."""

    def __init__(self, con: Any) -> None:
        self.raw = con
        self._mark: str | None = None
        self._tally = _Tally()
        self._cursors: set[Any] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)

    @property
    def hits(self) -> int:
        return self._tally.hits

    @property
    def misses(self) -> int:
        return self._tally.misses

    def forget(self) -> None:
        """The replica changed under this connection (a sync): read the watermark again."""
        self._mark = None

    def cursor(self) -> Reusing:
        """Another thread's connection to the same replica (:func:`session_cursor`), reusing
        and keeping results with this one (the same watermark, one tally), interrupted with
        it (:meth:`interrupt`, the request's time budget) until :meth:`release`."""
        self._ready()
        child = Reusing(session_cursor(self.raw))
        child._mark, child._tally = self._mark, self._tally
        self._cursors.add(child.raw)
        return child

    def release(self, child: Reusing) -> None:
        """Close a connection :meth:`cursor` gave."""
        self._cursors.discard(child.raw)
        child.raw.close()

    def interrupt(self) -> None:
        """Stop what runs on this connection and on its cursors (``budget.limited``)."""
        import duckdb  # lazy: heavy, and only analytics need it

        self.raw.interrupt()
        for cursor in list(self._cursors):
            with suppress(duckdb.ConnectionException):  # released meanwhile: nothing runs
                cursor.interrupt()

    def execute(self, sql: str, params: Any = None) -> Any:
        if not (_READ.match(sql) and _LOG.search(sql)):
            return self.raw.execute(sql, params)
        table = "reused.r_" + hashlib.sha256(f"{sql}\0{params!r}".encode()).hexdigest()[:24]
        self._ready()
        with once(table):
            try:
                rows = self.raw.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608  # hash
            except self._missing:
                self.raw.execute(f"CREATE TABLE {table} AS {sql}", params)  # ours
                rows = self.raw.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608  # hash
                hit = False
            else:
                hit = True
        with self._tally.lock:
            if hit:
                self._tally.hits += 1
            else:
                self._tally.misses += 1
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
