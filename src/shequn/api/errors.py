"""Every API error is one shape: RFC 7807 ``application/problem+json``.

The API raises the same :class:`~shequn.errors.ShequnError` tree as the rest of shequn (plus
the three HTTP-only members below, still ShequnErrors); this module is the one place that
turns them into responses, so a route never builds an error body itself. A problem carries
``type``, ``title``, ``status``, ``detail``, ``instance`` (the path), ``field`` (the input at
fault, when one is) and the error's other structured fields as extension members.

``detail`` is the English sentence, the same in every language (programs, logs and
``shequn … --json`` read it); ``message`` says it to the person in front of the client, in
their language (:func:`reader_language`: the request's ``Accept-Language`` when it names a
language shequn speaks, else the language of the token's community, else English), through
the catalogue as the command line says it (:mod:`shequn.model.error_text`).

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

from shequn.api.validation_text import said_problem
from shequn.errors import Forbidden as Forbidden  # lives in shequn.errors; routes import it here
from shequn.errors import ShequnError
from shequn.model.error_text import said_error
from shequn.model.i18n import DEFAULT, LANGUAGES, N_, Said, pick, tr
from shequn.store.db import Store
from shequn.store.queries import community_languages

log = logging.getLogger("shequn.api")

PROBLEM = "application/problem+json"
TYPE_BASE = "urn:shequn:problem:"
_STANDARD = frozenset({"type", "title", "status", "detail", "instance", "field", "message"})
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
    """The token's bucket is empty; ``retry_after`` seconds until the next request fits.
    ``community`` is the token's (its language says the refusal), ``None`` for a stranger."""

    status = 429

    def __init__(self, message: str, *, retry_after: float, community: str | None = None) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}
        self.community = community


class Problem(BaseModel):
    """The body of every error response (RFC 7807), for the OpenAPI document."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    field: str | None = None
    message: str | None = None


def accepted_language(header: str | None) -> str | None:
    """The language of ``shequn``'s own that an ``Accept-Language`` header prefers
    (``zh-CN,zh;q=0.9,en;q=0.8`` → ``zh``), or ``None`` when it names none of them."""
    best: tuple[float, int, str] | None = None
    for i, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if lang in LANGUAGES and q > 0 and (best is None or (q, -i) > best[:2]):
            best = (q, -i, lang)
    return best[2] if best else None


def reader_language(headers: Mapping[str, str], store: Store | None, community: str | None) -> str:
    """The language a problem's ``message`` is said in: ``Accept-Language`` when it names one
    shequn speaks, else the language of ``community`` (the token's — never the path's, which
    anyone may name), else English."""
    asked = accepted_language(headers.get("accept-language"))
    if asked is not None:
        return asked
    if community is None or store is None:
        return DEFAULT
    try:
        with store.read() as conn:
            return pick(community_languages(conn).get(community))
    except Exception:
        return DEFAULT


def request_language(request: Request) -> str:
    """:func:`reader_language` for a request the middleware let through (its token known)."""
    token = getattr(request.state, "token", None)
    store: Store | None = getattr(request.app.state, "store", None)
    return reader_language(request.headers, store, getattr(token, "community", None))


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
    message: str | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response. ``kind`` names the ``type`` (``not-found`` …); ``message`` is
    ``detail`` said in the reader's language (``detail`` itself when not given)."""
    title = _TITLES.get(status, "Error")
    body: dict[str, Any] = {
        "type": TYPE_BASE + (kind or _kebab(title.replace(" ", ""))),
        "title": title,
        "status": status,
        "detail": str(detail),
        "message": str(detail) if message is None else message,
    }
    if instance is not None:
        body["instance"] = instance
    if field is not None:
        body["field"] = field
    body.update({k: _plain(v) for k, v in extra.items() if k not in _STANDARD})
    # the message follows Accept-Language: a cache must not hand one reader's to another
    sent = {"Vary": "Accept-Language", **(headers or {})}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=sent)


def _field_path(loc: Sequence[Any]) -> str:
    """``("body", "events", 0, "kind")`` → ``body.events[0].kind``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def problem_for(exc: ShequnError, path: str, lang: str = DEFAULT) -> JSONResponse:
    """The problem response for a ShequnError raised while serving ``path``: ``detail`` in
    English, ``message`` in ``lang``."""
    fields = dict(exc.fields)
    field = fields.pop("field", None)
    return problem(
        exc.status,
        exc.message,
        message=tr(lang, said_error(exc) or exc.message),
        kind=_kebab(type(exc).__name__),
        instance=path,
        field=None if field is None else str(field),
        headers=getattr(exc, "headers", None),
        **fields,
    )


def _shequn_error(request: Request, exc: Exception) -> JSONResponse:
    # not async: Starlette runs it in a thread, where reading the community's language waits
    assert isinstance(exc, ShequnError)  # noqa: S101  # registered for ShequnError only
    return problem_for(exc, request.url.path, request_language(request))


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    found = list(exc.errors())
    errors = [
        {"field": _field_path(e.get("loc", ())), "message": str(e.get("msg", "invalid"))}
        for e in found
    ]
    first = errors[0] if errors else {"field": None, "message": "invalid request"}
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    detail = f"{first['field']}: {first['message']}{more}"
    lang = request_language(request)
    message = detail
    if found and lang != DEFAULT:  # pydantic's English is the English message
        said = Said("{field}: {problem}", field=first["field"], problem=said_problem(found[0]))
        if len(errors) > 1:
            said = Said("{first} (and {n} more)", first=said, n=len(errors) - 1)
        message = tr(lang, said)
    return problem(
        422,
        detail,
        message=message,
        kind="validation-error",
        instance=request.url.path,
        field=first["field"],
        errors=errors,
    )


STARLETTE = (N_("Not Found"), N_("Method Not Allowed"))
"""Starlette's own details (a path no route has, a method it does not take): message ids, so
their ``message`` is said like the others."""


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101
    return problem(
        exc.status_code,
        str(exc.detail),
        message=tr(request_language(request), exc.detail),
        instance=request.url.path,
        headers=exc.headers,
    )


def _data_error(request: Request, exc: Exception) -> JSONResponse:
    # The database refused a value the request carried; say so without echoing SQL.
    said = Said(
        "a value in the request cannot be stored or compared (e.g. a NUL character or a "
        "number out of range)"
    )
    return problem(
        422,
        said,
        message=tr(request_language(request), said),
        kind="validation-error",
        instance=request.url.path,
    )


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    said = Said("something went wrong on our side")
    return problem(
        500, said, message=tr(request_language(request), said), instance=request.url.path
    )


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
