"""Reading the cells of WeChat CSVs as exporters and spreadsheets leave them: time layouts,
the file's encoding, the old PyWxDump ``content`` JSON. Pure helpers for :mod:`.wechat`."""

from __future__ import annotations

import codecs
import json
from datetime import datetime
from pathlib import Path

from shequn.ingest.base import ImportContext
from shequn.model.i18n import Said

TIME_LAYOUTS: list[tuple[str, str]] = [
    ("%Y-%m-%d %H:%M:%S", "YYYY-MM-DD HH:MM:SS (as exported)"),
    ("%Y-%m-%d %H:%M", "YYYY-MM-DD HH:MM"),
    ("%Y/%m/%d %H:%M:%S", "YYYY/M/D HH:MM:SS (re-saved by a spreadsheet)"),
    ("%Y/%m/%d %H:%M", "YYYY/M/D HH:MM (re-saved by a spreadsheet: seconds lost)"),
    ("%Y.%m.%d %H:%M:%S", "YYYY.M.D HH:MM:SS"),
    ("%Y.%m.%d %H:%M", "YYYY.M.D HH:MM (seconds lost)"),
    ("%d.%m.%Y %H:%M:%S", "D.M.YYYY HH:MM:SS (re-saved by a spreadsheet)"),
    ("%d.%m.%Y %H:%M", "D.M.YYYY HH:MM (re-saved by a spreadsheet: seconds lost)"),
    ("%Y-%m-%dT%H:%M:%S", "ISO 8601"),
]
"""PyWxDump writes ``2024-10-04 11:42:07``; a spreadsheet that opens and saves the file rewrites
times in its locale. Only layouts whose day/month order is certain are read (year first, or
dotted day first); ``10/4/2024`` could be either and is refused with the row."""


class Times:
    """Reads PyWxDump times in whichever layout each row uses; remembers which, for the note."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    def parse(self, text: str) -> datetime:
        text = text.strip()
        for fmt, label in TIME_LAYOUTS:
            try:
                at = datetime.strptime(text, fmt)
            except ValueError:
                continue
            self.used[label] = self.used.get(label, 0) + 1
            return at
        raise ValueError(
            Said("time {text!r} is in no known layout (2024-10-04 11:42:07, 2024/10/4 11:42, "
                 "4.10.2024 11:42)", text=text)
        )  # fmt: skip

    def note(self, ctx: ImportContext) -> None:
        if list(self.used) not in ([], [TIME_LAYOUTS[0][1]]):
            listed = ", ".join(f"{label} ×{n}" for label, n in self.used.items())
            ctx.note(Said("times read as {listed}", listed=listed))


def old_content(cell: str) -> tuple[str, str]:
    """(msg, src) of an 8-column PyWxDump ``content`` cell (JSON; plain text if it is not)."""
    try:
        found = json.loads(cell)
    except ValueError:
        return cell, ""
    if isinstance(found, dict):
        return str(found.get("msg") or ""), str(found.get("src") or "")
    return (found if isinstance(found, str) else cell), ""


LABELS = {"utf-8-sig": "UTF-8", "gb18030": "GB18030"}


def file_encoding(path: Path) -> str:
    """UTF-8 as exported; GB18030 when a Chinese spreadsheet saved the file as "CSV" (ANSI).

    Decided by the file's first non-ASCII character only: a UTF-8 file damaged further on must
    stop with the line, not be read as GB18030 garbage."""
    with path.open("rb") as fp:
        head = fp.read(65536)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    first = next((i for i, byte in enumerate(head) if byte > 0x7F), None)
    if first is None:
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head[first : first + 4], final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"
