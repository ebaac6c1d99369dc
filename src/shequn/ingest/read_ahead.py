"""Reading an export in a second process while this one stores what it has read.

Parsing and mapping an export costs about as much as appending its events (docs/store.md,
"The import path"); done in turn by one process, one of the machine's cores sits idle. Here a
forked child runs the import's own reader — the same importer, the same checks — and sends the
events back in chunks of plain tuples (pickle protocol 5: times and data arrive as they were,
where JSON made this process parse the data and every time again); this process turns them
into events without checking them again (``Event.checked_before``) and hands them on to the
caller, which appends them as before. Pickle also sends a string that repeats within a chunk
(a kind, a group, a person's key) once, so the events here share it and the projections' dict
lookups reuse its hash. (Making the store's text forms of each event in the child as well
moved too much: the child became the slower process; docs/store.md.)

Memory stays flat: a thread here takes the chunks off the pipe into a queue of
:data:`DEPTH` chunks, and the child waits when that is full. Nothing about idempotency or
resuming changes: the events arrive in the same order and are appended by the caller in the
same batches. If the child fails, the error it raised is raised here after the events it
sent before; if this process dies, the child's next write fails and it ends.

Forking is only safe from a process that holds no locks another thread could be holding, so
:func:`available` says no outside the main thread (a server's request threads) and where
``fork`` does not exist.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import queue
import threading
from collections.abc import Callable, Iterator
from itertools import starmap
from typing import Any

from shequn.errors import InputFormatError
from shequn.model.events import Event
from shequn.model.i18n import Said

CHUNK = 2_000
"""Events per message from the child."""
DEPTH = 8
"""Chunks held here before the child waits (a few MB)."""

_EVENTS, _DONE, _FAILED = b"E", b"D", b"X"


def available() -> bool:
    """Whether this process may fork a reader: ``fork`` exists and we are the main thread."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.current_thread() is threading.main_thread()
    )


def read_ahead(
    produce: Callable[[], Iterator[Event]],
    progress: Callable[[], Any],
    on_progress: Callable[[Any], None],
    label: str,
) -> Iterator[Event]:
    """The events ``produce()`` yields, produced in a forked child.

    ``progress()`` runs in the child after each chunk (and once at the end) and returns
    something picklable; ``on_progress`` receives it here before that chunk's events."""
    ctx = multiprocessing.get_context("fork")
    reader, writer = ctx.Pipe(duplex=False)
    child = ctx.Process(
        target=_child,
        args=(produce, progress, writer, reader),
        daemon=True,
        name="shequn-reader",
    )
    child.start()
    writer.close()
    chunks: queue.Queue[tuple[bytes, bytes]] = queue.Queue(maxsize=DEPTH)
    pump = threading.Thread(target=_pump, args=(reader, chunks), daemon=True)
    pump.start()
    try:
        while True:
            tag, body = chunks.get()
            if tag == _EVENTS:
                rows, state = pickle.loads(body)  # noqa: S301  # our own child's bytes
                on_progress(state)
                yield from _events(rows)
            elif tag == _DONE:
                on_progress(pickle.loads(body))  # noqa: S301
                return
            else:
                raise _error(body, label)
    finally:
        if child.is_alive():
            child.terminate()  # the caller stopped early (an error while appending)
        child.join()
        while pump.is_alive():  # let the pump see the pipe close and end
            with contextlib.suppress(queue.Empty):
                chunks.get(timeout=0.1)
        reader.close()


def _child(
    produce: Callable[[], Iterator[Event]],
    progress: Callable[[], Any],
    writer: Any,
    reader: Any,
) -> None:
    reader.close()  # so that the pipe breaks when the parent dies
    rows: list[tuple[Any, ...]] = []
    add = rows.append

    def send() -> None:
        writer.send_bytes(_EVENTS + pickle.dumps((rows, progress()), protocol=5))
        rows.clear()

    try:
        try:
            for e in produce():
                add((e.kind, e.occurred_at, e.community, e.source, e.source_ref, e.group,
                     e.actor, e.subject, e.data))  # fmt: skip
                if len(rows) >= CHUNK:
                    send()
        except (BrokenPipeError, KeyboardInterrupt):
            raise
        except BaseException as e:  # sent to the parent, which raises it
            send()  # the events before it, as the caller would have had them in one process
            writer.send_bytes(_FAILED + _pickled_error(e))
            return
        send()
        writer.send_bytes(_DONE + pickle.dumps(progress()))
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    finally:
        writer.close()
        os._exit(0)  # no atexit handlers: they belong to the parent (its store, its files)


def _pump(reader: Any, chunks: queue.Queue[tuple[bytes, bytes]]) -> None:
    """Move chunks from the pipe to the queue (blocking in recv releases the GIL)."""
    while True:
        try:
            raw = reader.recv_bytes()
        except (EOFError, OSError):
            chunks.put((_FAILED, b""))
            return
        chunks.put((raw[:1], raw[1:]))
        if raw[:1] != _EVENTS:
            return


def _events(rows: list[tuple[Any, ...]]) -> list[Event]:
    """A chunk's events, built in one pass (handed on as a list: one generator step per
    event less on the importing process's side, which is the busier one)."""
    return list(starmap(Event.checked_before, rows))


def _pickled_error(e: BaseException) -> bytes:
    """The error as (class, args, attributes): shequn's errors take other arguments than
    they keep in ``args``, so they are rebuilt rather than unpickled."""
    try:
        return pickle.dumps((type(e), e.args, dict(getattr(e, "__dict__", {}))))
    except Exception:  # an attribute that does not pickle
        return pickle.dumps((RuntimeError, (repr(e),), {}))


def _error(body: bytes, label: str) -> BaseException:
    if not body:
        return InputFormatError(label, None, Said("the reader process ended without a word"))
    cls, args, attrs = pickle.loads(body)  # noqa: S301  # our own child's bytes
    error: BaseException = cls.__new__(cls)
    BaseException.__init__(error, *args)
    error.__dict__.update(attrs)
    return error
