"""Checking the shape of a streamed JSON document: a container of the wrong type is an error
naming the field, never an import of nothing (``"messages": {}`` is not an empty chat)."""

from __future__ import annotations

from typing import IO

from shequn.errors import InputFormatError

FOUND = {
    "start_map": "an object",
    "start_array": "a list",
    "string": "text",
    "number": "a number",
    "integer": "a number",
    "double": "a number",
    "boolean": "true or false",
    "null": "null",
}
"""ijson's event for the start of a value → what to call it in an error."""


def expect(event: str, want: str, label: str, where: str, what: str) -> None:
    """Raise unless ``event`` (ijson's first event of a value) starts a ``want``
    (``start_array`` or ``start_map``); ``what`` says what the value should hold."""
    if event != want:
        raise InputFormatError(
            label,
            where,
            f"must be {FOUND[want]} of {what}, found {FOUND.get(event, event)}",
        )


def expect_array(fp: IO[bytes], label: str, where: str, what: str) -> None:
    """A JSON document (a buffered stream, not yet read) must be a list: checked on its first
    byte, so the stream is left where it was. An empty file is an error too."""
    peek = getattr(fp, "peek", None)
    head = peek(64) if peek is not None else b"["
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if not head:
        raise InputFormatError(label, where, f"the file is empty: expected a list of {what}")
    if start and start != b"[":
        found = {b"{": "an object", b'"': "text", b"n": "null"}.get(start, "something else")
        raise InputFormatError(label, where, f"expected a list of {what}, found {found}")


def csv_problem(error: Exception) -> str:
    """A :mod:`csv` error (the reader runs with ``strict=True``) in words an operator can act
    on: an unterminated quote would otherwise swallow the rows after it."""
    text = str(error)
    if "unexpected end of data" in text or "expected after" in text:
        return (
            f"a quoted cell is not closed properly ({text}): rows after it would be merged "
            "into it; fix the quote in the file"
        )
    return text
