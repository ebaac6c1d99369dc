"""The FastAPI application: ``create_app()`` wires store, settings, errors, the middleware
and routers.

Everything the app needs lives on ``app.state`` (the store, the settings, the rate limiters),
so tests and ``shequn serve`` build as many independent apps as they like — no module-level
globals besides the replica lock (one DuckDB file per process). The dashboard is added by
whoever composes the server (``shequn serve``: ``web.mount.mount_dashboard``); the API does not
import ``web``.

Middleware, outermost first: security headers on every response (``headers``), the audit
log of writes (``audit``), the token check for ``/api/v1`` before any body is read (``auth``),
the body size limit (``limits``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from sqlalchemy import inspect

from shequn import __version__
from shequn.api import errors
from shequn.api.audit import AuditMiddleware
from shequn.api.auth import Authenticate
from shequn.api.deps import ApiSettings
from shequn.api.headers import SecurityHeaders
from shequn.api.limits import BodyLimit
from shequn.api.ratelimit import RateLimiter
from shequn.api.routes import ROUTERS, hooks_payments, hooks_telegram, hooks_wecom
from shequn.errors import StoreError
from shequn.model.i18n import Said
from shequn.store.db import Store

PREFIX = "/api/v1"
DESCRIPTION = """\
The shequn (社群) REST API: communities, groups, members, the event log, metrics, the health
report and diagnosis, and imports. Authenticate with `Authorization: Bearer <token>`
(`shequn token create`). Errors are RFC 7807 problem+json. See docs/api.md.
"""


def _open(store_url: str | None) -> Store:
    store = Store.open(store_url)
    with store.engine.connect() as conn:
        if not inspect(conn).has_table("api_tokens"):
            store.close()
            raise StoreError(Said("the database schema predates the API: run `shequn db upgrade`"))
    return store


def create_app(store_url: str | None = None, *, settings: ApiSettings | None = None) -> FastAPI:
    """The API on the store at ``store_url`` (default: ``SHEQUN_DATABASE_URL``, else
    ``sqlite:///shequn.db``). ``settings`` default to the ``SHEQUN_API_*`` environment."""
    settings = settings or ApiSettings.from_env()
    settings.budget  # noqa: B018  # a bad SHEQUN_API_ANALYTICS_* stops the start, not a request
    store = _open(store_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        title="shequn API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.settings = settings
    app.state.limiter = RateLimiter(settings.rate_per_minute, settings.rate_burst)
    app.state.strangers = RateLimiter(settings.anonymous_per_minute, settings.anonymous_burst)
    errors.install(app)
    app.add_middleware(
        BodyLimit,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    app.add_middleware(
        Authenticate,
        store=store,
        prefix=f"{PREFIX}/",
        public=frozenset({app.openapi_url or "", app.docs_url or ""}),
        tokens=app.state.limiter,
        strangers=app.state.strangers,
    )
    app.add_middleware(AuditMiddleware, store=store)
    app.add_middleware(SecurityHeaders, docs_path=app.docs_url or "")
    api = APIRouter(prefix=PREFIX, responses=errors.ERROR_RESPONSES)
    for router in ROUTERS:
        api.include_router(router)
    app.include_router(api)
    app.include_router(hooks_wecom.router)  # signed by WeCom, outside the token check
    app.include_router(hooks_telegram.router)  # Telegram's secret header, not a token
    app.include_router(hooks_payments.router)  # signed by the payment platform
    return app


__all__ = ["ApiSettings", "create_app"]
