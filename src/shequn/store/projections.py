"""Projections: the current state of communities, groups, members and memberships, derived
from the event log.

``Projector.apply`` folds a batch of new events (in id order) into the projection tables. It
works batch-at-a-time — one query loads every row the batch touches, changes are made in
memory, one statement per table writes them back — because per-event round trips would cap
appends far below what imports need.

State that depends on time (membership status, display names, roles) keeps the time it was
last set and only moves forward, so events arriving out of order (an older export imported
after a newer one) end in the same state as events arriving in order, and ``rebuild`` (one
replay in id order) reproduces what live appends built.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, update

from shequn.model.events import Event
from shequn.store import bindings, chat_owners, engagement, growth, money, qa, raw
from shequn.store import tables as t
from shequn.store.entry_book import EntryBook
from shequn.store.growth import MANY as _MANY
from shequn.store.identity_projection import HANDLERS as IDENTITY_HANDLERS
from shequn.store.identity_projection import Names, insert_people, newest_names, write_names
from shequn.store.memberships import MembershipBook
from shequn.store.qa import fold_messages as fold_questions
from shequn.store.sql import chunks
from shequn.store.tx_memo import forget_blueprints

Row = dict[str, Any]
IdentityCache = dict[str, dict[str, Row]]
"""Identity rows by community slug, then identity key."""


class Projector:
    """Applies new events to the projection tables inside the caller's transaction."""

    def __init__(
        self,
        conn: Connection,
        identities: IdentityCache | None = None,
        communities: dict[str, int] | None = None,
        absent: dict[str, set[str]] | None = None,
        groups: list[tuple[Any, ...]] | None = None,
    ) -> None:
        self.conn = conn
        # Looked up in this transaction already (``append_ahead``, one community): keys by
        # community slug that were not found (created here if an event needs them, never
        # asked again), and the rows of ``_GROUPS`` for every group the events name.
        self.absent = absent or {}
        self.ahead_groups = groups
        # Community ids by slug; the appender passes those it has just looked up.
        self.communities: dict[str, int] = dict(communities or {})
        self.groups: dict[tuple[int, str], int] = {}
        # Identity rows by community slug, then key. A caller appending many batches may pass
        # the same dict to each batch to skip re-reading identities it has seen: entries only
        # ever go stale in a safe direction, because every write below re-checks in SQL.
        self.cache: IdentityCache = {} if identities is None else identities
        self.community = ""
        # Ids of identities created here: no row names them yet (never deleted, ids never
        # reused), so the books load none for them (issue 22).
        self.fresh: set[int] = set()

    @property
    def identities(self) -> dict[str, Row]:
        """The identities of the community being applied (communities share none)."""
        return self.cache.setdefault(self.community, {})

    @property
    def community_id(self) -> int:
        return self.communities[self.community]

    def apply(self, events: Sequence[tuple[int, Event]]) -> None:
        """Fold ``events`` in. Communities are isolated, so each one's events are applied on
        their own, in log order; how two communities interleave changes nothing."""
        if not events:
            return
        self._communities(events)
        self._groups(events)
        slugs = {e.community for _, e in events}
        if len(slugs) == 1:
            self._apply_one(slugs.pop(), events)
            return
        for slug in sorted(slugs):
            self._apply_one(slug, [(i, e) for i, e in events if e.community == slug])

    def _apply_one(self, community: str, events: Sequence[tuple[int, Event]]) -> None:
        self.community = community
        # The kinds present, once: a batch of messages (most of an import) skips the passes
        # over its events that look for kinds it does not hold.
        kinds = {e.kind for _, e in events}
        names = newest_names(events)
        self._identities(events, names)
        write_names(self, names)
        if not kinds.isdisjoint(MembershipBook.KINDS):
            self._memberships_and_referrals(events)
        entries = []
        if not kinds.isdisjoint(EntryBook.KINDS):
            entries = [(i, e) for i, e in events if e.kind in EntryBook.KINDS]
            for event_id, e in events:  # links first: the book counts their uses
                if e.kind == "link.created":
                    _RARE["link.created"](self, event_id, e)
            EntryBook(self).apply(entries)
        if "message.posted" in kinds:  # before qa.answered & co., which name the questions
            fold_questions(self, events)
        if not kinds.isdisjoint(_RARE):
            self._rare(events, skip_links=bool(entries))

    def _rare(self, events: Sequence[tuple[int, Event]], *, skip_links: bool) -> None:
        """Each rare kind's handler in log order; a run of one kind that ``MANY`` folds at once
        (an import's thousands of joins) is one statement."""
        run: list[Event] = []
        for event_id, e in events:
            handler = _RARE.get(e.kind)
            if handler is None or (skip_links and e.kind == "link.created"):
                continue
            if run and run[0].kind != e.kind:
                _MANY[run[0].kind](self, run)
                run = []
            if e.kind in _MANY:
                run.append(e)
            else:
                handler(self, event_id, e)
        if run:
            _MANY[run[0].kind](self, run)

    # -- communities and groups ---------------------------------------------------------
    def _communities(self, events: Sequence[tuple[int, Event]]) -> None:
        c = t.communities.c
        slugs = sorted({e.community for _, e in events} - set(self.communities))
        for part in chunks(slugs):
            sql = "SELECT slug, id FROM communities WHERE slug IN (?*)"
            self.communities.update(raw.rows(self.conn, sql, [part]))
        for _, e in events:
            if e.kind != "community.configured":
                continue
            forget_blueprints(self.conn)  # the blueprints read in this transaction are old
            values = {
                "name": e.data["name"],
                "timezone": e.data["timezone"],
                "blueprint": e.data["blueprint"],
                "configured_at": e.occurred_at,
            }
            cid = self.communities.get(e.community)
            if cid is None:
                ins = t.communities.insert().values(slug=e.community, **values)
                self.communities[e.community] = self.conn.execute(ins.returning(c.id)).scalar_one()
            else:
                self.conn.execute(
                    update(t.communities)
                    .where(c.id == cid, c.configured_at <= e.occurred_at)
                    .values(**values)
                )

    def group_id(self, community: str, group: str | None) -> int | None:
        if group is None:
            return None
        return self.groups[(self.communities[community], group)]

    def _groups(self, events: Sequence[tuple[int, Event]]) -> None:
        c = t.groups.c
        by_slug: dict[tuple[str, str], datetime] = {}
        people: dict[tuple[str, str], str] = {}  # a group seen in events: its people's platform
        for _, e in events:  # keyed by slugs here, by community id below: once per group
            group = e.group
            if group is not None:
                key, at = (e.community, group), e.occurred_at
                seen = by_slug.get(key)
                if seen is None or at < seen:
                    by_slug[key] = at
                if key not in people:
                    person = e.actor or e.subject
                    if person and ":" in person:
                        people[key] = person.partition(":")[0]
        communities = self.communities
        first_seen = {(communities[c], g): at for (c, g), at in by_slug.items()}
        platforms = {(communities[c], g): name for (c, g), name in people.items()}
        wanted = sorted(first_seen)
        earlier = []
        for cid in sorted({cid for cid, _ in wanted}):
            for part in chunks([slug for c_id, slug in wanted if c_id == cid]):
                found = self.ahead_groups  # one community's few events (a duplicate's too)
                if found is None:
                    found = raw.rows(self.conn, _GROUPS, [cid, part])
                else:
                    found = [g for g in found if (cid, g[0]) in first_seen]
                for slug, gid, stored in found:
                    self.groups[(cid, slug)] = gid
                    seen = raw.utc(stored)
                    assert seen is not None  # noqa: S101  # NOT NULL
                    if first_seen[(cid, slug)] < seen:  # an older export imported later
                        earlier.append({"_id": gid, "_at": first_seen[(cid, slug)]})
        if earlier:
            self.conn.execute(
                update(t.groups)
                .where(c.id == bindparam("_id"), c.first_seen_at > bindparam("_at"))
                .values(first_seen_at=bindparam("_at")),
                earlier,
            )
        for cid, slug in wanted:
            if (cid, slug) in self.groups:
                continue
            ins = t.groups.insert().values(
                community_id=cid,
                slug=slug,
                name=slug,
                platform=platforms.get((cid, slug)),
                configured=False,
                first_seen_at=first_seen[(cid, slug)],
            )
            self.groups[(cid, slug)] = self.conn.execute(ins.returning(c.id)).scalar_one()
        for _, e in events:
            if e.kind == "group.configured":
                fields = ("name", "platform", "theme", "region", "capacity", "stage", "chat_id")
                values = {f: e.data.get(f) for f in fields}
                gid = self.group_id(e.community, e.group)
                self.conn.execute(
                    update(t.groups).where(c.id == gid).values(configured=True, **values)
                )
            elif e.kind == "group.renamed":
                gid = self.group_id(e.community, e.group)
                self.conn.execute(update(t.groups).where(c.id == gid).values(name=e.data["name"]))

    # -- identities and members ---------------------------------------------------------
    def _identities(self, events: Sequence[tuple[int, Event]], names: Names) -> None:
        """Create an identity (and a member for it) the first time a key is seen, with the
        newest name the batch gives it."""
        first: dict[str, datetime] = {}
        for _, e in events:  # the actor inline: nearly every event has one, few have more
            at, actor, subject = e.occurred_at, e.actor, e.subject
            if actor is not None and (actor not in first or at < first[actor]):
                first[actor] = at
            # A merge names members, it does not "see" them: their first sight stays put.
            if (
                subject is not None
                and e.kind not in _MEMBER_SUBJECT
                and (subject not in first or at < first[subject])
            ):
                first[subject] = at
            if e.kind == "member.joined":
                inviter = e.data.get("inviter")
                if inviter is not None and (inviter not in first or at < first[inviter]):
                    first[inviter] = at
        self.load_identities(first)
        identities = self.identities  # one dict per community: looked up once, used per key
        missing = sorted(k for k in first if k not in identities)
        if missing:
            self._create_identities(missing, first, names)
        c, m = t.identities.c, t.members.c
        earlier = []
        for key, at in first.items():
            ident = identities[key]
            if at < ident["first_seen_at"]:
                ident["first_seen_at"] = at
                earlier.append({"_id": ident["id"], "_at": at})
        if earlier:
            self.conn.execute(
                update(t.identities)
                .where(c.id == bindparam("_id"), c.first_seen_at > bindparam("_at"))
                .values(first_seen_at=bindparam("_at")),
                earlier,
            )
            owner = select(c.member_id).where(c.id == bindparam("_id")).scalar_subquery()
            self.conn.execute(  # a member is as old as its oldest identity
                update(t.members)
                .where(m.id == owner, m.first_seen_at > bindparam("_at"))
                .values(first_seen_at=bindparam("_at")),
                earlier,
            )

    def load_identities(self, keys: Iterable[str]) -> None:
        known, utc = self.identities, raw.utc
        absent = self.absent.get(self.community, ())
        todo = [k for k in keys if k not in known and k not in absent]
        if todo:
            for i, key, member, name, name_at, seen in _identity_rows(
                self.conn, self.community_id, todo
            ):
                known[key] = identity_row(i, key, member, name, utc(name_at), utc(seen))

    def _create_identities(self, keys: list[str], first: dict[str, datetime], names: Names) -> None:
        """A new identity brings a new member (a person we had not met).

        No other writer can create the same keys meanwhile: appends hold SQLite's write lock
        or, on PostgreSQL, the append advisory lock (``identity_projection.insert_people``).
        """
        bind = raw.time_binder(self.conn)
        people = []
        for key in keys:
            name_at, name = names.get(key, _NO_NAME)
            people.append((key, bind(first[key]), name, None if name_at is None else bind(name_at)))
        made = insert_people(self.conn, self.community_id, people)
        for key in keys:
            member_id, identity_id = made[key]
            self.fresh.add(identity_id)
            name_at, name = names.get(key, _NO_NAME)
            self.identities[key] = {
                "id": identity_id,
                "key": key,
                "member_id": member_id,
                "display_name": name,
                "name_at": name_at,
                "first_seen_at": first[key],
            }

    def identity_id(self, key: str) -> int:
        return int(self.identities[key]["id"])

    # -- memberships and referrals ------------------------------------------------------
    def _memberships_and_referrals(self, events: Sequence[tuple[int, Event]]) -> None:
        relevant = [(i, e) for i, e in events if e.kind in MembershipBook.KINDS]
        if relevant:
            MembershipBook(self).apply(relevant)


