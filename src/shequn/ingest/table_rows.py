"""Rows of a CSV/TSV table as events: the canonical shape and a mapped chat table.

``table.py`` finds the header, the delimiter and the columns; this module turns one row into
one :class:`~shequn.model.events.Event`, or raises :class:`RowError` naming the column, which
the importer reports as :class:`~shequn.ingest.base.Rejected` (docs/import/csv.md).
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import UTC, datetime
from typing import Any

import orjson

from shequn.errors import InputFormatError
from shequn.ingest.base import ImportContext
from shequn.ingest.text import message_data
from shequn.model.events import TOP_LEVEL, Event, identity_key
from shequn.model.i18n import Said
from shequn.model.kinds import COMMON_FIELDS, KINDS
from shequn.model.kindspec import DataField

_MEDIA = ("photo", "image", "picture", "video", "voice", "audio", "file", "document", "sticker",
          "gif", "animation")  # fmt: skip
KIND_VALUES: dict[str, tuple[str, bool]] = {
    **dict.fromkeys(("", "message", "msg", "text", "post", "posted", "message.posted"),
                    ("message.posted", False)),
    **dict.fromkeys(_MEDIA, ("message.posted", True)),
    **dict.fromkeys(("join", "joined", "enter", "entered", "member.joined", "加入", "入群"),
                    ("member.joined", False)),
    **dict.fromkeys(("leave", "left", "quit", "exit", "member.left", "退出", "退群"),
                    ("member.left", False)),
}  # fmt: skip
"""Values of a ``kind`` column (lower-cased) → (event kind, carries media)."""

_FALSY = frozenset(("", "0", "false", "no", "n", "f", "none", "null"))
_BOOLS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_EPOCH = re.compile(r"^\d{1,16}(?:\.\d+)?$")
_SLASH_DATE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})")
_FALLBACK_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S",
                     "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d")  # fmt: skip
_COMMON = {f.name: f for f in COMMON_FIELDS}
MAX_KEY = 255
"""The store keeps keys (ids, refs) of up to 255 characters."""


class RowError(Exception):
    """One row cannot become an event; ``reason`` names the column."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Times:
    """Reads a cell as a time: ``time_format`` when given, else ISO 8601, ``YYYY/MM/DD …``
    or epoch seconds/milliseconds. Zone-less times are read in the import's zone."""

    def __init__(self, ctx: ImportContext, time_format: str | None) -> None:
        self.ctx, self.time_format = ctx, time_format

    def parse(self, value: str, column: str) -> datetime:
        text = value.strip()
        if not text:
            raise RowError(
                Said("column {column} is empty: every row needs its time", column=column)
            )
        try:
            at = self._parse(text)
        except (ValueError, OverflowError, OSError):
            wanted = self.time_format or Said("ISO 8601, YYYY-MM-DD HH:MM[:SS] or epoch seconds/ms")
            raise RowError(
                Said("column {column}: {text!r} is not a time ({wanted})", column=column,
                     text=text, wanted=wanted)
            ) from None  # fmt: skip
        return at if at.tzinfo is not None else self.ctx.localize(at)

    def _parse(self, text: str) -> datetime:
        if self.time_format is not None:
            return datetime.strptime(text, self.time_format)  # the zone is added by parse()
        if _EPOCH.match(text):
            seconds = float(text)
            return datetime.fromtimestamp(seconds / 1000 if seconds >= 1e11 else seconds, UTC)
        text = _SLASH_DATE.sub(r"\1-\2-\3", text)
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
        for fmt in _FALLBACK_FORMATS:  # ISO's stricter cousins: 2025-3-2 9:05
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
        raise ValueError(text)


class Canonical:
    """Rows in the canonical shape: the table twin of canonical JSONL (docs/events.md)."""

    def __init__(self, ctx: ImportContext, columns: list[str], line: int, times: Times) -> None:
        unknown = [c for c in columns if c not in TOP_LEVEL and not c.startswith("data.")]
        twice = sorted({c for c in columns if columns.count(c) > 1})
        if unknown or twice:
            problem = (
                Said("unknown column(s) {columns}", columns=", ".join(unknown))
                if unknown
                else Said("repeated column(s) {columns}", columns=", ".join(twice))
            )
            raise InputFormatError(
                str(ctx.path),
                line,
                Said(
                    "{problem}: a canonical table has {top} and data.FIELD columns (for any "
                    "other table give --map, docs/import/csv.md)",
                    problem=problem,
                    top=", ".join(TOP_LEVEL),
                ),
            )
        self.ctx, self.columns, self.times = ctx, columns, times

    def __call__(self, row: list[str]) -> Event:
        obj: dict[str, Any] = {}
        data: dict[str, Any] = {}
        fields: list[tuple[str, str]] = []
        for column, cell in zip(self.columns, row, strict=True):
            if not cell.strip():
                continue
            if column == "data":
                data = _json(cell, column, dict)
            elif column.startswith("data."):
                fields.append((column[5:], cell))
            else:
                obj[column] = cell.strip()
        spec = KINDS.get(obj.get("kind", ""))
        if spec is None:
            raise RowError(
                Said("column kind: {kind!r} is not an event kind", kind=obj.get("kind", ""))
            )
        for name, cell in fields:
            data[name] = _coerce(spec.by_name.get(name) or _COMMON.get(name), name, cell)
        obj["occurred_at"] = self.times.parse(obj.get("occurred_at", ""), "occurred_at")
        obj.setdefault("community", self.ctx.community)
        if self.ctx.group is not None and ("group" in obj or spec.group_required):
            obj["group"] = self.ctx.group
        obj["data"] = data
        return Event.from_dict(obj)


