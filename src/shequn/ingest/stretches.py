"""The re-import quick check, on the import's side: what each stretch of an export gave, so a
later import of the same bytes can take the account instead of reading them again.

An importer that reads in stretches (:class:`~shequn.ingest.base.Stretch`) yields one before
the items of each. :class:`Stretches` follows along in the import job: it keeps what the
stretch read (records, what was ignored, its events' people, groups and times) and, when the
stretch ends, holds its account until the caller says the events so far are committed
(:meth:`Stretches.committed`); the caller then stores the accounts (``store/
import_stretches.py``). A stretch with a record set aside (``--skip-bad``) is never stored:
it is read again next time, and set aside again.

A recognised stretch (``Stretch.done``) is counted from its account: its records, the
reasons some were ignored, its events as already stored.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from shequn.ingest.base import ImportContext
from shequn.model.events import Event


@dataclass
class Account:
    """What one stretch gave: stored as JSON with its digest."""

    records: int = 0
    ignored: dict[str, int] = field(default_factory=dict)
    events: int = 0
    people: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    first: datetime | None = None
    last: datetime | None = None
    naive: bool = False

    def dumps(self) -> str:
        return orjson.dumps(
            {
                "records": self.records,
                "ignored": self.ignored,
                "events": self.events,
                "people": sorted(self.people),
                "groups": sorted(self.groups),
                "first": self.first.isoformat() if self.first else None,
                "last": self.last.isoformat() if self.last else None,
                "naive": self.naive,
            }
        ).decode()

    @classmethod
    def loads(cls, text: str) -> Account:
        d: dict[str, Any] = orjson.loads(text)
        when = datetime.fromisoformat
        return cls(
            records=int(d["records"]),
            ignored={str(k): int(v) for k, v in d["ignored"].items()},
            events=int(d["events"]),
            people=set(d["people"]),
            groups=set(d["groups"]),
            first=when(d["first"]) if d["first"] else None,
            last=when(d["last"]) if d["last"] else None,
            naive=bool(d["naive"]),
        )

    def see(self, e: Event) -> None:
        """Count one event (the import's hot path: one call per event, nothing else)."""
        self.events += 1
        if e.actor is not None:
            self.people.add(e.actor)
        if e.subject is not None:
            self.people.add(e.subject)
        if e.group is not None:
            self.groups.add(e.group)
        at, last = e.occurred_at, self.last
        if last is None:
            self.first = self.last = at
        elif at > last:
            self.last = at
        elif self.first is not None and at < self.first:
            self.first = at

    def add(self, other: Account) -> None:
        """Count another account's events, people, groups and times in this one."""
        self.events += other.events
        self.people |= other.people
        self.groups |= other.groups
        if other.first is not None and (self.first is None or other.first < self.first):
            self.first = other.first
        if other.last is not None and (self.last is None or other.last > self.last):
            self.last = other.last


class Stretches:
    """The stretches of one import: the one being read, and those read but not yet stored."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.open: tuple[str, Account] | None = None
        self.counting = Account()
        """Where :meth:`see` counts: the open stretch's account, or one for the events read
        outside any stretch."""
        self.total = Account()
        """The events of the accounts no longer counting (ended stretches, recognised ones,
        the events before a stretch): the import's own tally is ``total`` + ``counting``."""
        self._records = 0
        self._ignored: Counter[str] = Counter()
        self._spoilt = False
        self.ended: list[tuple[int, str, str]] = []
        """(events emitted when the stretch ended, digest, account JSON), oldest first."""
        self.recognised = 0
        """Stretches recognised as already imported."""
        self.recognised_records = 0
        self.recognised_events = 0
        """Events of recognised stretches: already stored, never read."""

    def start(self, digest: str, emitted: int) -> None:
        """A stretch begins (the one before ends) after ``emitted`` events."""
        self.end(emitted)
        self.open = (digest, Account())
        self.total.add(self.counting)
        self.counting = self.open[1]
        self._records, self._ignored = self.ctx.records, Counter(self.ctx.ignored)
        self._spoilt = False

    def tally(self) -> Account:
        """Everything counted so far: the events read and those of recognised stretches."""
        tally = Account()
        tally.add(self.total)
        tally.add(self.counting)
        return tally

    def spoil(self) -> None:
        """A record of the open stretch was set aside: do not store the stretch."""
        self._spoilt = True

    def end(self, emitted: int) -> None:
        """The open stretch (if any) is complete after ``emitted`` events."""
        if self.open is None:
            return
        digest, account = self.open
        self.open = None
        self.total.add(account)
        self.counting = Account()
        if self._spoilt:
            return
        account.records = self.ctx.records - self._records
        account.ignored = dict(self.ctx.ignored - self._ignored)
        account.naive = self.ctx.naive_times
        self.ended.append((emitted, digest, account.dumps()))

    def take(self, text: str) -> None:
        """Count a recognised stretch as its stored account says: its records, what was
        ignored, its events (already stored), people, groups and times."""
        account = Account.loads(text)
        self.total.add(account)
        self.ctx.record(account.records)
        for reason, n in account.ignored.items():
            self.ctx.ignore(reason, n)
        if account.naive:
            self.ctx.naive_times = True
        self.recognised += 1
        self.recognised_records += account.records
        self.recognised_events += account.events

    def committed(self, emitted: int) -> list[tuple[str, str]]:
        """(digest, account) of the ended stretches whose events are all among the first
        ``emitted`` (committed by the caller); they are handed over once."""
        n = 0
        while n < len(self.ended) and self.ended[n][0] <= emitted:
            n += 1
        done = [(d, a) for _, d, a in self.ended[:n]]
        del self.ended[:n]
        return done