def identity_row(
    i: int, key: str, member: int | None, name: str | None, name_at: Any, seen: Any
) -> Row:
    """An identity as the projector keeps it (columns of ``_IDENTITIES``, times as UTC)."""
    return {
        "id": i,
        "key": key,
        "member_id": member,
        "display_name": name,
        "name_at": name_at,
        "first_seen_at": seen,
    }


# -- rare kinds: one statement each is fine ---------------------------------------------
def _role(p: Projector, _id: int, e: Event) -> None:
    assert e.subject is not None  # noqa: S101
    c = t.roles.c
    cid = p.communities[e.community]
    gid = p.group_id(e.community, e.group)
    iid = p.identity_id(e.subject)
    scope = and_(
        c.community_id == cid,
        c.identity_id == iid,
        c.group_id.is_(None) if gid is None else c.group_id == gid,
    )
    current = p.conn.execute(select(c.id, c.since).where(scope)).first()
    # "member" rows are kept (not deleted) so an older grant replayed later cannot win.
    if current is None:
        p.conn.execute(
            t.roles.insert().values(
                community_id=cid,
                group_id=gid,
                identity_id=iid,
                role=e.data["role"],
                since=e.occurred_at,
            )
        )
    elif current.since <= e.occurred_at:
        p.conn.execute(
            update(t.roles)
            .where(c.id == current.id)
            .values(role=e.data["role"], since=e.occurred_at)
        )


