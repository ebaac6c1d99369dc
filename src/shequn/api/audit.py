"""The audit log of API writes: one row for every POST (and any later write method),
whatever its outcome — refused, invalid, failed or done.

A pure ASGI middleware, so it sees the final status of every request, including those the
router never reached (401, 404 for an unknown path). The row is written *before* the response
starts, so once a client has its answer the row exists (an idempotent retry relies on that).
Routes add what they did via ``request.state.audit_summary`` (counts, ids — never secrets) and
``request.state.idempotency``; the token id comes from the auth dependency.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shequn.store.db import Store
from shequn.store.tokens import write_audit

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AuditMiddleware:
    def __init__(self, app: ASGIApp, store: Store) -> None:
        self.app = app
        self.store = store

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
        elif status >= 400:
            summary = {"outcome": "refused" if status < 500 else "failed"}
            key = digest = None  # only a success may be replayed
        await to_thread.run_sync(
            partial(
                write_audit,
                self.store,
                token_id=state.get("token_id"),
                method=scope["method"],
                path=scope["path"],
                status=status,
                summary=summary,
                idempotency_key=key,
                request_sha256=digest,
            )
        )
