"""A first pass over a big plain file in two processes, each scanning one half.

A Telegram export's pass 1 (the display names' scan, ``ingest/telegram.py``) reads the whole
file before the reader can send its first event; meanwhile the importing process and the
database have nothing to do, so one of a 2-core machine's cores sits idle: ~6 s of an 80 s
import at 1M messages under load, ~2 s quiet — about a tenth of the whole import's wall on a
machine where the rest keeps both cores busy (issue 22, session 40: docs/speed/). Here a forked
child scans the second half while this process scans the first, so that start takes half as
long.

The halves are cut on the scan's own chunk boundaries and the child starts with the tail the
one-process scan would have kept from the chunk before, so each half sees exactly the buffers
that scan sees: the union of the halves' findings is the one-process scan's, nothing more or
less. Forking is asked of :func:`~shequn.ingest.read_ahead.available` (the main thread, a
platform that forks); otherwise, and for a small file, the caller scans alone.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

from shequn.ingest.read_ahead import available

T = TypeVar("T")

SPLIT_FROM = 32 << 20
"""Files from this size are scanned in two halves (below it the fork costs more than half the
scan: the scan runs at ~150–250 MB/s)."""

Scan = Callable[[IO[bytes], bytes, int | None], set[T]]
"""``scan(fp, tail, stop)``: what a scan finds reading ``fp`` from where it stands, in chunks,
starting with ``tail`` kept from before, until ``stop`` bytes were read (None: to the end)."""


def in_halves(path: Path, scan: Scan[T], *, chunk: int, tail: int) -> set[T] | None:
    """``scan`` over the whole of ``path`` as the union of two halves scanned at once (the
    second in a forked child); None when the file is small or this process may not fork
    (then the caller scans alone). ``chunk`` and ``tail`` are the scan's: bytes a read, bytes
    kept from one buffer into the next."""
    size = path.stat().st_size
    if size < SPLIT_FROM or not available():
        return None
    half = (size // 2 // chunk) * chunk  # on a chunk boundary of the one-process scan
    # os.fork, not multiprocessing: the reader process (ingest/read_ahead.py) that runs this
    # is a daemonic multiprocessing child, which multiprocessing forbids to have children
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover  # the child: measured by the parent's result
        os.close(r)
        _second(path, scan, half, tail, w)
    os.close(w)
    try:
        with path.open("rb") as fp:
            found = scan(fp, b"", half)
        with os.fdopen(r, "rb") as answer:
            r = -1
            body = answer.read()
    finally:
        if r != -1:
            os.close(r)  # the child's write fails and it ends
        os.waitpid(pid, 0)
    ok, value = pickle.loads(body) if body else (False, set())  # noqa: S301  # our child's
    if not ok:
        return None  # the caller scans alone and meets the error itself
    found.update(value)
    return found


def _second(path: Path, scan: Scan[Any], half: int, tail: int, w: int) -> None:
    """The child: the second half, from the tail the one-process scan keeps before it."""
    try:
        try:
            with path.open("rb") as fp:
                start = max(0, half - tail)
                fp.seek(start)
                result: tuple[bool, Any] = (True, scan(fp, fp.read(half - start), None))
        except Exception as e:  # the parent scans alone and sees it itself
            result = (False, repr(e))
        with contextlib.suppress(OSError), os.fdopen(w, "wb") as out:
            out.write(pickle.dumps(result))
    finally:
        os._exit(0)  # no atexit handlers, no cleanup: they belong to the parent
