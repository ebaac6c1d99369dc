"""The growth engines' first read of a transaction: the community's stored blueprint, whether
it has campaigns and whether any entry is pending — one statement, read by every knock and
every recorded join (issue 22).

On PostgreSQL the blueprint is sent only when it changed. Printing a ``jsonb`` blueprint as
text cost the server 150–330 µs a call (the whole value detoasted and printed), twice per
join, for a value that changes once in a long while (session 36). Each process remembers,
per store and community, the text it last received and the version of the row it came from:
the row's ``xmin`` (the transaction that wrote it) and ``ctid`` (where that version lies) —
together they name one version of the row, since a transaction that writes the row twice
leaves each version at its own place, and a later transaction has another ``xmin``. The
statement sends that version back and gets ``NULL`` instead of the text while it still
matches. SQLite reads the text from the page in place: it keeps the plain read.
"""

from __future__ import annotations

import threading
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine

from shequn.store import raw
from shequn.store.tx_memo import blueprints


def growth_state(conn: Connection, community: str) -> tuple[Any, bool, bool]:
    """The stored blueprint (JSON text; ``None`` without such a community), whether the
    community has campaigns and whether any entry is pending — in one statement."""
    return raw.read(conn, growth_state_read(conn, community))


def growth_state_read(conn: Connection, community: str) -> raw.Read[tuple[Any, bool, bool]]:
    """:func:`growth_state` as a read to send with others (``raw.read_each``): the door asks
    it with its first reads. The blueprint is remembered for the transaction."""
    if conn.dialect.name != "postgresql":

        def parse(found: list[tuple[Any, ...]]) -> tuple[Any, bool, bool]:
            stored, campaigns, pending = found[0] if found else (None, False, False)
            blueprints(conn)[community] = stored
            return stored, bool(campaigns), bool(pending)

        return raw.Read(_GROWTH_STATE, (community,), parse)

    engine = conn.engine
    known = _known(engine).get(community)  # (version, text) as it is now: what is sent

    def parse_pg(found: list[tuple[Any, ...]]) -> tuple[Any, bool, bool]:
        if not found:
            blueprints(conn)[community] = None
            return None, False, False
        text, version, campaigns, pending = found[0]
        if text is None:  # the version sent still matches: the text is the one known
            assert known is not None  # noqa: S101  # NULL only when a version was sent
            text = known[1]
        else:
            with _guard:
                _known(engine)[community] = (version, text)
        blueprints(conn)[community] = text
        return text, bool(campaigns), bool(pending)

    return raw.Read(_GROWTH_STATE_PG, (known[0] if known else "", community), parse_pg)


_STATE_TAIL = (
    " EXISTS (SELECT 1 FROM campaigns c WHERE c.community_id = k.id),"
    " EXISTS (SELECT 1 FROM entries e WHERE e.status = 'pending' AND e.community_id = k.id)"
    " FROM communities k WHERE k.slug = ?"
)
_GROWTH_STATE = "SELECT CAST(k.blueprint AS TEXT)," + _STATE_TAIL
_VERSION = "k.xmin::text || ':' || k.ctid::text"
_GROWTH_STATE_PG = (
    f"SELECT CASE WHEN {_VERSION} = ? THEN NULL ELSE CAST(k.blueprint AS TEXT) END,"
    f" {_VERSION}," + _STATE_TAIL
)

_texts: WeakKeyDictionary[Engine, dict[str, tuple[str, str]]] = WeakKeyDictionary()
"""Per store (its engine): community slug → (row version, blueprint text) last received."""
_guard = threading.Lock()


def _known(engine: Engine) -> dict[str, tuple[str, str]]:
    found = _texts.get(engine)
    if found is None:
        with _guard:
            found = _texts.setdefault(engine, {})
    return found
