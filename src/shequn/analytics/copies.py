"""What a sync copies from the store, query by query, and how each column travels.

Each :class:`Copy` is one store query read as Arrow and inserted into one replica table (or a
staging table the replica derives from: ``analytics/materialise.py``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Copy:
    """One store query copied into one replica table, column by column.

    The SQLite ADBC driver infers each column's Arrow type from the first rows it reads, so a
    column that starts with NULLs (``subject`` in a chat log) would be typed wrongly and fail
    on its first value. On SQLite every nullable column therefore travels as a non-NULL
    sentinel ('' for text and times, -1 for numbers) and is turned back into NULL in DuckDB.
    """

    table: str
    source: str  # FROM … (and WHERE/ORDER) part of the store query
    columns: tuple[tuple[str, str], ...]  # (store expression, type: text|int|ts|json|bool)

    def select(self, sqlite: bool) -> str:
        cols = []
        for i, (expr, kind) in enumerate(self.columns):
            if sqlite and kind in ("text", "ts", "json"):
                expr = f"coalesce({expr}, '')"
            elif sqlite and kind in ("int", "bool"):
                expr = f"coalesce({expr}, -1)"
            cols.append(f"{expr} AS c{i}")
        return f"SELECT {', '.join(cols)} {self.source}"  # fixed fragments

    def insert(self, sqlite: bool) -> str:
        cols = []
        for i, (_, kind) in enumerate(self.columns):
            c = f"c{i}"
            if sqlite:
                c = f"nullif({c}, '')" if kind in ("text", "ts", "json") else f"nullif({c}, -1)"
            if kind == "ts":
                c = f"CAST({c} AS TIMESTAMP)"
            elif kind == "json":
                c = f"CAST({c} AS JSON)"
            elif kind == "bool":
                c = f"CAST({c} AS BOOLEAN)"
            cols.append(c)
        return f"INSERT INTO {self.table} SELECT {', '.join(cols)} FROM incoming"  # noqa: S608


_T, _I, _TS = "text", "int", "ts"
EVENTS = Copy(
    "staged_events",
    "FROM events WHERE id > {p} ORDER BY id",
    (
        ("id", _I),
        ("kind", _T),
        ("occurred_at", _TS),
        ("community_slug", _T),
        ("group_slug", _T),
        ("actor", _T),
        ("subject", _T),
        ("source", _T),
        ("source_ref", _T),
        ("data", "json"),
    ),
)
PROJECTIONS = (
    Copy(
        "staged_people",
        "FROM identities i JOIN members m ON m.id = i.member_id "
        "JOIN communities c ON c.id = i.community_id",
        (("c.slug", _T), ("i.key", _T), ("m.key", _T)),
    ),
    Copy(
        "groups",
        "FROM groups g JOIN communities c ON c.id = g.community_id",
        (
            ("c.slug", _T),
            ("g.slug", _T),
            ("g.name", _T),
            ("g.platform", _T),
            ("g.capacity", _I),
            ("g.stage", _T),
            ("g.configured", "bool"),
            ("g.first_seen_at", _TS),
        ),
    ),
    Copy("staged_communities", "FROM communities", (("slug", _T), ("timezone", _T))),
    Copy(
        "memberships",
        "FROM group_memberships gm JOIN groups g ON g.id = gm.group_id "
        "JOIN communities c ON c.id = g.community_id "
        "JOIN identities i ON i.id = gm.identity_id JOIN members m ON m.id = i.member_id "
        "LEFT JOIN identities inv ON inv.id = gm.inviter_identity_id",
        (
            ("c.slug", _T),
            ("g.slug", _T),
            ("i.key", _T),
            ("m.key", _T),
            ("gm.status", _T),
            ("gm.joined_at", _TS),
            ("gm.left_at", _TS),
            ("gm.join_channel", _T),
            ("inv.key", _T),
        ),
    ),
)
"""Small projections, copied whole on every sync (they are tiny next to the log)."""
