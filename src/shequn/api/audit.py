"""The audit log of API writes: one row for every POST (and any later write method),
whatever its outcome — refused, invalid, failed or done — except that refusals are
aggregated: an attacker must not be able to fill the table with 401s. For each caller (a token,
or "no token") and status, one refused (4xx) request per ``REFUSALS_EVERY`` seconds writes a
row, and that row counts the refusals left unwritten before it (``unwritten``); the rate limits
of ``api/auth.py`` bound how many there are.

A pure ASGI middleware, so it sees the final status of every request, including those the
router never reached (401, 404 for an unknown path). The row is written *before* the response
starts, so once a client has its answer the row exists (an idempotent retry relies on that).
Routes add what they did via ``request.state.audit_summary`` (counts, ids — never secrets) and
``request.state.idempotency``; the token id comes from the auth dependency.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shequn.api.auth import client_address
from shequn.engine.gather import Gather
from shequn.store.db import Store
from shequn.store.tokens import audit_row, write_audits

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REFUSALS_EVERY = 60.0


class Refusals:
    """Which refusals get a row: ``admit(key)`` is the count of refusals under ``key`` left
    unwritten since the last row, or ``None`` when this one is left unwritten too."""

    def __init__(
        self, every: float = REFUSALS_EVERY, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.every, self.clock = every, clock
        self._last: dict[object, tuple[float, int]] = {}  # key -> (last row at, unwritten)
        self._lock = threading.Lock()

    def admit(self, key: object) -> int | None:
        now = self.clock()
        with self._lock:
            at, unwritten = self._last.get(key, (None, 0))
            if at is not None and now - at < self.every:
                self._last[key] = (at, unwritten + 1)
                return None
            if len(self._last) > 10_000:  # keys are (token, status): only stale ones go
                self._last = {k: v for k, v in self._last.items() if now - v[0] < self.every}
            self._last[key] = (now, 0)
            return unwritten


class AuditMiddleware:
    def __init__(self, app: ASGIApp, store: Store, refusals: Refusals | None = None) -> None:
        self.app = app
        self.store = store
        self.refusals = refusals or Refusals()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        written = False

        async def audited_send(message: Message) -> None:
            nonlocal written
            if message["type"] == "http.response.start" and not written:
                written = True
                await self._write(scope, int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, audited_send)
        except Exception:
            if not written:
                written = True
                await self._write(scope, 500)
            raise

    async def _write(self, scope: Scope, status: int) -> None:
        state: dict[str, Any] = scope.get("state", {})
        key, digest = state.get("idempotency", (None, None))
        summary = state.get("audit_summary") or {}
        if 300 <= status < 400:  # a form's redirect after it did its work (login, logout)
            summary = {"outcome": "done", **summary}
            key = digest = None
        elif status >= 500:
            summary = {"outcome": "failed"}
            key = digest = None  # only a success may be replayed
        elif status >= 400:
            unwritten = self.refusals.admit((state.get("token_id"), status))
            if unwritten is None:
                return
            summary = {"outcome": "refused", "unwritten": unwritten}
            if state.get("token_id") is None:
                summary["client"] = client_address(scope)
            key = digest = None
        row = audit_row(
            token_id=state.get("token_id"),
            method=scope["method"],
            path=scope["path"],
            status=status,
            summary=summary,
            idempotency_key=key,
            request_sha256=digest,
        )
        await to_thread.run_sync(AUDITS.submit, self.store, row)


def _write_together(store: Store, rows: list[dict[str, Any]]) -> list[None]:
    write_audits(store, rows)
    return [None] * len(rows)


AUDITS: Gather[Store, dict[str, Any], None] = Gather(_write_together)
"""Concurrent requests' audit rows, one transaction for what queued together (group commit,
``engine/gather.py``): a burst of webhook calls whose updates were gathered no longer pays one
commit per call for its rows. Each row is still written before its response starts; a batch
that fails is written again row by row, so one bad row fails only its own request."""
