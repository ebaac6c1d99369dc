"""A one-chat export's ``messages`` array cut into pieces of whole messages, by bytes.

Why: orjson parses a piece of a few MB in one C call, several times faster than building the
same objects with ijson one event at a time; and a piece is the unit of the re-import quick
check: a piece whose bytes were imported before (its digest is stored) is not parsed at all.

How: JSON text holds a raw line break only between tokens, never inside a string. In a file
written one message per line, or indented the way Telegram Desktop writes it (one space per
level), a line that starts with the first message's indentation followed by ``{`` starts a
message, and deeper lines are indented further. So the array is cut just before such a line,
once a piece has :data:`PIECE` bytes. A cut in the wrong place (a file indented unevenly) leaves
a piece that does not parse: it is joined with the next one and parsed again, so every valid
file is read right, only slower. A file whose messages array holds no line break before its
first message (minified) is not cut: :func:`layout` says so and ijson reads it as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import orjson

from shequn.model.i18n import Said

PIECE = 256 << 10
"""Bytes of whole messages per piece (about 800 messages of a typical chat: some 6 MB as
Python objects, the most held at a time)."""
READ = 1 << 16
"""Bytes read at a time."""
MOST = 256 << 20
"""A piece that still does not parse at this size is a broken file, not a bad cut."""

_MESSAGES = re.compile(rb'"messages"\s*:\s*\[')
_BOM = b"\xef\xbb\xbf"


class Broken(ValueError):
    """The array does not parse as JSON where it should (a truncated or damaged file)."""


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the messages array starts, what starts a message, and the header before it."""

    start: int
    """Offset of the first byte after the array's ``[``."""
    sep: bytes
    """A line break, the messages' indentation, ``{``: the start of a message."""
    header: dict[str, Any]
    """The top-level keys before ``messages`` (name, type, id)."""


@dataclass(frozen=True, slots=True)
class Piece:
    """Whole messages: their bytes, and the parsed messages (None: skipped as already known)."""

    raw: bytes
    messages: list[Any] | None
    done: str | None = None
    """What ``known(raw)`` answered for a skipped piece."""
    salvaged: bool = False
    """The good messages before the point where a broken file stops parsing (the error
    follows): not a stretch to remember."""


def layout(head: bytes) -> Layout | None:
    """The layout of a one-chat export from its first bytes, or None when it cannot be cut
    (no ``messages`` key in the head, a header that does not parse, a minified array, no
    messages at all)."""
    body = head[len(_BOM) :] if head.startswith(_BOM) else head
    skip = len(head) - len(body)
    m = _MESSAGES.search(body)
    if m is None:
        return None
    prefix = body[: m.start()].rstrip()
    if not prefix.endswith(b","):
        return None
    try:
        header = orjson.loads(prefix[:-1] + b"}")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(header, dict):
        return None
    rest = body[m.end() :]
    first = len(rest) - len(rest.lstrip())
    if rest[first : first + 1] != b"{" or b"\n" not in rest[:first]:
        return None
    indent = rest[:first].rsplit(b"\n", 1)[1]
    if indent.strip():
        return None
    return Layout(start=skip + m.end(), sep=b"\n" + indent + b"{", header=header)


def pieces(
    fp: IO[bytes], lay: Layout, known: Callable[[bytes], str | None] | None = None
) -> Iterator[Piece]:
    """The array's messages in pieces, in file order; ``known(raw)`` returning an answer skips
    a piece unparsed. Raises :class:`Broken` when the array does not parse."""
    skipped = fp.read(lay.start)
    if len(skipped) < lay.start:
        raise Broken(Said("the file ends before its messages"))
    buf = bytearray()
    eof = False
    cut_from = PIECE
    while True:
        cut = buf.find(lay.sep, cut_from)
        if cut < 0 and not eof:
            block = fp.read(READ)
            if block:
                buf += block
                continue
            eof = True
            continue
        if cut < 0:
            yield from _last(bytes(buf), lay.sep, known)
            return
        raw = bytes(buf[:cut]).rstrip()
        piece = _piece(raw[:-1], known) if raw.endswith(b",") else None
        if piece is None:  # a cut inside a message: take in the next stretch too
            if cut >= MOST:
                raise Broken(Said("a stretch of messages does not parse"))
            cut_from = cut + 1
            continue
        yield piece
        del buf[: cut + 1]
        cut_from = PIECE


def _piece(raw: bytes, known: Callable[[bytes], str | None] | None) -> Piece | None:
    """``raw`` as a piece (None: it does not parse, the cut was wrong)."""
    if known is not None and (done := known(raw)) is not None:
        return Piece(raw, None, done)
    try:
        return Piece(raw, orjson.loads(b"[" + raw + b"]"))
    except orjson.JSONDecodeError:
        return None


def _last(rest: bytes, sep: bytes, known: Callable[[bytes], str | None] | None) -> Iterator[Piece]:
    """The last piece: up to the ``]`` that closes the array, followed by the end of the
    top-level object (other keys after ``messages`` are allowed and not read). In a file cut
    off, the messages before the cut, then :class:`Broken`."""
    end = rest.rfind(b"]")
    while end >= 0:
        raw = rest[:end].rstrip()
        if _closes(rest[end + 1 :]) and (piece := _piece(raw, known)) is not None:
            yield piece
            return
        end = rest.rfind(b"]", 0, end)
    yield from _good_part(rest, sep)
    raise Broken(Said("the messages array does not end"))


def _good_part(rest: bytes, sep: bytes, tries: int = 100) -> Iterator[Piece]:
    """The messages of a broken last piece that parse, one by one, up to the break."""
    start, at, failed = 0, rest.find(sep, 1), 0
    while at >= 0 and failed < tries:
        raw = rest[start:at].rstrip()
        try:
            found = orjson.loads(b"[" + raw.removesuffix(b",") + b"]")
        except orjson.JSONDecodeError:
            failed += 1
        else:
            yield Piece(raw, found, salvaged=True)
            start, failed = at + 1, 0
        at = rest.find(sep, at + 1)


def _closes(tail: bytes) -> bool:
    """Whether ``tail`` ends the top-level object: ``}``, or more keys and then ``}``."""
    tail = tail.strip()
    if tail == b"}":
        return True
    if not (tail.startswith(b",") and tail.endswith(b"}")):
        return False
    try:
        return isinstance(orjson.loads(b"{" + tail[1:]), dict)
    except orjson.JSONDecodeError:
        return False
