"""What every importer shares: the context it reads in, what it yields, how it is found.

An importer turns one export (a file, a directory or a zip) into a stream of
:class:`~shequn.model.events.Event` — lazily, so memory does not grow with the file. It yields
:class:`Rejected` for a record it cannot map (the import stops there, or with ``--skip-bad``
writes it aside and goes on) and raises :class:`~shequn.errors.InputFormatError` when the file
itself is broken beyond the current record (truncated JSON, a zip that will not open).

Importers never touch the store: the caller hands the events to ``engine.record``.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Protocol

from shequn.errors import InputFormatError
from shequn.ingest.archive import Archive, Limits, guarded
from shequn.model.events import Event


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that could not become an event: where it is, why, and the raw text."""

    where: str  # "path:line" or "path:$.messages[12]"
    reason: str
    raw: str = ""


@dataclass(frozen=True, slots=True)
class Stretch:
    """The start of a stretch of records an importer reads as a whole (the re-import quick
    check): the items after it, up to the next ``Stretch`` or the end, are its own.

    ``done`` is the stored account of a stretch already imported (see
    ``ImportContext.known``): the importer skipped it, and no items of it follow."""

    digest: str
    done: str | None = None


Item = Event | Rejected | Stretch


@dataclass
class ImportContext:
    """Everything an importer needs besides the file: where events go and how to read times.

    ``group`` is the ``--group`` override (every event goes there); without it an importer
    names groups after the chat (``group_slug``). ``tz`` reads timestamps that carry no zone.
    """

    path: Path
    community: str
    tz: tzinfo
    group: str | None = None
    notes: list[str] = field(default_factory=list)
    bytes_read: int = 0
    bytes_total: int | None = None
    naive_times: bool = False
    limits: Limits = field(default_factory=Limits.from_env)
    bindings: Mapping[str, str] = field(default_factory=dict)
    """Chat id as the export writes it → the group it is bound to (``shequn groups bind``),
    so a bound chat lands in its group whatever it is called now."""
    records: int = 0
    """Input records read (messages, rows, lines): each is imported, set aside (``Rejected``)
    or ignored by a rule (:meth:`ignore`), so the summary can show that none went missing."""
    ignored: Counter[str] = field(default_factory=Counter)
    """Records left out on purpose, by rule (a recall notice, a private chat …)."""
    known: Callable[[str], str | None] | None = None
    """The re-import quick check: a stretch's digest → its stored account (JSON) when it was
    imported before, else None. Unset (the API, tests of one importer): every record is read
    and no :class:`Stretch` is yielded."""

    def record(self, n: int = 1) -> None:
        """Count ``n`` input records read (whatever becomes of them)."""
        self.records += n

    def ignore(self, reason: str, n: int = 1) -> None:
        """Count ``n`` records (already counted by :meth:`record`) left out by a rule."""
        self.ignored[reason] += n

    def note(self, text: str) -> None:
        """Tell the operator something the import decided (shown in the summary)."""
        if text not in self.notes:
            self.notes.append(text)

    def group_for(self, chat_id: str | int, chat_name: str | None = None) -> str:
        """The group slug for a chat: the ``--group`` override, else the chat's binding, else
        one made from the chat."""
        if self.group is not None:
            return self.group
        return self.bindings.get(str(chat_id)) or group_slug(chat_name, chat_id)

    def localize(self, naive: datetime) -> datetime:
        """A zone-less export time, read in ``tz`` (and remembered for the summary)."""
        self.naive_times = True
        return naive.replace(tzinfo=self.tz)

    def open(self, path: Path, *, lines: bool = False, counted: bool = True) -> io.BufferedReader:
        """Open a file for reading (buffered) under :attr:`limits`; ``lines`` for line-based
        formats (a line over the limit stops the import), ``counted`` moves the progress bar."""
        return guarded(
            path.open("rb"), str(path), limits=self.limits, lines=lines, on_read=self._on(counted)
        )

    def open_member(
        self, archive: Archive, name: str, *, lines: bool = False, counted: bool = True
    ) -> io.BufferedReader:
        """Open a zip member under the archive's limits (see :meth:`open`)."""
        return archive.open(name, lines=lines, on_read=self._on(counted))

    def archive(self, path: Path) -> Archive:
        """The zip at ``path``, opened under :attr:`limits`."""
        return Archive(path, self.limits)

    def _on(self, counted: bool) -> Callable[[int], None] | None:
        if not counted:
            return None

        def add(n: int) -> None:
            self.bytes_read += n

        return add


class Importer(Protocol):
    """One export format."""

    name: str
    """Short name used by ``--format`` (``telegram``, ``whatsapp`` …)."""

    description: str
    """One line for ``shequn import --help``: the format and the exporter versions it knows."""

    def sniff(self, path: Path, head: bytes) -> bool:
        """True if ``path`` looks like this format; ``head`` is its first 64 KiB (b"" for a
        directory). Cheap and conservative: a wrong True sends a file to the wrong parser."""
        ...

    def read(self, ctx: ImportContext) -> Iterator[Item]:
        """Yield events (and rejected records) in file order, streaming."""
        ...


def group_slug(name: str | None, chat_id: str | int) -> str:
    """A readable, stable group slug: ``reading-club-4242`` from name and id, or the id.

    Ids that are not ASCII (a chat named 读书会 used as its own id) become ``chat-`` plus a
    short hash, so two such chats never share a slug."""
    ident = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(chat_id)).strip("-")
    if not ident or not str(chat_id).isascii():
        digest = hashlib.sha1(str(chat_id).encode(), usedforsecurity=False).hexdigest()[:10]
        ident = f"{ident[:40]}-{digest}".strip("-") if ident else f"chat-{digest}"
    if not name:
        return ident[:128]
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()
    return f"{words[:60]}-{ident}"[:128] if words else ident[:128]


def input_size(path: Path) -> int | None:
    """Bytes the progress bar counts up to: a file's size, a directory's or zip's content
    (None when unknown: a zip that does not open is reported by the importer)."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    if Archive.is_zip(path):
        try:
            with Archive(path) as archive:
                return archive.unpacked_size()
        except InputFormatError:
            return None
    return path.stat().st_size if path.exists() else None


Factory = Callable[[], Importer]
