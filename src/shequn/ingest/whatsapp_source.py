"""Where a WhatsApp chat's text is: a ``.txt``, or the export ``.zip`` that holds it.

Split from :mod:`shequn.ingest.whatsapp` (which reads the text) so each stays small.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import TracebackType
from typing import IO

from shequn.errors import InputFormatError
from shequn.ingest.archive import Archive
from shequn.ingest.base import ImportContext
from shequn.ingest.whatsapp_lines import parse_header
from shequn.ingest.whatsapp_locales import MARKS
from shequn.model.i18n import Said

_CHAT_FILE = re.compile(r"WhatsApp Chat (?:with|-) (?P<name>.+?)(?: \(\d+\))?", re.IGNORECASE)


def chat_member(archive: Archive) -> str | None:
    """The chat text inside an export zip: ``_chat.txt`` (iOS), ``WhatsApp Chat with X.txt``
    (Android), or the only ``.txt`` there is."""
    texts = [name for name in archive.names if name.lower().endswith(".txt")]
    for name in texts:
        if Path(name).name == "_chat.txt":
            return name
    for name in texts:
        if _CHAT_FILE.fullmatch(Path(name).stem):
            return name
    return texts[0] if len(texts) == 1 else None


def looks_like_chat(head: bytes) -> bool:
    """The first non-blank line is a WhatsApp header (Android ``… - `` or iOS ``[… h:m:s] ``)."""
    for raw in head.split(b"\n")[:50]:
        line = raw.decode("utf-8", "replace").strip(MARKS + "\r\n ")
        if line:
            return parse_header(line) is not None
    return False


class ChatSource:
    """The chat text of a ``.txt`` or an export ``.zip``, openable twice: raw for the quick
    first pass, counted (progress bar) for the real one."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx, self.path = ctx, ctx.path
        self.archive: Archive | None = None
        self.member: str | None = None

    def __enter__(self) -> ChatSource:
        if not self.path.is_file():
            raise InputFormatError(str(self.path), None, Said("cannot open: not a file"))
        if Archive.is_zip(self.path):
            self.archive = self.ctx.archive(self.path)
            self.member = chat_member(self.archive)
            if self.member is None:
                raise InputFormatError(
                    str(self.path),
                    None,
                    Said(
                        "no chat text in this zip: expected _chat.txt or 'WhatsApp Chat with ….txt'"
                    ),
                )
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.archive is not None:
            self.archive.close()

    def open(self, *, counted: bool) -> IO[bytes]:
        """The chat text, line by line under the line limit; ``counted`` moves the progress."""
        if self.archive is not None and self.member is not None:
            return self.ctx.open_member(self.archive, self.member, lines=True, counted=counted)
        return self.ctx.open(self.path, lines=True, counted=counted)

    def chat_name(self) -> str | None:
        """The chat's name as the exporter wrote it into the file name, if it did."""
        for stem in (Path(self.member).stem if self.member else "", self.path.stem):
            m = _CHAT_FILE.fullmatch(stem)
            if m:
                return m["name"].strip()
        return None
