"""Security headers on every response, API and dashboard alike (docs/security.md).

* ``Content-Security-Policy``: scripts only from this origin — the dashboard has no inline
  script (chart data travels in ``<script type="application/json">`` blocks, which are data,
  and ``static/dashboard.js`` draws them). Styles allow ``'unsafe-inline'`` because ECharts
  writes ``style`` attributes into the tooltips it builds; an injected style cannot run code.
  ``frame-ancestors 'none'`` (and ``X-Frame-Options: DENY`` for older browsers): no page can
  be framed, so the promote and review forms cannot be clickjacked.
* ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin``.

A pure ASGI middleware: it only adds headers to ``http.response.start``, so streaming works.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
DOCS_CSP = CSP.replace(
    "script-src 'self'", "script-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'"
).replace("style-src 'self'", "style-src 'self' https://cdn.jsdelivr.net")
"""The Swagger page (``/api/v1/docs``) loads its scripts from a CDN and starts them inline."""


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, docs_path: str) -> None:
        self.app, self.docs_path = app, docs_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope.get("path") == self.docs_path else CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                headers["Content-Security-Policy"] = csp
            await send(message)

        await self.app(scope, receive, with_headers)
