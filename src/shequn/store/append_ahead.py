"""What a small append's projections will look up, asked before its insert in one round trip.

A knock at the door and its ``member.joined`` each append a few events of one community; the
projections then look up the community's id, the groups and the identities the events
name, one statement each, after the insert — and on PostgreSQL each statement is a round trip taken
while the appenders' lock is held (issue 22). Neither read depends on the insert (the events
table is not a projection), so they are sent together with the lock, before it: the lock
first in the pipeline, so the reads see every earlier append. The rows are exactly what the
projector would have read (same transaction, same lock); it starts from them and asks only
for what they lack. On SQLite the reads run one after another as before.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from shequn.model.events import Event
from shequn.store import raw
from shequn.store.projections import IdentityCache, identity_row

FEW = 100
"""Up to this many events are looked up ahead; an import's large batches keep their path."""


@dataclass(frozen=True, slots=True)
class Ahead:
    """The community ids found (none: the community is unknown), the identity rows, and the
    keys asked for and not found (by community: the projector's ``absent``)."""

    communities: dict[str, int]
    identities: IdentityCache
    absent: dict[str, set[str]]
    groups: list[tuple[Any, ...]]  # (slug, id, first_seen_at) of the groups the events name


def look_ahead(
    conn: Connection,
    events: Collection[Event],
    lock: raw.Read[None],
    cache: IdentityCache | None = None,
) -> Ahead | None:
    """Take ``lock`` and read the community, groups and identities ``events`` name in one
    round trip, when they are few and of one stored community (not configured in this
    batch); else ``None`` and the caller goes the usual way. ``cache``: identity rows already
    known (a ``record`` call's earlier batches), filled in place."""
    named = _named(events)
    if named is None:
        return None
    community, keys, groups = named
    identities: IdentityCache = {} if cache is None else cache
    known = identities.setdefault(community, {})
    todo = sorted(k for k in keys if k not in known)
    found = raw.read_each(conn, [lock, *reads(community, todo, groups)])[1:]
    return ahead_of(community, todo, found, identities)


def reads(community: str, keys: Collection[str], groups: Collection[str]) -> list[raw.Read[Any]]:
    """The community's id, the identities of ``keys`` and the rows of ``groups`` as one read
    (a ``UNION ALL`` of the three, each row tagged with what it is) to send with others
    (``raw.read_each``); its value makes an :class:`Ahead` (:func:`ahead_of`). The door sends
    it with its second round trip (``prefetched``). One statement rather than three: psycopg's
    client CPU per statement (~60–100 µs) is paid in a pipeline too (issue 22)."""
    wanted, asked = sorted(groups), sorted(keys)
    sql = _AHEAD[(bool(asked), bool(wanted))]
    params: list[Any] = [community, asked] if asked else []
    if wanted:
        params += [community, wanted]
    params.append(community)
    return [raw.Read(sql, params, list)]


def ahead_of(
    community: str, keys: Collection[str], found: list[Any], cache: IdentityCache | None = None
) -> Ahead:
    """The :class:`Ahead` of :func:`reads`' values (``keys``: the identities asked for)."""
    ids: dict[str, int] = {}
    group_rows: list[tuple[Any, ...]] = []
    identities: IdentityCache = {} if cache is None else cache
    known = identities.setdefault(community, {})
    utc = raw.utc
    for tag, i, key, member, name, name_at, first in found[0]:
        if tag == "i":
            known[key] = identity_row(i, key, member, name, utc(name_at), utc(first))
        elif tag == "g":
            group_rows.append((key, i, first))
        else:
            ids[key] = i
    return Ahead(ids, identities, {community: set(keys) - set(known)}, group_rows)


def prefetched(
    ahead: Ahead | None, events: Collection[Event], cache: IdentityCache | None
) -> Ahead | None:
    """``ahead`` (read before the events were decided) with the rows of just the groups
    ``events`` name, when it names every community, group and identity they do — so their
    append need not look ahead again; else ``None``."""
    named = _named(events)
    if ahead is None or named is None or cache is not None:
        return None
    community, keys, groups = named
    known = ahead.identities.get(community, {})
    absent = ahead.absent.get(community, set())
    rows = [g for g in ahead.groups if g[0] in groups]
    if (
        community not in ahead.communities
        or any(k not in known and k not in absent for k in keys)
        or len(rows) != len(groups)
    ):
        return None
    return Ahead(ahead.communities, ahead.identities, ahead.absent, rows)


def _named(events: Collection[Event]) -> tuple[str, set[str], set[str]] | None:
    """The one community, the identity keys and the groups ``events`` name, when they are few
    and of one community not configured among them; else ``None``."""
    if not events or len(events) > FEW:
        return None
    community = next(iter(events)).community
    keys: set[str] = set()
    groups: set[str] = set()
    for e in events:
        if e.community != community or e.kind == "community.configured":
            return None
        keys.update(
            k for k in (e.actor, e.subject, e.data.get("inviter")) if isinstance(k, str) and k
        )
        if e.group is not None:
            groups.add(e.group)
    return community, keys, groups


_IDENTITIES = (
    "SELECT 'i', id, \"key\", member_id, display_name, name_at, first_seen_at FROM identities"
    ' WHERE community_id = (SELECT id FROM communities WHERE slug = ?) AND "key" IN (?*)'
)
_GROUPS = (
    "SELECT 'g', id, slug, NULL, NULL, NULL, first_seen_at FROM groups"
    " WHERE community_id = (SELECT id FROM communities WHERE slug = ?) AND slug IN (?*)"
)
_COMMUNITY = "SELECT 'c', id, slug, NULL, NULL, NULL, NULL FROM communities WHERE slug = ?"
_AHEAD = {
    (keys, groups): " UNION ALL ".join(
        [*([_IDENTITIES] if keys else []), *([_GROUPS] if groups else []), _COMMUNITY]
    )
    for keys in (False, True)
    for groups in (False, True)
}
"""By (identities asked, groups asked): rows (what, id, key or slug, then an identity's
member, name, name's time and first seen; a group's first seen). The identities come first:
PostgreSQL types a ``UNION``'s columns pair by pair from the left, and a column of ``NULL``
alone would be taken as text before it met ``member_id``."""
