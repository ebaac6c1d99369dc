"""Any CSV/TSV table: shequn's canonical columns, or a chat archive through a column mapping.

This is the importer of last resort, so a chat archive in no known format still imports:
whatever a scraper, a bot or a spreadsheet wrote, it is nearly always a table. Two modes:

* **canonical** — the header holds the event fields (``kind, occurred_at, …`` and a ``data``
  JSON column or ``data.<field>`` columns): the table twin of canonical JSONL.
* **mapped** — any other table, through a mapping ``target=column`` (given, or guessed from
  common header names): every row becomes a ``message.posted`` (or a join/leave).

docs/import/csv.md is the user's side of this module. Rows stream through :mod:`csv`, so
memory stays flat; a row that cannot be mapped is :class:`Rejected` with the column named.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from shequn.errors import InputFormatError, InvalidEvent, ShequnError
from shequn.ingest.base import ImportContext, Item, Rejected
from shequn.ingest.shape import csv_problem
from shequn.ingest.table_rows import Canonical, Mapped, RowError, Times
from shequn.model.events import Event
from shequn.model.i18n import N_, Said

TARGETS = ("at", "actor", "name", "text", "id", "reply_to", "group", "kind", "media")
"""What a mapping can point a column at (docs/import/csv.md, "Targets")."""

GUESSES: dict[str, tuple[str, ...]] = {
    "at": ("time", "timestamp", "date", "sent_at", "created_at", "datetime", "sent", "时间"),
    "actor": ("user_id", "from_id", "sender_id", "author_id", "userid", "uid", "user", "sender",
              "author"),
    "name": ("name", "from", "sender_name", "nickname", "username", "user_name", "from_name",
             "author_name", "display_name", "昵称"),
    "text": ("text", "message", "content", "body", "msg", "内容"),
    "id": ("id", "message_id", "msg_id", "messageid"),
    "reply_to": ("reply_to", "reply_to_id", "reply_id", "in_reply_to", "reply_to_message_id"),
    "group": ("chat", "chat_id", "group", "group_id", "room", "channel"),
    "kind": ("type", "kind", "event", "event_type", "message_type", "msg_type"),
    "media": ("media", "has_media", "media_type", "attachment", "attachments", "file"),
}  # fmt: skip
"""Header names (lower-cased) each target is guessed from, best first."""

DELIMITERS = {",": N_("comma"), "\t": N_("tab"), ";": N_("semicolon"), "|": N_("pipe")}
_PLATFORM = re.compile(r"^[a-z][a-z0-9_.-]{0,31}$")
_HEAD_LINES, _HEAD_CHARS, _MAX_LINE = 30, 32_768, 1 << 20


def parse_mapping(spec: str) -> dict[str, str]:
    """``"at=sent_at,actor=from_userid,text=text"`` → ``{"at": "sent_at", …}`` (``--map``)."""
    mapping: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        target, eq, column = (s.strip() for s in item.partition("="))
        if not eq or not column:
            raise ShequnError(Said("--map: {item!r} is not target=column", item=item), field="map")
        if target in mapping:
            raise ShequnError(Said("--map: {target} is mapped twice", target=target), field="map")
        mapping[target] = column
    return _check_mapping(mapping)


def _check_mapping(mapping: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(mapping) - set(TARGETS))
    if unknown:
        raise ShequnError(
            Said(
                "--map: unknown target(s) {unknown}; targets are {targets}",
                unknown=", ".join(unknown),
                targets=", ".join(TARGETS),
            ),
            field="map",
        )
    missing = [t for t in ("at", "actor") if t not in mapping]
    if missing:
        needs = (
            Said("--map needs at=COLUMN and actor=COLUMN")
            if len(missing) == 2
            else Said("--map needs {target}=COLUMN", target=missing[0])
        )
        raise ShequnError(needs, field="map")
    return dict(mapping)


class TableImporter:
    """``shequn import`` for CSV/TSV tables. Tried last by detection: nearly any text is a
    table, so every specific format gets its chance first."""

    name = "csv"
    description = "CSV/TSV: canonical event columns, or any chat table via --map"

    def __init__(
        self,
        mapping: dict[str, str] | None = None,
        delimiter: str | None = None,
        time_format: str | None = None,
        platform: str = "chat",
    ) -> None:
        self.mapping = _check_mapping(mapping) if mapping is not None else None
        if delimiter is not None:
            delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter.lower(), delimiter)
            if len(delimiter) != 1 or delimiter in '"\r\n':
                raise ShequnError(
                    Said("--delimiter {delimiter!r} must be one character", delimiter=delimiter),
                    field="d",
                )
        self.delimiter = delimiter
        self.time_format = time_format
        self.platform = platform.strip().lower()
        if not _PLATFORM.match(self.platform):
            raise ShequnError(
                Said("--platform {platform!r} is not a lower-case name", platform=platform),
                field="p",
            )

    def sniff(self, path: Path, head: bytes) -> bool:
        if path.is_dir() or head.startswith(b"PK\x03\x04"):
            return False
        first = head.split(b"\n", 1)[0].decode("utf-8-sig", "replace").strip()
        if first[:1] in ("{", "["):
            return False  # JSON belongs to the JSON formats, even named .csv
        if path.suffix.lower() in (".csv", ".tsv"):
            return True
        return "\ufffd" not in first and _looks_like_header(first)

    def read(self, ctx: ImportContext) -> Iterator[Item]:
        path = str(ctx.path)
        try:
            raw = ctx.open(ctx.path, lines=True)
        except OSError as e:
            raise InputFormatError(
                path, None, Said("cannot open: {error}", error=str(e.strerror))
            ) from None
        with io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
            lines = _lines(text, path)
            head = list(itertools.islice(lines, _HEAD_LINES))
            delimiter = self._delimiter(ctx, head)
            reader = csv.reader(itertools.chain(head, lines), delimiter=delimiter, strict=True)
            rows = _rows(reader, path)
            header_line, header = next(
                ((n, r) for n, r in rows if any(c.strip() for c in r)), (0, [])
            )
            if not header:
                raise InputFormatError(
                    path, 1, Said("no header row: the first line must name columns")
                )
            columns = [c.strip() for c in header]
            convert = self._converter(ctx, columns, header_line)
            for line, row in rows:
                ctx.record()  # every row after the header: an event, a rejection or blank
                if not any(c.strip() for c in row):
                    ctx.ignore("blank rows")
                    continue
                yield _convert_row(convert, row, len(columns), line, delimiter)

    def _delimiter(self, ctx: ImportContext, head: list[str]) -> str:
        """The given delimiter, tab for ``.tsv``, else :class:`csv.Sniffer` checked against
        the header line (the Sniffer can be fooled by punctuation inside the text)."""
        if self.delimiter is not None:
            given = DELIMITERS.get(self.delimiter, self.delimiter)
            ctx.note(Said("delimiter: {delimiter} (given)", delimiter=Said(given)))
            return self.delimiter
        if ctx.path.suffix.lower() == ".tsv":
            ctx.note(Said("delimiter: tab (.tsv file)"))
            return "\t"
        header = next((ln for ln in head if ln.strip()), "")
        try:
            found = csv.Sniffer().sniff("".join(head)[:_HEAD_CHARS], "".join(DELIMITERS))
            delimiter = found.delimiter
        except csv.Error:
            delimiter = ""
        if delimiter not in DELIMITERS or delimiter not in header:
            delimiter = max(DELIMITERS, key=header.count)
            delimiter = delimiter if delimiter in header else ","
        ctx.note(Said("delimiter: {delimiter} (detected)", delimiter=Said(DELIMITERS[delimiter])))
        return delimiter

    def _converter(
        self, ctx: ImportContext, columns: list[str], line: int
    ) -> Callable[[list[str]], Event]:
        path, times = str(ctx.path), Times(ctx, self.time_format)
        if self.mapping is not None:
            index = _resolve(self.mapping, columns, path, line)
            return Mapped(ctx, columns, index, self.platform, times)
        if {"kind", "occurred_at"} <= set(columns):
            return Canonical(ctx, columns, line, times)
        guessed = _guess(columns)
        if "at" not in guessed or "actor" not in guessed:
            raise InputFormatError(
                path,
                line,
                Said(
                    "cannot tell which columns hold the time and the user id (headers: "
                    "{headers}); name them with --map, e.g. --map "
                    "at=TIME_COLUMN,actor=USER_ID_COLUMN,text=TEXT_COLUMN (docs/import/csv.md)",
                    headers=", ".join(columns),
                ),
            )
        mapped = ", ".join(f"{t}={columns[i]}" for t, i in guessed.items())
        ctx.note(Said("columns mapped: {mapped}", mapped=mapped))
        return Mapped(ctx, columns, guessed, self.platform, times)


def _looks_like_header(line: str) -> bool:
    """A first line of ≥2 short names split by one of the delimiters; a cell starting with a
    digit is data, not a name (so ``[12/03/2025, 09:15] Ann: hi`` is no header)."""
    if len(line) > 4096:
        return False
    delimiter = max(DELIMITERS, key=line.count)
    cells = [c.strip() for c in next(csv.reader([line], delimiter=delimiter), [])]
    return len(cells) >= 2 and all(
        0 < len(c) <= 64 and not re.match(r"^\W*\d", c) and "\x00" not in c for c in cells
    )


def _lines(text: io.TextIOWrapper, path: str) -> Iterator[str]:
    """Lines of the table (with their endings, as :mod:`csv` wants them); bytes that are not
    UTF-8 stop the import with the line they are near (decoding runs a chunk ahead)."""
    n = 0
    while True:
        try:
            line = text.readline(_MAX_LINE)
        except UnicodeDecodeError:
            raise InputFormatError(
                path,
                n + 1,
                Said("bytes that are not UTF-8 near this line (save the table as UTF-8)"),
            ) from None
        if not line:
            return
        if len(line) == _MAX_LINE and not line.endswith(("\n", "\r")):
            raise InputFormatError(
                path, n + 1, Said("a line longer than {n} characters", n=_MAX_LINE)
            )
        n += 1
        yield line


def _rows(reader: Any, path: str) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, cells); a record can span lines inside quotes."""
    start = 1
    while True:
        try:
            row: list[str] = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            problem = Said("cannot read the table here: {problem}", problem=csv_problem(e))
            raise InputFormatError(path, start, problem) from None
        yield start, row
        start = reader.line_num + 1


