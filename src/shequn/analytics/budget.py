"""How much one request's analytics may take, and DuckDB's errors mapped once, at the boundary.

A metric runs SQL on the replica. Its parameters are range-checked first (``params.py``); this
module bounds what is left: :func:`limited` sets DuckDB's ``memory_limit`` and starts a timer
that calls ``con.interrupt()`` when the statements run past ``seconds``. :func:`duckdb_errors`
turns what DuckDB raises into the shequn tree (STYLE 14): an interrupt or an out-of-memory
error is :class:`BudgetExceeded` (503, "try a smaller range"), anything else
:class:`AnalyticsFailed` (500) whose message says nothing about the query — DuckDB's messages
quote SQL, so the details go to the server log only (the SQL holds placeholders, never values).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from shequn.errors import ShequnError
from shequn.model.i18n import Said

log = logging.getLogger("shequn.analytics")


class BudgetExceeded(ShequnError):
    """The analytics of one request ran out of time or memory."""

    status = 503


class AnalyticsFailed(ShequnError):
    """A metric's query failed inside DuckDB; the message names no SQL."""

    status = 500


REPEAT = 0.05
"""Seconds between interrupts once a request is past its time budget."""


@dataclass(frozen=True, slots=True)
class Budget:
    """Per-request limits: DuckDB ``memory_limit`` (e.g. ``"1GB"``) and wall-clock seconds."""

    memory: str = "1GB"
    seconds: float = 30.0

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", self.memory, re.IGNORECASE):
            raise ShequnError(
                Said(
                    "analytics memory {memory!r}: use a size such as 512MB or 2GB",
                    memory=self.memory,
                )
            )
        if not 0 < self.seconds <= 3600:
            raise ShequnError(
                Said(
                    "analytics time budget {seconds} s: use 0 < seconds ≤ 3600",
                    seconds=self.seconds,
                )
            )


@contextmanager
def duckdb_errors(what: str) -> Iterator[None]:
    """Run DuckDB statements for ``what`` (a metric name); map their errors (module doc)."""
    import duckdb  # lazy: heavy, and only analytics need it

    try:
        yield
    except duckdb.InterruptException:
        raise BudgetExceeded(
            Said(
                "{metric} ran longer than this server allows a request; "
                "ask for a shorter period or a single group",
                metric=what,
            ),
            metric=what,
        ) from None
    except duckdb.OutOfMemoryException:
        raise BudgetExceeded(
            Said(
                "{metric} needs more memory than this server allows a request; "
                "ask for a shorter period or a single group",
                metric=what,
            ),
            metric=what,
        ) from None
    except duckdb.Error as e:
        log.error("analytics query for %s failed: %s: %s", what, type(e).__name__, e)
        raise AnalyticsFailed(
            Said("{metric} failed on our side", metric=what), metric=what
        ) from None


@contextmanager
def limited(con: Any, budget: Budget) -> Iterator[Any]:
    """``con`` with the memory limit set; past ``budget.seconds`` every running statement is
    interrupted (again every ``REPEAT`` seconds, so a metric's next statement is too)."""
    with duckdb_errors("setting the analytics budget"):
        con.execute("SET memory_limit = ?", [budget.memory])
    done = threading.Event()

    def watch() -> None:
        if done.wait(budget.seconds):
            return
        while not done.is_set():
            con.interrupt()
            done.wait(REPEAT)

    watcher = threading.Thread(target=watch, name="analytics-budget", daemon=True)
    watcher.start()
    try:
        yield con
    finally:
        done.set()
        watcher.join()
