"""The re-import quick check, on the store's side of an import: ask whether a stretch of an
export was imported before, and remember the stretches whose events are committed.

``ingest/stretches.py`` keeps the accounts during an import; ``store/import_stretches.py``
holds them. The stretches are a cache of imports, not facts (the log stays the truth): they
are written after the events they account for are committed, in a transaction of their own.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from shequn.store.db import Store
from shequn.store.import_stretches import add_stretches, stored_digests, stored_stretch


class KnownStretches:
    """``ImportContext.known`` for one community: digest → stored account, or None.

    The digests stored are read once, on the first call: a first import asks about every
    stretch (1,233 at 1M messages) and finds none, and a query each cost the reader a round
    trip to a server busy with the importing process's batches (~6 ms each under load,
    ~8% of the reader's samples at 300,000 messages; issue 22, session 39). Only a stretch
    among them costs a query, for its account. A stretch recorded after that first read (by
    another import running at once) is parsed again, and its events are found stored: the
    cost of a cache miss, never a different result.

    Called in the import's reader process too (``ingest/read_ahead.py`` forks it): a process
    other than the one that made it opens its own connection rather than share the parent's."""

    def __init__(self, store: Store, community: str) -> None:
        self.store, self.community, self.pid = store, community, os.getpid()
        self.digests: set[str] | None = None

    def __call__(self, digest: str) -> str | None:
        if os.getpid() != self.pid:
            url = self.store.engine.url.render_as_string(hide_password=False)
            self.store, self.pid = Store.open(url, migrate=False), os.getpid()
            self.digests = None
        if self.digests is None:
            with self.store.read() as conn:
                self.digests = stored_digests(conn, self.community)
        if digest not in self.digests:
            return None
        with self.store.read() as conn:
            return stored_stretch(conn, self.community, digest)


def keep_stretches(store: Store, community: str, done: Sequence[tuple[str, str]]) -> None:
    """Remember stretches (digest, account JSON) whose events are all committed."""
    if done:
        with store.transaction() as conn:
            add_stretches(conn, community, done)