def _convert_row(
    convert: Callable[[list[str]], Event], row: list[str], width: int, line: int, delimiter: str
) -> Item:
    if len(row) != width:
        reason: str = Said(
            "the row has {n} columns, the header has {width}", n=len(row), width=width
        )
    else:
        try:
            return convert(row)
        except RowError as e:
            reason = e.reason
        except InvalidEvent as e:
            reason = e.message
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(row)
    return Rejected(str(line), reason, out.getvalue())


def _guess(columns: list[str]) -> dict[str, int]:
    """Target → column index, from common header names; a column is used at most once."""
    lower = [c.lower() for c in columns]
    found: dict[str, int] = {}
    for target, names in GUESSES.items():
        for name in names:
            if name in lower and lower.index(name) not in found.values():
                found[target] = lower.index(name)
                break
    return found


def _resolve(mapping: dict[str, str], columns: list[str], path: str, line: int) -> dict[str, int]:
    """Target → column index for a given mapping (exact name first, then any case)."""
    found, missing = {}, []
    lower = [c.lower() for c in columns]
    for target, column in mapping.items():
        if column in columns:
            found[target] = columns.index(column)
        elif column.lower() in lower:
            found[target] = lower.index(column.lower())
        else:
            missing.append(f"{target}={column}")
    if missing:
        raise InputFormatError(
            path,
            line,
            Said(
                "--map names column(s) the table does not have: {missing} (headers: {headers})",
                missing=", ".join(missing),
                headers=", ".join(columns),
            ),
        )
    return found
