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
        self.events += 1
        if e.actor is not None:
            self.people.add(e.actor)
        if e.subject is not None:
            self.people.add(e.subject)
        if e.group is not None:
            self.groups.add(e.group)
        at = e.occurred_at
        if self.first is None or at < self.first:
            self.first = at
        if self.last is None or at > self.last:
            self.last = at


class Stretches:
    """The stretches of one import: the one being read, and those read but not yet stored."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.open: tuple[str, Account] | None = None
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
        self._records, self._ignored = self.ctx.records, Counter(self.ctx.ignored)
        self._spoilt = False

    def see(self, e: Event) -> None:
        if self.open is not None:
            self.open[1].see(e)

    def spoil(self) -> None:
        """A record of the open stretch was set aside: do not store the stretch."""
        self._spoilt = True

    def end(self, emitted: int) -> None:
        """The open stretch (if any) is complete after ``emitted`` events."""
        if self.open is None:
            return
        digest, account = self.open
        self.open = None
        if self._spoilt:
            return
        account.records = self.ctx.records - self._records
        account.ignored = dict(self.ctx.ignored - self._ignored)
        account.naive = self.ctx.naive_times
        self.ended.append((emitted, digest, account.dumps()))

    def take(self, text: str) -> Account:
        """Count a recognised stretch's records (here) and return its account (the caller
        counts its events and people)."""
        account = Account.loads(text)
        self.ctx.record(account.records)
        for reason, n in account.ignored.items():
            self.ctx.ignore(reason, n)
        if account.naive:
            self.ctx.naive_times = True
        self.recognised += 1
        self.recognised_records += account.records
        self.recognised_events += account.events
        return account

    def committed(self, emitted: int) -> list[tuple[str, str]]:
        """(digest, account) of the ended stretches whose events are all among the first
        ``emitted`` (committed by the caller); they are handed over once."""
        n = 0
        while n < len(self.ended) and self.ended[n][0] <= emitted:
            n += 1
        done = [(d, a) for _, d, a in self.ended[:n]]
        del self.ended[:n]
        return done
