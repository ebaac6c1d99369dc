"""Running an import: pull items from an importer, keep the numbers, stop or set bad records
aside, and hand clean events on. The caller records them (``engine.record``)."""

from __future__ import annotations

import io
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO, Any

from shequn.errors import InputFormatError, ShequnError
from shequn.ingest.archive import Limits
from shequn.ingest.base import ImportContext, Importer, Rejected, Stretch, input_size
from shequn.ingest.read_ahead import available, read_ahead
from shequn.ingest.registry import detect, get_importer
from shequn.ingest.stretches import Stretches
from shequn.model.bindings import export_bindings
from shequn.model.events import Event
from shequn.model.i18n import Said


@dataclass
class ImportSummary:
    """What an import did; printed at the end, or as JSON with ``--json``."""

    path: str
    format: str
    new: int = 0
    duplicate: int = 0
    skipped: int = 0
    events: int = 0
    members_seen: int = 0
    groups: list[str] = field(default_factory=list)
    first_at: datetime | None = None
    last_at: datetime | None = None
    timezone: str | None = None
    notes: list[str] = field(default_factory=list)
    records: int | None = None
    """Input records read; ``imported + skipped + sum(ignored) == records`` (None when the
    importer does not count records)."""
    imported: int | None = None
    """Records that became at least one event."""
    ignored: dict[str, int] = field(default_factory=dict)
    """Records left out by a rule, by reason."""
    community_created: bool = False
    """The community was made from this export (a fresh database): see docs/import."""

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        for key in ("first_at", "last_at"):
            d[key] = d[key].isoformat() if d[key] else None
        return d


READ_AHEAD_BYTES = 16 << 20
"""Inputs at least this big are read in a second process (``ingest/read_ahead.py``) when
:func:`~shequn.ingest.read_ahead.available`; ``SHEQUN_IMPORT_READ_AHEAD`` = 0 or 1 decides
for every size."""


