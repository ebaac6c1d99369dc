"""The entries projection of ``entry.requested`` and ``entry.decided``, a batch at a time.

A busy door appends hundreds of decisions in one batch; folding them one statement at a time
cost more than deciding them. Like :class:`~shequn.store.memberships.MembershipBook`, this loads
every entry row the batch touches in one query, applies the events in order in memory and
writes the rows back with one statement per kind of change. The other entry kinds (reviews,
waves, joins, check-ins, graduation) touch other columns or later states and stay in
``store/growth.py``; the result is the same as folding every event alone, in order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete

from shequn.model.events import Event
from shequn.store import raw
from shequn.store import tables as t
from shequn.store.sql import chunks

if TYPE_CHECKING:
    from shequn.store.projections import Projector

Key = tuple[int, int | None, int]  # (community_id, group_id or None: waitlisted, identity_id)
Row = dict[str, Any]
SEATED = ("queued", "admitted")
THROUGH = (*SEATED, "joined")
_COLUMNS = tuple(c.name for c in t.entries.columns)
_NEW = tuple(c for c in _COLUMNS if c != "id")  # a new row's values: the store numbers it
_WRITTEN = (
    "status", "reason", "reason_said", "link", "gates", "answers", "requested_at", "decided_at",
)  # fmt: skip


class EntryBook:
    KINDS = frozenset({"entry.requested", "entry.decided"})

    def __init__(self, projector: Projector) -> None:
        self.p = projector
        self.rows: dict[Key, Row] = {}
        self.dirty: set[Key] = set()
        self.gone: set[Key] = set()
        self.uses: Counter[str] = Counter()

    def apply(self, events: Sequence[tuple[int, Event]]) -> None:
        keyed = [(self._key(e, e.group), e) for _, e in events]  # each event's key, once
        self._load({key for key, _ in keyed})
        for key, e in keyed:
            if e.kind == "entry.requested":
                self._requested(e, key)
            else:
                self._decided(e, key)
        self._write()

    def _key(self, e: Event, group: str | None) -> Key:
        who = e.actor if e.kind == "entry.requested" else e.subject
        assert who is not None  # noqa: S101  # the kinds' specs
        return (
            self.p.communities[e.community],
            self.p.group_id(e.community, group),
            self.p.identity_id(who),
        )

    def _load(self, keys: set[Key]) -> None:
        identities = sorted({k[2] for k in keys} - self.p.fresh)  # new people have no rows
        communities = sorted({k[0] for k in keys})
        for part in chunks(identities):
            where = "WHERE identity_id IN (?*) AND community_id IN (?*)"
            for row in raw.records(self.p.conn, t.entries, _COLUMNS, where, [part, communities]):
                self.rows[(row["community_id"], row["group_id"], row["identity_id"])] = row

    def _row(self, key: Key) -> tuple[Row, str | None]:
        """The row to change and its status as it was (``None``: it is new)."""
        row = self.rows.get(key)
        before = row["status"] if row is not None else None
        if row is None:
            row = {
                "id": None, "community_id": key[0], "group_id": key[1], "identity_id": key[2],
                "status": "requested", "reason": None, "reason_said": None, "link": None,
                "gates": None, "answers": None, "reviews": None, "checkins": 0, "approvals": 0,
                "rejections": 0, "wave": None, "requested_at": None, "decided_at": None,
            }  # fmt: skip
            self.rows[key] = row
        self.dirty.add(key)
        self.gone.discard(key)
        return row, before

    def _requested(self, e: Event, key: Key) -> None:
        if e.group is None:
            return  # through a link: the row appears with the decision, in its group
        row, before = self._row(key)
        row["requested_at"] = e.occurred_at
        if e.data.get("answers") is not None:
            row["answers"] = e.data["answers"]
        if e.data.get("link"):
            row["link"] = e.data["link"]
        if before == "rejected":
            row["status"] = "requested"  # applying again after a rejection starts afresh

    def _decided(self, e: Event, key: Key) -> None:
        row, before = self._row(key)
        outcome = e.data["outcome"]
        row.update(status=outcome, reason=e.data["reason"][:1024], gates=e.data.get("gates"),
                   reason_said=e.data.get("reason_said"), decided_at=e.occurred_at)  # fmt: skip
        if e.data.get("link"):
            row["link"] = e.data["link"]
        if row["requested_at"] is None:  # came by a link: no knock row
            row["requested_at"] = e.occurred_at
        seated = before in THROUGH
        if outcome in SEATED and not seated and e.data.get("link"):
            self.uses[e.data["link"]] += 1
        waiting = (key[0], None, key[2])
        if e.group is not None and waiting in self.rows:  # routed after all: the waitlist
            gone = self.rows.pop(waiting)  # row has done its job
            self.dirty.discard(waiting)
            if gone["id"] is not None:
                self.gone.add(waiting)

    def _write(self) -> None:
        conn, c = self.p.conn, t.entries.c
        new = [self.rows[k] for k in self.dirty if self.rows[k]["id"] is None]
        old = [self.rows[k] for k in self.dirty if self.rows[k]["id"] is not None]
        raw.insert_bound(conn, t.entries, _NEW, raw.bound(conn, t.entries, _NEW, new))
        raw.update_by_id(
            conn, t.entries, [{"id": r["id"], **{f: r[f] for f in _WRITTEN}} for r in old]
        )
        for cid, _, iid in self.gone:
            conn.execute(
                delete(t.entries).where(
                    c.community_id == cid, c.group_id.is_(None), c.identity_id == iid
                )
            )
        if not self.uses:
            return
        uses = [(n, code) for code, n in sorted(self.uses.items())]
        if conn.dialect.name == "postgresql" and len(uses) >= raw.ARRAY_FROM:
            counts, codes = (raw.Array(list(c)) for c in zip(*uses, strict=True))
            raw.later(conn, "links", _USES_ARRAYS, (counts, codes))
        else:
            raw.later_many(conn, "links", "UPDATE links SET uses = uses + ? WHERE code = ?", uses)


_USES_ARRAYS = (
    "UPDATE links SET uses = uses + u.n FROM unnest(?::integer[], ?::varchar[]) AS u (n, code)"
    " WHERE links.code = u.code"
)
"""PostgreSQL, a batch's links (each code once): one statement over arrays, not one per link."""
