"""The API's audit rows under concurrent requests (``api/audit.py``): each request still has
its row before its response starts, and rows that queue together commit in one transaction
(``engine/gather.py``'s group commit) — a burst of webhook calls does not pay one commit a
call for its audit rows."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from shequn.api import audit
from shequn.store import tables as t
from shequn.store.db import Store
from shequn.store.tokens import audit_row, write_audits

CALLS = 12


def rows(store: Store) -> list[tuple[str, int]]:
    with store.read() as conn:
        q = select(t.audit_log.c.path, t.audit_log.c.status).order_by(t.audit_log.c.id)
        return [(p, s) for p, s in conn.execute(q)]


def app(store: Store) -> Starlette:
    """A bare app behind the audit middleware: ``POST /n`` answers 200 once its row exists."""

    def done(request: Request) -> JSONResponse:
        return JSONResponse({"n": request.path_params["n"]})

    routes = [Route("/{n}", done, methods=["POST"])]
    inner = Starlette(routes=routes)
    outer = Starlette()
    outer.mount("/", audit.AuditMiddleware(inner, store))
    return outer


def test_many_rows_are_written_in_one_transaction(store: Store) -> None:
    write_audits(
        store,
        [
            audit_row(token_id=None, method="POST", path=f"/{n}", status=200, summary={"n": n})
            for n in range(3)
        ],
    )
    write_audits(store, [])  # nothing to write: no transaction
    assert rows(store) == [("/0", 200), ("/1", 200), ("/2", 200)]


def hold_first_write(
    monkeypatch: pytest.MonkeyPatch, waiting: int, bad: str | None = None
) -> tuple[threading.Event, list[int]]:
    """The first batch of rows waits (up to 10 s) until ``waiting`` requests queue behind it;
    a batch holding a row of path ``bad`` raises. Returns the event set once the first batch
    runs, and the sizes of the batches committed."""
    plain = audit.write_audits
    commits: list[int] = []
    first = threading.Event()

    def write(store: Store, batch: list[dict[str, Any]]) -> None:
        if not first.is_set():
            first.set()
            for _ in range(10_000):
                line = audit.AUDITS._lines.get(store)
                if line is not None and len(line.waiting) >= waiting:
                    break
                time.sleep(0.001)
        if any(r["path"] == bad for r in batch):
            raise RuntimeError("a bad row")
        plain(store, batch)
        commits.append(len(batch))

    monkeypatch.setattr(audit, "write_audits", write)
    return first, commits


def burst(store: Store, first: threading.Event, paths: list[str]) -> list[int]:
    """``POST`` each path at once, the first alone ahead of the rest; the status codes."""
    with (
        TestClient(app(store), raise_server_exceptions=False) as client,
        ThreadPoolExecutor(len(paths)) as pool,
    ):
        lead = pool.submit(client.post, paths[0])
        assert first.wait(30)
        rest = list(pool.map(client.post, paths[1:]))
        return [lead.result().status_code, *(a.status_code for a in rest)]


def test_concurrent_requests_share_the_audit_commit_and_each_has_its_row(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every request got its answer once its own row was written; the rows queued behind
    the first commit together."""
    first, commits = hold_first_write(monkeypatch, CALLS - 1)
    codes = burst(store, first, [f"/{n}" for n in range(CALLS)])
    assert codes == [200] * CALLS
    assert sorted(rows(store)) == sorted((f"/{n}", 200) for n in range(CALLS))
    assert commits == [1, CALLS - 1]  # the held row alone, then the rest together


def test_a_bad_row_fails_only_its_own_request(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch that raises committed nothing; its rows are written again one at a time."""
    first, commits = hold_first_write(monkeypatch, CALLS - 1, bad="/bad")
    paths = ["/0", "/bad", *(f"/{n}" for n in range(1, CALLS - 1))]
    codes = burst(store, first, paths)
    assert codes[1] == 500  # the bad row's request fails …
    assert codes[:1] + codes[2:] == [200] * (CALLS - 1)  # … and only it
    assert sorted(rows(store)) == sorted((p, 200) for p in paths if p != "/bad")
    assert commits == [1] * (CALLS - 1)  # the held row, then the rest one by one
