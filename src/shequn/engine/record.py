"""Recording events: the path every outside fact takes into the log (imports, JSONL, later
webhooks).

Events are appended in batches, one transaction per batch; after each batch the engine looks
at what was new and decides follow-ups in the same transaction: merging identities that share
a verified phone or union id, then the reactors of ``engine/reactions.py`` (entry and
fission: campaign rewards, fraud checks, commission, pending entries a task or payment
unblocks; the group rules; …).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice

from sqlalchemy import Connection

from shequn.engine.identity import apply_auto_merges
from shequn.engine.reactions import react
from shequn.model.events import Event
from shequn.store import planner_stats
from shequn.store.append import AppendResult, append, gathered
from shequn.store.db import Store
from shequn.store.projections import IdentityCache

BATCH_SIZE = 10_000
"""Events per transaction: large enough to amortise the commit, small enough to keep memory
flat and a failed batch cheap to redo."""


IDENTITY_CACHE_LIMIT = 200_000
"""Identities remembered between batches of one call (saves re-reading them per batch)."""


def batched(events: Iterable[Event], size: int) -> Iterator[list[Event]]:
    it = iter(events)
    while batch := list(islice(it, size)):
        yield batch


def record(
    store: Store,
    events: Iterable[Event],
    *,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[AppendResult], None] | None = None,
) -> AppendResult:
    """Append ``events`` (any iterable, consumed lazily) and return the totals.

    Each batch commits on its own; if one fails, the batches before it stay (re-running the
    same input is safe: stored events are recognised and skipped). On PostgreSQL the planner's
    statistics of the tables the batches fill are refreshed as they grow (``planner_stats``).
    """
    total = AppendResult()
    identities: IdentityCache = {}
    new = True  # until a batch holds events stored before (a resumed or repeated import)
    bulk = 0  # batches that stored a bulk load's many events
    for batch in batched(events, batch_size):
        if sum(map(len, identities.values())) > IDENTITY_CACHE_LIMIT:
            identities.clear()
        with store.transaction() as conn:
            result = record_batch(conn, batch, identities=identities, expect_new=new)
        result.new_events = []  # not kept across batches: an import's memory stays flat
        new = result.stored_before == 0
        if result.new >= planner_stats.BULK:
            bulk += 1
            planner_stats.after_bulk(store, bulk)
        total += result
        if on_batch is not None:
            on_batch(result)
    return total


def record_batch(
    conn: Connection,
    batch: Sequence[Event],
    *,
    identities: IdentityCache | None = None,
    expect_new: bool = True,
) -> AppendResult:
    """One batch of :func:`record` in the caller's transaction: the append, then the
    follow-ups it decides (merges, reactors). The result keeps ``new_events``, the events the
    log did not hold (``engine/gather.py`` tells each gathered caller its own from them)."""
    with gathered(conn):  # writes ride with reads (PostgreSQL)
        result = append(
            conn, batch, keep_events=True, identity_cache=identities, expect_new=expect_new
        )
        merges = apply_auto_merges(conn, result.new_events)
        react(conn, [*result.new_events, *((0, m) for m in merges)])
    return result
