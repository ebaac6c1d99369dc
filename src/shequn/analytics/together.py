"""Metrics side by side: several computed at once, each on its own cursor of the replica.

A suite of metrics is many queries in a row, most of them small, with Python between them
(building and compiling Ibis expressions, shaping rows). One after the other they keep one
core busy; DuckDB releases the GIL while it runs a query, so two threads — one in DuckDB, the
other in DuckDB or in Python — use both cores of a small server. The report, the dashboard's
pages and the benchmark's suite all run their metrics through :func:`run`, so what is measured
is what the product does.

What makes it safe:

- each job runs on its own connection to the same database (``results.session_cursor``:
  DuckDB's ``cursor``, with the session's time zone; a DuckDB connection must not be used by
  two threads). Through ``results.Reusing`` the cursors reuse and keep results together and
  a request's time budget interrupts them with the connection (``budget.limited``);
- a result several metrics start from (``portable.shared``) is computed by one thread while
  the other waits for it (``results.once``), and kept where every cursor sees it;
- DuckDB's ``memory_limit`` and ``threads`` are settings of the database, not of a
  connection: the jobs share them (two queries under one 1GB limit, spilling as one would);
- results come back in the order the jobs were given, whatever order they finished in; a job
  that fails does not stop the others, and the first failure in that order is raised, as
  running them in a row would have raised it (``Metric.run`` names the metric in it).

Other engines (Spark: its session schedules its own work) and ``workers=1`` run the jobs in
a row on the connection itself, exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from queue import Queue
from typing import Any

from shequn.analytics.portable import dialect
from shequn.analytics.results import Reusing, session_cursor

WORKERS = 2
"""Jobs at once: the cores of the small server shequn is sized for. Each query still uses
DuckDB's own ``threads``; two jobs keep both cores busy while one of them is in Python."""

Job = Callable[[Any], Any]
"""What to compute, given the connection to compute it on."""


def run(con: Any, jobs: Mapping[str, Job], workers: int = WORKERS) -> dict[str, Any]:
    """Each job's result by name, in the order of ``jobs``, computed ``workers`` at a time on
    cursors of ``con``'s database (module doc); the first failure in that order raised once
    all have ended."""
    if workers <= 1 or len(jobs) <= 1 or dialect(con) != "duckdb":
        return {name: job(con) for name, job in jobs.items()}
    # the cursors are opened and closed here, in the caller's thread: ``con`` itself is
    # never used by two threads; a job takes a free one and gives it back
    cursors = [_open(con) for _ in range(min(workers, len(jobs)))]
    free: Queue[Any] = Queue()
    for cursor in cursors:
        free.put(cursor)

    def on_cursor(job: Job) -> Any:
        cursor = free.get()
        try:
            return job(cursor)
        finally:
            free.put(cursor)

    try:
        with ThreadPoolExecutor(len(cursors), thread_name_prefix="shequn-metric") as pool:
            futures = {name: pool.submit(on_cursor, job) for name, job in jobs.items()}
            try:
                done = {name: _outcome(future) for name, future in futures.items()}
            except BaseException:  # ^C: the queued jobs never start, the running ones stop
                for future in futures.values():
                    future.cancel()
                for cursor in cursors:
                    cursor.interrupt()
                raise
    finally:
        for cursor in cursors:
            _close(con, cursor)
    for _result, error in done.values():
        if error is not None:
            raise error
    return {name: result for name, (result, _error) in done.items()}


def _outcome(future: Future[Any]) -> tuple[Any, BaseException | None]:
    error = future.exception()
    return (None, error) if error is not None else (future.result(), None)


def _open(con: Any) -> Any:
    """A connection of its own for a worker: through ``Reusing``, one of its cursors."""
    return con.cursor() if isinstance(con, Reusing) else session_cursor(con)


def _close(con: Any, cursor: Any) -> None:
    if isinstance(con, Reusing):
        con.release(cursor)
    else:
        cursor.close()
