"""Who is calling, decided before anything else: a pure ASGI middleware for ``/api/v1``.

FastAPI reads and parses a request body before it runs a route's dependencies, so a token
check in a dependency comes too late: malformed JSON from nobody would get 422, and a stranger
could make the server parse a body. So the token is checked here, before routing and before
a byte of the body is read; the route's ``current_operator`` dependency only reads the result.

Order of refusals (docs/security.md): no valid token → 401, unless this client address has
sent too many of those → 429 (per address, ``anonymous_per_minute``); a valid token over its
budget → 429 (per token). The OpenAPI document and the docs page are public.
"""

from __future__ import annotations

from functools import partial

from anyio import to_thread
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from shequn.api.errors import RateLimited, Unauthorized, problem_for, reader_language
from shequn.api.ratelimit import RateLimiter
from shequn.errors import ShequnError
from shequn.model.i18n import Said
from shequn.store.db import Store
from shequn.store.tokens import Token, verify_token

SEND_A_TOKEN = Said("send an API token: Authorization: Bearer <token>")
"""A request without a token is told how to send one."""


def client_address(scope: Scope) -> str:
    """The peer's address (behind a proxy: run uvicorn with ``--forwarded-allow-ips``)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def authenticate(
    store: Store,
    authorization: str | None,
    address: str,
    *,
    tokens: RateLimiter,
    strangers: RateLimiter,
) -> Token:
    """The token behind an ``Authorization`` header, or Unauthorized / RateLimited."""
    scheme, _, secret = (authorization or "").partition(" ")
    token = verify_token(store, secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        wait = strangers.take(address)
        if wait > 0:
            raise RateLimited(
                Said(
                    "too many requests without a valid token from {address}; retry in {wait} s",
                    address=address,
                    wait=f"{wait:.1f}",
                ),
                retry_after=wait,
            )
        if not authorization:
            raise Unauthorized(SEND_A_TOKEN)
        raise Unauthorized(Said("this API token is unknown or revoked"))
    wait = tokens.take(token.id)
    if wait > 0:
        raise RateLimited(
            Said(
                "rate limit reached for token {token}; retry in {wait} s",
                token=token.id,
                wait=f"{wait:.1f}",
            ),
            retry_after=wait,
            community=token.community,
        )
    return token


class Authenticate:
    """Sets ``scope["state"]["token"]`` for every request under ``prefix`` but ``public``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        store: Store,
        prefix: str,
        public: frozenset[str],
        tokens: RateLimiter,
        strangers: RateLimiter,
    ) -> None:
        self.app, self.store, self.prefix, self.public = app, store, prefix, public
        self.tokens, self.strangers = tokens, strangers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(self.prefix) or path in self.public:
            await self.app(scope, receive, send)
            return
        check = partial(
            authenticate,
            self.store,
            Headers(scope=scope).get("authorization"),
            client_address(scope),
            tokens=self.tokens,
            strangers=self.strangers,
        )
        try:
            token = await to_thread.run_sync(check)
        except ShequnError as e:
            # a stranger's refusal follows Accept-Language only; a token's, its community's too
            lang = await to_thread.run_sync(
                reader_language, Headers(scope=scope), self.store, getattr(e, "community", None)
            )
            await problem_for(e, path, lang)(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["token"], state["token_id"] = token, token.id  # token_id: for the audit log
        await self.app(scope, receive, send)
