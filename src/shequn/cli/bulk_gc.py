"""The garbage collector held back while one command makes hundreds of thousands of objects.

An import builds an event, its data dict and its rows for every message, and keeps caches of
people and names that grow to tens of thousands of entries. None of it forms reference
cycles that need the collector (reference counting frees it), yet CPython's default
thresholds run a young collection every 700 allocations and, as the survivors pile up, full
collections that walk every object alive. Measured on a 200,000-message Telegram export
(docs/store.md, "The import path"): ~18% of the import's CPU time.

:func:`bulk_gc` moves what exists at the start (modules, the blueprint, the store's
metadata) out of the collector's sight (``gc.freeze``) and makes collections rare; whatever
cycles the command does make are still collected, less often. A reader process forked inside
inherits the setting. The settings are restored afterwards. Only for a command that owns its
process: a server's request threads share the collector with everything else.

A long-running process (``shequn serve``, ``shequn worker``) keeps the default thresholds but
calls :func:`freeze_startup` once it has started: its modules, app and connections live as
long as the process, and a full collection walked them all again and again — in
``benchmarks/bench_join.py``'s batches of 100, one full collection of ~110,000 objects every
~3,000 joins took ~0.08 s, ~8% of the joins' CPU (docs/entry.md, "Session 34, batch4").
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

THRESHOLDS = (50_000, 20, 100)
"""Allocations before a young collection, and the older generations' ratios."""


@contextmanager
def bulk_gc() -> Iterator[None]:
    """Collect rarely inside the block (see the module's docstring)."""
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def freeze_startup() -> None:
    """Collect once, then keep what exists now out of every later collection (``gc.freeze``).

    For a long-running process, after its start-up: what it loaded is alive until it exits,
    so walking it again in each full collection finds nothing; cycles made later are still
    collected. The collection first keeps start-up garbage from being frozen with it."""
    gc.collect()
    gc.freeze()
