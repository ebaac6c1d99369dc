"""The batched door: many knocks decided in one transaction from state read once.

``entry.enter`` reads the door's state for each knock (a dozen queries); a bot that collects
the scans of a busy minute can hand them to :func:`enter_batch` instead, which reads the links,
people, entries, seats and memberships of the whole batch in a handful of queries, decides each
knock in order against that state (updating it as seats are given), appends every decision in
one append, and queues each knock's actions only if its events were new — so a retried batch
admits nobody twice. The decisions are the same pure rules as one knock at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection

from shequn.engine.decisions import Decision, new_ref
from shequn.engine.entry_rules import DoorView, Knock, Request, decide_entry
from shequn.engine.entry_targets import Target, target
from shequn.engine.fission import after_append
from shequn.engine.waves import open_wave
from shequn.errors import InvalidEvent, NotFound
from shequn.model.blueprint import Blueprint
from shequn.model.entities import EntryState, Link, Profile
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store import append_ahead, raw
from shequn.store.append import append, decision_lock_read, gathered
from shequn.store.door_queries import active_groups_read, links_read, people_read, persons_of
from shequn.store.growth import SEATED
from shequn.store.growth_queries import (
    blueprint_of,
    entries_read,
    get_profile,
    list_entries,
    pending_action,
)
from shequn.store.growth_state import growth_state_read
from shequn.store.outbox import enqueue_each
from shequn.store.referral_queries import referrals_by
from shequn.store.seat_queries import Seats, seats_read


class DoorState:
    """What the door knows about a batch of knocks — links' groups' seats, each person's
    entries, memberships and profile — read once, and kept current as decisions give seats."""

    def __init__(
        self,
        conn: Connection,
        bp: Blueprint,
        knocks: Sequence[Knock],
        people: dict[str, list[str]] | None = None,
        *,
        stored: frozenset[str] | None = None,
        prefetch: bool = False,
    ) -> None:
        self.conn, self.bp, self.community = conn, bp, bp.community.slug
        if people is None:
            people = persons_of(conn, self.community, sorted({k.identity for k in knocks}))
        self.people = people
        # ``stored``: the keys the store holds (``people_read``); the others have no entries
        # or memberships to read. None: not known, every key is read.
        keys = sorted(
            key
            for key in {key for person in self.people.values() for key in person}
            if stored is None or key in stored
        )
        # What a link's groups (or a group applied to) ask of the blueprint, once per
        # blueprint (``entry_rules.target``): a busy live code's knocks share it.
        groups = {g for k in knocks for g in self._target(k).groups}
        # ``prefetch``: also what the append of a few knocks' events will look up (the
        # newcomers' and the links' owners' identities, the groups), in the same round trip.
        named = {k.identity for k in knocks}
        named.update(k.link.owner for k in knocks if k.link and k.link.owner)
        ahead = append_ahead.reads(self.community, named, groups) if prefetch else []
        found, self.room, self.active, *rest = raw.read_each(  # one round trip on PostgreSQL
            conn,
            [
                entries_read(self.community, identities=keys),
                seats_read(conn, self.community, sorted(groups)),
                active_groups_read(self.community, keys),
                *ahead,
            ],
        )
        self.ahead = append_ahead.ahead_of(self.community, named, rest) if prefetch else None
        self.entries: dict[str, dict[str | None, EntryState]] = {}
        for e in found:
            self.entries.setdefault(e.identity, {}).setdefault(e.group, e)
        self.gated = any(self._target(k).gated for k in knocks)
        self.asked: dict[str, bool] = {}  # link code → a group.create is pending for it

    def view(self, k: Knock) -> DoorView:
        person = self.people[k.identity]
        mine: dict[str | None, EntryState] = {}
        for key in person:
            for group, e in self.entries.get(key, {}).items():
                mine.setdefault(group, e)
        link = k.link
        if (
            link is not None
            and link.code not in self.asked
            and all(s.free == 0 for s in _of(self.room, link))
        ):  # only asked when it matters: the outbox can be long
            self.asked[link.code] = pending_action(
                self.conn, "group.create", self.community, "link", link.code
            )
        return DoorView(
            blueprint=self.bp,
            seats=self.room,
            entries=mine,
            profile=get_profile(self.conn, self.community, person)
            if self.gated
            else Profile(k.identity),
            invited=self._invited(k),
            overflow_requested=bool(link and self.asked.get(link.code)),
            active_in=frozenset(g for key in person for g in self.active.get(key, ())),
        )

    def _target(self, k: Knock) -> Target:
        """The groups ``k`` may enter (with their camps), whether one of them has a task
        ``invited:N`` and whether one has a gate."""
        return target(self.bp, k.link.groups if k.link else (), k.group)

    def _invited(self, k: Knock) -> int:
        """People the newcomer brought who joined — read only for a gate ``invited:N``."""
        if not self._target(k).counts_invites:
            return 0
        refs = referrals_by(self.conn, self.community, k.identity)
        return sum(
            1 for r in refs if r.first_touch and r.joined_at is not None and not r.same_person
        )

    def absorb(self, d: Decision, k: Knock) -> None:
        """Update the state with a decision, as the projections will once it is stored."""
        mine = self.entries.setdefault(k.identity, {})
        for e in d.events:
            if e.kind != "entry.decided":
                continue
            outcome, group = e.data["outcome"], e.group
            before = mine.get(group)
            if (
                outcome in SEATED
                and group in self.room
                and (before is None or before.status not in SEATED)
            ):
                seat = self.room[group]  # a new value: views hold the old one (replace() costs 2x)
                self.room[group] = Seats(seat.group, seat.capacity, seat.taken + 1)
            mine[group] = EntryState(
                e.community, group, k.identity, outcome, reason=e.data["reason"],
                link=e.data.get("link"), gates=tuple(e.data.get("gates") or ()),
            )  # fmt: skip
            if group is not None:
                mine.pop(None, None)
        if any(a.kind == "group.create" for a in d.actions) and k.link is not None:
            self.asked[k.link.code] = True


def enter_batch(
    conn: Connection, community: str, requests: Sequence[Request], source: str
) -> list[list[EntryState]]:
    """Decide ``requests`` in order. The append lock, the blueprint (with "any campaigns?"),
    the links and the people are asked together — one round trip on PostgreSQL, where the
    lock is taken first in the pipeline, so the reads after it see every earlier decision."""
    _, (stored, campaigns, _), links, (people, known) = raw.read_each(
        conn,
        [
            decision_lock_read(conn),
            growth_state_read(conn, community),
            links_read(r.link for r in requests if r.link),
            people_read(community, sorted({r.identity for r in requests})),
        ],
    )
    bp = blueprint_of(community, stored)
    knocks = [_knock(bp, r, links, source) for r in requests]
    few = len(knocks) * 4 <= append_ahead.FEW  # a knock appends three events or four
    prefetch = few and conn.dialect.name == "postgresql"
    state = DoorState(conn, bp, knocks, people, stored=known, prefetch=prefetch)
    decisions: list[Decision] = []
    for k in knocks:
        d = decide_entry(k, state.view(k))
        state.absorb(d, k)
        decisions.append(d)
    found: dict[str, list[EntryState]] = {k.identity: [] for k in knocks}
    with gathered(conn):  # the rows the append writes go with the next read (PostgreSQL)
        new_events = _apply_each(conn, decisions, state.ahead)
        at = max((k.at for k in knocks), default=datetime.now(UTC))
        queued = {e.group for d in decisions for e in d.events if e.data.get("outcome") == "queued"}
        for group in sorted(g for g in queued if g):
            open_wave(conn, bp, group, at, force=False)
        after_append(conn, bp, new_events, campaigns)
        for e in list_entries(conn, community, identities=list(found)):
            found[e.identity].append(e)
    return [found[k.identity] for k in knocks]


def _knock(bp: Blueprint, r: Request, links: dict[str, Link], source: str) -> Knock:
    community = bp.community.slug
    code, group = r.link, r.group
    link = links.get(code) if code else None
    if code and (link is None or link.community != community):
        raise NotFound(
            Said("no link {code!r} in {community!r}", code=code, community=community), link=code
        )
    if code is None and group is None:
        raise InvalidEvent(Said("give a link (code) or a group to enter"), field="link")
    if group is not None:
        bp.group(group)
    return Knock(
        identity=r.identity,
        at=r.at or datetime.now(UTC),
        ref=f"entry:{r.ref or new_ref()}",
        source=source,
        link=link,
        group=group,
        answers=r.answers,
    )


def _of(room: dict[str, Seats], link: Link) -> list[Seats]:
    return [room[g] for g in link.groups if g in room]


def _apply_each(
    conn: Connection, decisions: Sequence[Decision], ahead: append_ahead.Ahead | None = None
) -> list[tuple[int, Event]]:
    """One append for the whole batch; each knock's actions are queued only when its own
    events were new (a retried knock in the batch queues nothing twice)."""
    events = [e for d in decisions for e in d.events]
    result = append(conn, events, keep_events=True, ahead=ahead)
    ids = {(e.source, e.source_ref): i for i, e in result.new_events}
    queued = []
    for d in decisions:
        first = ids.get((d.events[0].source, d.events[0].source_ref)) if d.events else None
        if first is not None:
            queued += [(a, first) for a in d.actions]
    enqueue_each(conn, queued)
    return result.new_events