def _coerce(spec: DataField | None, name: str, cell: str) -> Any:
    """A ``data.<field>`` cell as the type the vocabulary gives the field (text if unknown)."""
    types = spec.types if spec is not None else (str,)
    column, text = f"data.{name}", cell.strip()
    if bool in types:
        if text.lower() not in _BOOLS:
            raise RowError(
                Said("column {column}: {text!r} is not true/false/1/0/yes/no", column=column,
                     text=text)
            )  # fmt: skip
        return _BOOLS[text.lower()]
    if list in types or dict in types:
        return _json(text, column, list if list in types else dict)
    if int in types:
        try:
            return int(text)
        except ValueError:
            if float not in types:
                raise RowError(
                    Said("column {column}: {text!r} is not a whole number", column=column,
                         text=text)
                ) from None  # fmt: skip
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise RowError(
                Said("column {column}: {text!r} is not a number", column=column, text=text)
            )
        return number
    return cell


def _json(cell: str, column: str, kind: type) -> Any:
    try:
        value = orjson.loads(cell)
    except orjson.JSONDecodeError:
        value = None
    if not isinstance(value, kind):
        raise RowError(
            Said("column {column}: not a JSON object", column=column)
            if kind is dict
            else Said("column {column}: not a JSON list", column=column)
        )
    return value


class Mapped:
    """Rows of any chat table, read through target → column index."""

    def __init__(
        self,
        ctx: ImportContext,
        columns: list[str],
        index: dict[str, int],
        platform: str,
        times: Times,
    ) -> None:
        self.ctx, self.index, self.platform, self.times = ctx, index, platform, times
        self.column = {target: columns[i] for target, i in index.items()}
        self.source = f"table-import:{ctx.path.stem}"
        self.default_group = ctx.group_for(ctx.path.stem)
        self._same_time: tuple[str, dict[str, int]] = ("", {})

    def __call__(self, row: list[str]) -> Event:
        def get(target: str) -> str:
            return row[self.index[target]].strip() if target in self.index else ""

        at = self.times.parse(get("at"), self.column["at"])
        user = get("actor")
        if not user:
            raise RowError(
                Said("column {column} is empty: every row needs a user id",
                     column=self.column["actor"])
            )  # fmt: skip
        kind_value = get("kind").lower()
        if kind_value not in KIND_VALUES:
            raise RowError(
                Said(
                    "column {column}: {kind!r} is not one of message, join/joined, leave/left "
                    "or a media type (see docs/import/csv.md)",
                    column=self.column["kind"],
                    kind=kind_value,
                )
            )
        kind, is_media = KIND_VALUES[kind_value]
        chat = get("group")
        text = row[self.index["text"]] if "text" in self.index else ""
        ref = get("id") or self._row_ref(at, user, text)
        reply = get("reply_to") or None
        if chat:  # native ids are often unique per chat only
            ref, reply = f"{chat}:{ref}", (f"{chat}:{reply}" if reply else None)
        actor = identity_key(self.platform, user)
        for target, value in (("id", ref), ("actor", actor)):
            if len(value) > MAX_KEY:  # the store keeps keys of up to 255 characters
                raise RowError(
                    Said("column {column}: longer than {n}", column=self.column.get(target, "id"),
                         n=MAX_KEY)
                )  # fmt: skip
        name = get("name") or None
        if kind == "message.posted":
            media = is_media or get("media").lower() not in _FALSY
            data = message_data(text, has_media=media, reply_to=reply, actor_name=name)
        else:
            data = {"actor_name": name} if name else {}
        return Event(
            kind=kind,
            occurred_at=at,
            community=self.ctx.community,
            source=self.source,
            source_ref=ref,
            group=self.ctx.group_for(chat) if chat else self.default_group,
            actor=actor,
            data=data,
        )

    def _row_ref(self, at: datetime, user: str, text: str) -> str:
        """A stable ref for a row without an id: a hash of (time, user, text), plus a count
        for repeats within the same time (only those are kept, so memory stays flat)."""
        moment = at.astimezone(UTC).isoformat()
        digest = hashlib.sha256("\x1f".join((moment, user, text)).encode()).hexdigest()[:20]
        if self._same_time[0] != moment:
            self._same_time = (moment, {})
        counts = self._same_time[1]
        n = counts[digest] = counts.get(digest, -1) + 1
        return f"row-{digest}" + (f"-{n}" if n else "")
