"""Canonical JSONL: one event per line, in the shape docs/events.md describes.

This is the generic import path: anything that can write JSON lines can feed shequn.
Blank lines and lines starting with ``#`` are ignored. Every problem is reported with the
file and line number.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from shequn.errors import InputFormatError, InvalidEvent
from shequn.ingest.base import ImportContext, Item, Rejected
from shequn.model.events import Event
from shequn.model.i18n import Said


def parse_line(raw: bytes, *, path: str, line: int) -> Event | None:
    """One line → one event (``None`` for blank and comment lines)."""
    text = raw.strip()
    if not text or text.startswith(b"#"):
        return None
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        problem = (
            Said("not valid JSON: {error}", error=str(e))
            if text.endswith(b"}")
            else Said("not valid JSON: {error} (is the line cut short?)", error=str(e))
        )
        raise InputFormatError(path, line, problem) from None
    try:
        return Event.from_dict(obj)
    except InvalidEvent as e:
        raise InputFormatError(path, line, e.message, **e.fields) from None


def read_jsonl(lines: Iterable[bytes], *, path: str) -> Iterator[Event]:
    """Yield events from lines of bytes; raise :class:`InputFormatError` at the first bad one."""
    for n, raw in enumerate(lines, 1):
        event = parse_line(raw, path=path, line=n)
        if event is not None:
            yield event


def check_jsonl(path: Path, *, max_errors: int = 20) -> tuple[int, list[InputFormatError]]:
    """Validate a whole file, storing nothing: (number of good events, the first problems)."""
    good, problems = 0, []
    with path.open("rb") as fp:
        for n, raw in enumerate(fp, 1):
            try:
                good += parse_line(raw, path=str(path), line=n) is not None
            except InputFormatError as e:
                problems.append(e)
                if len(problems) >= max_errors:
                    break
    return good, problems


class CanonicalJsonl:
    """``shequn import`` for canonical JSONL: the events carry their own community and group
    (``--group`` moves them all into one group)."""

    name = "jsonl"
    description = "shequn's canonical event JSONL (docs/events.md)"

    def sniff(self, path: Path, head: bytes) -> bool:
        first = next(
            (ln for ln in head.splitlines() if ln.strip() and not ln.startswith(b"#")), b""
        )
        try:
            obj = orjson.loads(first)
        except orjson.JSONDecodeError:
            return False
        return isinstance(obj, dict) and "kind" in obj and "occurred_at" in obj

    def read(self, ctx: ImportContext) -> Iterator[Item]:
        with ctx.open(ctx.path, lines=True) as fp:
            for n, raw in enumerate(fp, 1):
                ctx.record()  # every line: an event, a rejection, or blank / a comment
                try:
                    event = parse_line(raw, path=str(ctx.path), line=n)
                except InputFormatError as e:
                    yield Rejected(str(n), e.problem, raw.decode("utf-8", "replace").rstrip())
                    continue
                if event is None:
                    ctx.ignore("blank lines and # comments")
                    continue
                if ctx.group is not None and event.group is not None:
                    event.group = ctx.group
                yield event
