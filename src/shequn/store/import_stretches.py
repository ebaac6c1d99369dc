"""Stretches of exports already imported: what the re-import quick check asks and records.

An importer that reads an export in stretches (Telegram: a few MB of whole messages, see
``ingest/telegram_frames.py``) names each by a digest of its bytes and of where its events go.
Once every event of a stretch is committed, the import records the digest with its account
(records read, events, people, first and last time …) here; a later import of the same bytes
finds it and counts the stretch as already stored instead of parsing it again.

This is a cache of the import, not a fact: the log stays the truth. A stretch is recorded only
after its events are committed (a crash in between only costs a re-parse), and ``rebuild``
leaves it alone (it is no projection of the log).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Connection, text

_FIND = text(
    "SELECT account FROM import_stretches WHERE community_slug = :community AND digest = :digest"
)
_DIGESTS = text("SELECT digest FROM import_stretches WHERE community_slug = :community")
_SQLITE_ADD = (
    "INSERT OR IGNORE INTO import_stretches (community_slug, digest, account, recorded_at) "
    "VALUES (:community, :digest, :account, :at)"
)
_PG_ADD = (
    "INSERT INTO import_stretches (community_slug, digest, account, recorded_at) "
    "VALUES (:community, :digest, :account, :at) ON CONFLICT DO NOTHING"
)


def stored_stretch(conn: Connection, community: str, digest: str) -> str | None:
    """The account (JSON text) of a stretch already imported into ``community``, or None."""
    row = conn.execute(_FIND, {"community": community, "digest": digest}).first()
    return None if row is None else str(row[0])


def stored_digests(conn: Connection, community: str) -> set[str]:
    """The digests of every stretch already imported into ``community``."""
    return {str(d) for (d,) in conn.execute(_DIGESTS, {"community": community})}


def add_stretches(conn: Connection, community: str, done: Iterable[tuple[str, str]]) -> None:
    """Record ``(digest, account JSON)`` pairs whose events are committed (repeats ignored)."""
    at = datetime.now(UTC)
    rows = [{"community": community, "digest": d, "account": a, "at": at} for d, a in done]
    if rows:
        add = _PG_ADD if conn.dialect.name == "postgresql" else _SQLITE_ADD
        conn.execute(text(add), rows)
