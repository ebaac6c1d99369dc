"""Checking the shape of a streamed JSON document: a container of the wrong type is an error
naming the field, never an import of nothing (``"messages": {}`` is not an empty chat)."""

from __future__ import annotations

from typing import IO

from shequn.errors import InputFormatError, ShequnError
from shequn.model.i18n import C_, Said, told

FOUND: dict[str, Said] = {
    "start_map": Said("an object"),
    "start_array": Said("a list"),
    "string": C_("json", "text"),
    "number": Said("a number"),
    "integer": Said("a number"),
    "double": Said("a number"),
    "boolean": Said("true or false"),
    "null": Said("null"),
}
"""ijson's event for the start of a value → what to call it in an error."""


def expect(event: str, want: str, label: str, where: str, what: str) -> None:
    """Raise unless ``event`` (ijson's first event of a value) starts a ``want``
    (``start_array`` or ``start_map``); ``what`` says what the value should hold (a message
    id: ``N_("messages")``)."""
    if event != want:
        raise InputFormatError(
            label,
            where,
            Said(
                "must be {want} of {what}, found {found}",
                want=FOUND[want],
                what=Said(what),
                found=FOUND.get(event, event),
            ),
        )


def expect_array(fp: IO[bytes], label: str, where: str, what: str) -> None:
    """A JSON document (a buffered stream, not yet read) must be a list: checked on its first
    byte, so the stream is left where it was. An empty file is an error too."""
    peek = getattr(fp, "peek", None)
    head = peek(64) if peek is not None else b"["
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if not head:
        raise InputFormatError(
            label, where, Said("the file is empty: expected a list of {what}", what=Said(what))
        )
    if start and start != b"[":
        found = {b"{": FOUND["start_map"], b'"': FOUND["string"], b"n": FOUND["null"]}.get(
            start, Said("something else")
        )
        raise InputFormatError(
            label,
            where,
            Said("expected a list of {what}, found {found}", what=Said(what), found=found),
        )


def csv_problem(error: Exception) -> str:
    """A :mod:`csv` error (the reader runs with ``strict=True``) in words an operator can act
    on: an unterminated quote would otherwise swallow the rows after it."""
    text = str(error)
    if "unexpected end of data" in text or "expected after" in text:
        return Said(
            "a quoted cell is not closed properly ({error}): rows after it would be merged "
            "into it; fix the quote in the file",
            error=text,
        )
    return text


def cause(error: Exception) -> str:
    """Why one record could not be mapped, for its rejection: our own errors as said (a
    :class:`~shequn.errors.ShequnError`'s message, or a ``ValueError(Said(…))`` an importer
    raised with its type before it), Python's own as written."""
    if isinstance(error, ShequnError):
        return error.message
    text = told(error)
    if isinstance(text, Said):
        return Said("{kind}: {error}", kind=type(error).__name__, error=text)
    return f"{type(error).__name__}: {error}"