_GROUPS = "SELECT slug, id, first_seen_at FROM groups WHERE community_id = ? AND slug IN (?*)"
_IDENTITIES = (
    'SELECT id, "key", member_id, display_name, name_at, first_seen_at FROM identities'
    ' WHERE community_id = ? AND "key" IN (?*)'
)
_PG_IDENTITIES = _IDENTITIES.replace("?", "%s").replace("IN (%s*)", "= ANY(%s)")


def _identity_rows(conn: Connection, community_id: int, keys: list[str]) -> list[Any]:
    """The stored identities among ``keys``.

    On PostgreSQL the keys go as one array parameter (``= ANY(%s)``), not as an ``IN`` list
    of 500 parameters: in an append of 50,000 events that list form cost the server ~80 ms a
    statement (2.4 s for 30), the array form 0.1–0.2 s for all of them (issue 22).
    """
    if conn.dialect.name == "postgresql":
        return list(conn.exec_driver_sql(_PG_IDENTITIES, (community_id, keys)))
    found: list[Any] = []
    for part in chunks(keys):
        found += raw.rows(conn, _IDENTITIES, [community_id, part])
    return found


_NO_NAME: tuple[None, None] = (None, None)
_MEMBER_SUBJECT = frozenset({"identity.merged", "identity.unmerged"})

_RARE = {**IDENTITY_HANDLERS, "role.changed": _role, **growth.HANDLERS}
for _chapter in (bindings, chat_owners, engagement, money, qa):
    _RARE.update(_chapter.HANDLERS)
