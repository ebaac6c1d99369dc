"""Statements per join, by kind: what ``bench_join.py --statements`` prints.

Every hot statement of the join path goes through ``shequn.store.raw`` (fixed SQL on the
driver's cursor), so counting there sees them all; statements SQLAlchemy runs are counted
through its ``before_cursor_execute`` event. On PostgreSQL every statement is a round trip,
except those ``raw.read_each`` sends together in one pipeline: ``round trips`` counts each
pipeline once. BEGIN and COMMIT are not counted.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, event

from shequn.store import raw
from shequn.store.db import Store


class Tally:
    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.cpu: Counter[str] = Counter()
        self.saved = 0  # statements that rode in a pipeline with another


class _Timed:
    """A driver cursor that adds each statement's CPU time to its kind — its fetch included:
    SQLite runs a query as its rows are fetched, so ``execute`` alone hid most of a costly
    read (a union of 560 µs showed as 23 µs, issue 22)."""

    def __init__(self, cur: Any, tally: Tally) -> None:
        self.cur, self.tally, self.kind = cur, tally, ""

    def _run(self, how: str, text: str, values: Any) -> Any:
        c = time.process_time()
        self.kind = text[:90]
        try:
            return getattr(self.cur, how)(text, values)
        finally:
            self.tally.cpu[self.kind] += time.process_time() - c
            self.tally.count[self.kind] += 1

    def _fetch(self, how: str) -> Any:
        c = time.process_time()
        try:
            return getattr(self.cur, how)()
        finally:
            self.tally.cpu[self.kind] += time.process_time() - c

    def fetchall(self) -> Any:
        return self._fetch("fetchall")

    def fetchone(self) -> Any:
        return self._fetch("fetchone")

    def execute(self, text: str, values: Any = None) -> Any:
        return self._run("execute", text, values)

    def executemany(self, text: str, values: Any) -> Any:
        return self._run("executemany", text, values)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cur, name)


@contextmanager
def counting(store: Store) -> Iterator[Tally]:
    """Count the statements run on ``store`` inside the block."""
    tally = Tally()
    cursor_and_sql, read_each = raw._cursor_and_sql, raw.read_each

    def timed(conn: Connection, sql: str, params: Any) -> tuple[Any, str, Any]:
        cur, text, values = cursor_and_sql(conn, sql, params)
        return _Timed(cur, tally), text, values

    def each(conn: Connection, reads: Sequence[raw.Read[Any]]) -> list[Any]:
        asked = sum(1 for r in reads if r.sql is not None)
        if conn.dialect.name == "postgresql" and asked > 1:
            tally.saved += asked - 1
        return read_each(conn, reads)

    def seen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        tally.count["(SQLAlchemy) " + statement[:77]] += 1

    raw._cursor_and_sql, raw.read_each = timed, each  # type: ignore[assignment]
    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        yield tally
    finally:
        raw._cursor_and_sql, raw.read_each = cursor_and_sql, read_each  # type: ignore[assignment]
        event.remove(store.engine, "before_cursor_execute", seen)


def report(tally: Tally, joins: int, top: int = 40) -> None:
    total = sum(tally.count.values())
    print(
        f"{total / joins:.2f} statements per join, {(total - tally.saved) / joins:.2f} round trips"
        f" on PostgreSQL ({tally.saved / joins:.2f} rode in a pipeline); per join, CPU per run:"
    )
    for text, n in tally.count.most_common(top):
        cpu = tally.cpu[text] / n * 1e6 if text in tally.cpu else float("nan")
        print(f"{n / joins:6.2f} {cpu:7.1f} µs  {text}")


def measure(store: Store, calls: Sequence[Callable[[], object]], per: int = 1) -> None:
    """Run ``calls`` (each ``per`` joins) while counting, and print the tally per join."""
    with counting(store) as tally:
        for call in calls:
            call()
    report(tally, len(calls) * per)