class ImportJob:
    """One import of one path. Iterate :meth:`events`; read :attr:`summary` afterwards."""

    @classmethod
    def for_path(
        cls,
        path: Path,
        *,
        community: str,
        tz: tzinfo,
        group: str | None = None,
        fmt: str | None = None,
        importer: Importer | None = None,
        skip_bad: IO[str] | None = None,
        limits: Limits | None = None,
        bindings: Mapping[str, Mapping[str, str]] | None = None,
        known: Callable[[str], str | None] | None = None,
    ) -> ImportJob:
        """The job for ``path``: the given importer, else the ``fmt`` one, else detected;
        ``limits`` default to :meth:`Limits.from_env`; ``bindings`` are the community's bound
        chats by platform (chat id → group, as ``store.bindings.bindings_by_platform``);
        ``known`` is the re-import quick check (``ImportContext.known``)."""
        if importer is None:
            importer = get_importer(fmt) if fmt else detect(path)
        ctx = ImportContext(
            path=path,
            community=community,
            tz=tz,
            group=group,
            bytes_total=input_size(path),
            limits=limits or Limits.from_env(),
            bindings=export_bindings(importer.name, (bindings or {}).get(importer.name, {})),
            known=known,
        )
        return cls(importer, ctx, skip_bad=skip_bad)

    def __init__(
        self, importer: Importer, ctx: ImportContext, *, skip_bad: IO[str] | None = None
    ) -> None:
        self.importer, self.ctx, self.skip_bad = importer, ctx, skip_bad
        self.summary = ImportSummary(path=str(ctx.path), format=importer.name)
        self.read_ahead = _read_ahead_wanted(ctx.bytes_total)
        """Read in a second process while the caller appends (the default for big inputs)."""
        self.stretches = Stretches(ctx)
        self.emitted = 0
        """Events handed on so far (by :meth:`events`; in the reader process, by the reader)."""

    def finish(self, new: int, duplicate: int) -> ImportSummary:
        """The summary, with what the store made of the events (new / already stored); the
        events of stretches recognised as imported before count as already stored."""
        st = self.stretches
        self.summary.new = new
        self.summary.duplicate = duplicate + st.recognised_events
        return self.summary

    def committed(self) -> list[tuple[str, str]]:
        """(digest, account) of the stretches whose events the caller has all committed: call
        after each committed batch (every event :meth:`events` yielded so far is in it), and
        store them (``store.import_stretches.add_stretches``)."""
        return self.stretches.committed(self.emitted)

    def events(self) -> Iterator[Event]:
        path = self.ctx.path
        if path.is_file() and path.stat().st_size == 0:
            raise InputFormatError(str(path), None, Said("the file is empty"))
        if self.read_ahead and available():
            read = read_ahead(self._in_child, self._progress, self._progressed, str(path))
        else:
            read = self._read()
        for e in read:
            self.emitted += 1
            yield e

    def _read(self) -> Iterator[Event]:
        yield from self._guarded()
        self._finish()

    def _in_child(self) -> Iterator[Event]:
        """The reader process's events; records set aside are handed to the parent."""
        if self.skip_bad is not None:
            self.skip_bad = _Aside()
        yield from self._read()

    def _progress(self) -> _Progress:
        """In the reader process: how far it is, and what it counted and noted so far."""
        aside = ""
        if isinstance(self.skip_bad, _Aside):
            aside = self.skip_bad.getvalue()
            self.skip_bad.seek(0)
            self.skip_bad.truncate()
        c, st = self.ctx, self.stretches
        self.summary.events = st.total.events + st.counting.events
        ended, st.ended = st.ended, []
        return _Progress(c.bytes_read, aside, self.summary, c.notes, c.records, c.ignored,
                         c.naive_times, ended, st.recognised, st.recognised_records,
                         st.recognised_events)  # fmt: skip

    def _progressed(self, p: _Progress) -> None:
        """Here: take over what the reader process did (see :meth:`_progress`)."""
        c = self.ctx
        c.bytes_read, self.summary, c.notes[:] = p.bytes_read, p.summary, p.notes
        c.records, c.ignored, c.naive_times = p.records, p.ignored, p.naive_times
        st = self.stretches
        st.ended.extend(p.ended)
        st.recognised, st.recognised_records = p.recognised, p.recognised_records
        st.recognised_events = p.recognised_events
        if p.aside and self.skip_bad is not None:
            self.skip_bad.write(p.aside)

    def _guarded(self) -> Iterator[Event]:
        """The importer's events; whatever an importer did not foresee still ends as one clear
        line naming the file, never a traceback."""
        try:
            yield from self._items()
        except ShequnError:
            raise
        except Exception as e:
            raise InputFormatError(
                str(self.ctx.path),
                None,
                Said("cannot read as {format}: {error}", format=self.importer.name, error=repr(e)),
            ) from e

    def _items(self) -> Iterator[Event]:
        """The events, each counted once (``Stretches``: the summary's numbers are the sum of
        the stretches' accounts, so counting them again here would cost twice)."""
        stretches = self.stretches
        see = stretches.counting.see
        emitted = 0
        for item in self.importer.read(self.ctx):
            if isinstance(item, Stretch):
                if item.done is None:
                    stretches.start(item.digest, emitted)
                else:
                    stretches.end(emitted)
                    stretches.take(item.done)
                see = stretches.counting.see
                continue
            if isinstance(item, Rejected):
                stretches.spoil()
                self._reject(item)
                continue
            emitted += 1
            see(item)
            yield item
        stretches.end(emitted)

    def _tally(self) -> None:
        """The summary's events, people, groups and times, from what the stretches counted."""
        s, tally = self.summary, self.stretches.tally()
        s.events, s.members_seen, s.groups = tally.events, len(tally.people), sorted(tally.groups)
        s.first_at, s.last_at = tally.first, tally.last

    def _reject(self, item: Rejected) -> None:
        if self.skip_bad is None:
            raise InputFormatError(
                str(self.ctx.path),
                item.where,
                Said(
                    "{reason} (use --skip-bad FILE to set such records aside and continue)",
                    reason=item.reason,
                ),
            )
        self.summary.skipped += 1
        self.skip_bad.write(
            json.dumps(
                {"where": f"{self.ctx.path}:{item.where}", "reason": item.reason, "raw": item.raw},
                ensure_ascii=False,
            )
            + "\n"
        )

    def _account(self) -> None:
        """Records read = imported + set aside + ignored; an importer that lost count is a bug
        worth stopping for, not a summary to print."""
        s, ctx = self.summary, self.ctx
        if ctx.records == 0 and not ctx.ignored:
            return
        s.records = ctx.records
        s.ignored = dict(sorted(ctx.ignored.items()))
        s.imported = ctx.records - s.skipped - sum(ctx.ignored.values())
        if s.imported < 0 or (s.imported == 0 and s.events > 0):
            raise InputFormatError(
                str(ctx.path),
                None,
                Said(
                    "internal miscount: {records} records, {skipped} set aside, {ignored} "
                    "ignored, {events} events",
                    records=ctx.records,
                    skipped=s.skipped,
                    ignored=sum(ctx.ignored.values()),
                    events=s.events,
                ),
            )

    def _finish(self) -> None:
        self._tally()
        s = self.summary
        if s.events == 0 and s.skipped:
            raise InputFormatError(
                str(self.ctx.path),
                None,
                Said(
                    "all {n} records were set aside (see the --skip-bad file), none imported: "
                    "is this a {format} export?",
                    n=s.skipped,
                    format=self.importer.name,
                ),
            )
        if s.events == 0:
            self.ctx.note(Said("0 events: the export holds no messages or other records to import"))
        self._account()
        st = self.stretches
        if st.recognised:
            self.ctx.note(
                Said(
                    "{records} records in {n} stretches of the export were imported before "
                    "(the same bytes): counted as already stored without reading them again",
                    records=f"{st.recognised_records:,}",
                    n=st.recognised,
                )
            )
        s.notes = list(self.ctx.notes)
        if self.ctx.naive_times:
            s.timezone = str(self.ctx.tz)
            self.ctx.note(Said("times without a zone were read as {tz}", tz=str(self.ctx.tz)))
            s.notes = list(self.ctx.notes)


@dataclass(frozen=True, slots=True)
class _Progress:
    bytes_read: int
    aside: str
    summary: ImportSummary
    notes: list[str]
    records: int
    ignored: Counter[str]
    naive_times: bool
    ended: list[tuple[int, str, str]]
    recognised: int
    recognised_records: int
    recognised_events: int


class _Aside(io.StringIO):
    """The reader process's ``--skip-bad`` file: collected, and written by the parent."""


def _read_ahead_wanted(size: int | None) -> bool:
    forced = os.environ.get("SHEQUN_IMPORT_READ_AHEAD")
    if forced in ("0", "1"):
        return forced == "1"
    return size is not None and size >= READ_AHEAD_BYTES
