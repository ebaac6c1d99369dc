"""Request bodies have a size limit on every route: a pure ASGI middleware.

A body larger than its route allows is refused with 413 problem+json — by its
``Content-Length`` before a byte is read, and otherwise while it streams in: the bytes are
counted as they arrive and reading stops at the limit, so a body without a length (chunked)
never sits in memory whole. Routes that take a file (a ``File()`` parameter: the import upload,
the dashboard's import form) allow ``max_upload_bytes``; every other route ``max_body_bytes``.
The route is known once the router has matched it, which is before its body is read.
"""

from __future__ import annotations

from fastapi import params
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shequn.api.errors import problem, reader_language
from shequn.model.i18n import Said, tr


def takes_a_file(route: object) -> bool:
    """Does this route accept an upload (a ``File()`` parameter)?"""
    if not isinstance(route, APIRoute):
        return False
    return any(isinstance(p.field_info, params.File) for p in route.dependant.body_params)


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.body, self.upload = max_body_bytes, max_upload_bytes

    def limit(self, scope: Scope) -> int:
        """The limit of the route the router matched (the largest before it has)."""
        route = scope.get("route")
        if route is None:
            return max(self.body, self.upload)
        return self.upload if takes_a_file(route) else self.body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit(scope):
            lang = reader_language(Headers(scope=scope), None, None)  # before the token
            await too_large(self.limit(scope), scope["path"], lang)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                limit = self.limit(scope)
                if seen > limit or (declared.isdigit() and int(declared) > limit):
                    raise HTTPException(413, _detail(limit))  # becomes problem+json
            return message

        await self.app(scope, counted, send)


def _detail(limit: int) -> Said:
    return Said("the request body is larger than this route allows ({limit} bytes)", limit=limit)


def too_large(limit: int, path: str, lang: str = "en") -> JSONResponse:
    said = _detail(limit)
    return problem(413, said, message=tr(lang, said), instance=path)
