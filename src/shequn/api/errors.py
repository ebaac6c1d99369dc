"""Every API error is one shape: RFC 7807 ``application/problem+json``.

The API raises the same :class:`~shequn.errors.ShequnError` tree as the rest of shequn (plus
the three HTTP-only members below, still ShequnErrors); this module is the one place that
turns them into responses, so a route never builds an error body itself. A problem carries
``type``, ``title``, ``status``, ``detail``, ``instance`` (the path), ``field`` (the input at
fault, when one is) and the error's other structured fields as extension members.

Bad input must never look like a server failure: request-validation errors become 422 naming
the field, a value the database refuses (``DataError``: a NUL character, a number out of range)
becomes 422, and only a genuine bug is a 500 — whose body says nothing about the bug.

    ShequnError (shequn/errors.py)
    ├── … the core tree (InvalidEvent 422, NotFound 404, Conflict 409, StoreError 503, …)
    ├── Unauthorized   401  no, malformed, unknown or revoked bearer token
    ├── Forbidden      403  the token's role may not do this (an analyst writing, …)
    ├── BadParameter   422  a query or form value the route cannot use (names the field)
    ├── TooLarge       413  an upload above the configured limit
    └── RateLimited    429  the token's request budget is spent; carries Retry-After
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shequn.errors import Forbidden as Forbidden  # lives in shequn.errors; routes import it here
from shequn.errors import ShequnError

log = logging.getLogger("shequn.api")

PROBLEM = "application/problem+json"
TYPE_BASE = "urn:shequn:problem:"
_STANDARD = frozenset({"type", "title", "status", "detail", "instance", "field"})
_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class Unauthorized(ShequnError):
    """No usable bearer token. Unknown and revoked tokens look the same."""

    status = 401

    def __init__(self, message: str, **fields: object) -> None:
        super().__init__(message, **fields)
        self.headers = {"WWW-Authenticate": "Bearer"}


class BadParameter(ShequnError):
    """A parameter that passed type validation but makes no sense for this route."""

    status = 422


class TooLarge(ShequnError):
    status = 413


class RateLimited(ShequnError):
    """The token's bucket is empty; ``retry_after`` seconds until the next request fits."""

    status = 429

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}


class Problem(BaseModel):
    """The body of every error response (RFC 7807), for the OpenAPI document."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    field: str | None = None


def _kebab(name: str) -> str:
    if name == "ShequnError":
        return "bad-request"
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _plain(value: Any) -> Any:
    """Extension members must be JSON; anything else is shown as text."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Sequence):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def problem(
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    instance: str | None = None,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response. ``kind`` names the ``type`` (``not-found`` …)."""
    title = _TITLES.get(status, "Error")
    body: dict[str, Any] = {
        "type": TYPE_BASE + (kind or _kebab(title.replace(" ", ""))),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    if field is not None:
        body["field"] = field
    body.update({k: _plain(v) for k, v in extra.items() if k not in _STANDARD})
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=dict(headers or {}))


def _field_path(loc: Sequence[Any]) -> str:
    """``("body", "events", 0, "kind")`` → ``body.events[0].kind``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def problem_for(exc: ShequnError, path: str) -> JSONResponse:
    """The problem response for a ShequnError raised while serving ``path``."""
    fields = dict(exc.fields)
    field = fields.pop("field", None)
    return problem(
        exc.status,
        exc.message,
        kind=_kebab(type(exc).__name__),
        instance=path,
        field=None if field is None else str(field),
        headers=getattr(exc, "headers", None),
        **fields,
    )


async def _shequn_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ShequnError)  # noqa: S101  # registered for ShequnError only
    return problem_for(exc, request.url.path)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    errors = [
        {"field": _field_path(e.get("loc", ())), "message": str(e.get("msg", "invalid"))}
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": None, "message": "invalid request"}
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return problem(
        422,
        f"{first['field']}: {first['message']}{more}",
        kind="validation-error",
        instance=request.url.path,
        field=first["field"],
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101
    return problem(
        exc.status_code,
        str(exc.detail),
        instance=request.url.path,
        headers=exc.headers,
    )


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    # The database refused a value the request carried; say so without echoing SQL.
    return problem(
        422,
        "a value in the request cannot be stored or compared (e.g. a NUL character or a "
        "number out of range)",
        kind="validation-error",
        instance=request.url.path,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "something went wrong on our side", instance=request.url.path)


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the problem+json shape."""
    app.add_exception_handler(ShequnError, _shequn_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(Exception, _unexpected)
    add_problem_schema(app)


def _described(status: int, description: str | None = None) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Problem"}
    return {"description": description or _TITLES[status], "content": {PROBLEM: {"schema": schema}}}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: _described(status) for status in (401, 403, 404, 422, 429)
}
"""Declared on every route so the OpenAPI document shows the error shape."""

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: _described(409, "The request contradicts the current state.")
}


def add_problem_schema(app: FastAPI) -> None:
    """Put the :class:`Problem` schema into the document the responses above refer to."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = build()
            schemas = doc.setdefault("components", {}).setdefault("schemas", {})
            schemas["Problem"] = Problem.model_json_schema()
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
