"""Reads the entry and fission engines decide from: links, entries, profiles, invites
(a group's seats: ``seat_queries``).

Reads only; called inside the deciding transaction so what is read cannot change before the
decision is appended (SQLite: the write lock is held from BEGIN IMMEDIATE; PostgreSQL: the
caller holds the append advisory lock, see :func:`shequn.store.append.lock_for_decision`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import orjson
from pydantic import ValidationError
from sqlalchemy import Connection, bindparam, func, select

from shequn.errors import NotFound
from shequn.model.blueprint import Blueprint
from shequn.model.entities import EntryState, Link, Profile
from shequn.model.i18n import Said, said_from
from shequn.store import raw
from shequn.store import tables as t
from shequn.store.scope_queries import community_id_of, in_community
from shequn.store.tx_memo import blueprints


def links_query() -> Any:
    """Links with their community's slug and their owner's identity key (see ``_link``)."""
    c, i, k = t.links.c, t.identities.c, t.communities.c
    return (
        select(t.links, k.slug.label("community_slug"), i.key.label("owner_key"))
        .join_from(t.links, t.communities, k.id == c.community_id)
        .outerjoin(t.identities, i.id == c.owner_identity_id)
    )


def get_link(conn: Connection, code: str) -> Link | None:
    row = conn.execute(links_query().where(t.links.c.code == code)).mappings().first()
    return _link(row) if row is not None else None


def find_referral_link(
    conn: Connection, community: str, owner: Sequence[str], campaign: str | None
) -> Link | None:
    """The referral link one of ``owner``'s identities already has for ``campaign``."""
    c, i, k = t.links.c, t.identities.c, t.communities.c
    q = links_query().where(
        k.slug == community,
        in_community(t.identities, community),
        c.purpose == "referral",
        i.key.in_(list(owner)),
        c.campaign.is_(None) if campaign is None else c.campaign == campaign,
    )
    row = conn.execute(q.order_by(c.id)).mappings().first()
    return _link(row) if row is not None else None


def list_links(conn: Connection, community: str) -> list[Link]:
    q = links_query().where(t.communities.c.slug == community).order_by(t.links.c.id)
    return [_link(r) for r in conn.execute(q).mappings()]


def _link(r: Any) -> Link:
    return Link(
        code=r["code"],
        community=r["community_slug"],
        purpose=r["purpose"],
        groups=tuple(r["groups"]),
        fill=r["fill"],
        owner=r["owner_key"],
        channel=r["channel"],
        campaign=r["campaign"],
        max_uses=r["max_uses"],
        uses=r["uses"],
        expires_at=r["expires_at"],
    )


def get_entry(
    conn: Connection, community: str, group: str | None, identity: str
) -> EntryState | None:
    rows = list_entries(conn, community, group=group, identity=identity, any_group=False)
    return rows[0] if rows else None


def list_entries(
    conn: Connection,
    community: str,
    *,
    group: str | None = None,
    identity: str | None = None,
    status: Sequence[str] = (),
    any_group: bool = True,
    identities: Sequence[str] | None = None,
) -> list[EntryState]:
    """Entries of the community, oldest decision first; filters combine. Fixed text with
    bound values (``store/raw.py``): the door reads entries twice per knock."""
    read = entries_read(community, group=group, identity=identity, status=status,
                        any_group=any_group, identities=identities)  # fmt: skip
    return raw.read(conn, read)


def entries_read(
    community: str,
    *,
    group: str | None = None,
    identity: str | None = None,
    status: Sequence[str] = (),
    any_group: bool = True,
    identities: Sequence[str] | None = None,
) -> raw.Read[list[EntryState]]:
    """:func:`list_entries` as a read to send with others (``raw.read_each``)."""
    where: list[str] = ["k.slug = ?"]
    params: list[Any] = [community]
    if group is not None:
        where.append("g.slug = ?")
        params.append(group)
    elif not any_group:
        where.append("e.group_id IS NULL")
    if identity is not None or identities is not None:
        where.append("i.community_id = k.id")
    if identity is not None:
        where.append('i."key" = ?')
        params.append(identity)
    if identities is not None:
        if not identities:
            return raw.Read(None, (), lambda _: [])
        where.append('i."key" IN (?*)')
        params.append(list(identities))
    if status:
        where.append("e.status IN (?*)")
        params.append(list(status))
    sql = _ENTRIES + " AND ".join(where) + _ENTRIES_ORDER  # fixed fragments only
    return raw.Read(sql, params, lambda found: _entries_from(community, found))


def _entries_from(community: str, found: list[tuple[Any, ...]]) -> list[EntryState]:
    return [
        EntryState(
            community=community,
            group=slug,
            identity=key,
            status=st,
            reason=said_from(told) if (told := raw.json_value(said)) else reason,
            link=link,
            approvals=approvals,
            rejections=rejections,
            reviews=tuple(raw.json_value(reviews) or ()),
            gates=tuple(raw.json_value(gates) or ()),
            checkins=checkins,
            wave=wave,
            requested_at=raw.utc(requested),
            decided_at=raw.utc(decided),
        )
        for (slug, key, st, reason, said, link, approvals, rejections, reviews, gates, checkins,
             wave, requested, decided) in found
    ]  # fmt: skip


_ENTRIES = (
    'SELECT g.slug, i."key", e.status, e.reason, e.reason_said, e.link, e.approvals, e.rejections,'
    " e.reviews,"
    " e.gates, e.checkins, e.wave, e.requested_at, e.decided_at FROM entries e"
    " JOIN communities k ON k.id = e.community_id LEFT OUTER JOIN groups g ON g.id = e.group_id"
    " JOIN identities i ON i.id = e.identity_id WHERE "
)
_ENTRIES_ORDER = " ORDER BY e.decided_at, e.requested_at, e.id"


def last_wave(conn: Connection, community: str, group: str) -> int:
    e, g, k = t.entries.c, t.groups.c, t.communities.c
    q = (
        select(func.max(e.wave))
        .join_from(t.entries, t.groups, g.id == e.group_id)
        .join(t.communities, k.id == g.community_id)
        .where(k.slug == community, g.slug == group)
    )
    return int(conn.execute(q).scalar() or 0)


def get_profile(conn: Connection, community: str, identities: Sequence[str]) -> Profile:
    """The intake profile of a person, folded over all their identities (merged members)."""
    p, i = t.profiles.c, t.identities.c
    rows = conn.execute(
        select(t.profiles, i.key)
        .join_from(t.profiles, t.identities, i.id == p.identity_id)
        .where(in_community(t.identities, community), i.key.in_(list(identities)))
        .order_by(p.id)
    ).mappings()
    card: dict[str, Any] = {}
    survey: dict[str, Any] = {}
    tasks: list[str] = []
    paid = 0.0
    care = stake = by = None
    for r in rows:
        card.update(r["card"] or {})
        survey.update(r["survey"] or {})
        tasks += [x for x in r["tasks"] or [] if x not in tasks]
        paid += r["paid"] or 0.0
        care, stake, by = r["care"] or care, r["stake"] or stake, r["classified_by"] or by
    return Profile(identities[0], card, survey, tuple(tasks), paid, care, stake, by)


# The entry path runs this for every newcomer: built once, with bound parameters.
_i = t.identities.c
_MEMBER_OF = select(_i.member_id).where(
    _i.key == bindparam("key"), _i.community_id == community_id_of(bindparam("community"))
)


def identities_of(conn: Connection, community: str, identity: str) -> list[str]:
    """Every identity key of the person ``identity`` belongs to in ``community`` (itself
    first)."""
    keys = [k for (k,) in raw.rows(conn, _KEYS_OF_SQL, (identity, community))]
    others = [k for k in keys if k != identity]
    return [identity, *others]


_KEYS_OF_SQL = (
    'SELECT i."key" FROM identities i WHERE i.member_id = (SELECT o.member_id FROM identities o'
    ' WHERE o."key" = ? AND o.community_id = (SELECT id FROM communities WHERE slug = ?))'
    " ORDER BY i.id"
)


def member_id_of(conn: Connection, community: str, identity: str) -> int | None:
    found = conn.execute(_MEMBER_OF, {"key": identity, "community": community}).scalar_one_or_none()
    return int(found) if found is not None else None


def get_blueprint(conn: Connection, community: str) -> Blueprint:
    """The blueprint the community was last configured with."""
    return blueprint_of(community, _stored_blueprint(conn, community))


def blueprint_of(community: str, stored: Any) -> Blueprint:
    """The blueprint from its stored column (``None``: no such community)."""
    if stored is None:
        raise NotFound(Said("no community {community!r}", community=community), community=community)
    return parsed_blueprint(stored)


def _stored_blueprint(conn: Connection, community: str) -> Any:
    """The blueprint column as JSON text (``_BLUEPRINT``), or ``None`` without such a
    community; read once per transaction (``store/tx_memo.py``)."""
    memo = blueprints(conn)
    if community not in memo:
        row = raw.first(conn, _BLUEPRINT, (community,))
        memo[community] = None if row is None else row[0]
    return memo[community]


_BLUEPRINT = "SELECT CAST(blueprint AS TEXT) FROM communities WHERE slug = ?"
"""The blueprint as text on both stores: psycopg would decode a ``jsonb`` column with the
stdlib ``json`` (the whole blueprint, twice per join) only for ``parsed_blueprint`` to dump
it again for its memo key; the text is the key as it is (issue 22, ~4% of a knock's CPU)."""
_PARSED: dict[str | bytes, Blueprint] = {}
_PARSED_MAX = 64


def parsed_blueprint(stored: dict[str, Any] | str) -> Blueprint:
    """``Blueprint.model_validate(stored)``, remembered by content: the entry path reads the
    blueprint in every transaction, and validating it costs more than the decision itself.
    Blueprints are frozen models, so sharing one is safe. ``stored`` is the decoded JSON or,
    as SQLite gives it, its text (then the text itself is the key: nothing to decode)."""
    if isinstance(stored, str):
        known = _RECENT_PARSED.get(stored)
        if known is not None:
            return known
    key = stored if isinstance(stored, str) else orjson.dumps(stored, option=orjson.OPT_SORT_KEYS)
    found = _PARSED.get(key)
    if found is None:
        found = Blueprint.model_validate(raw.json_value(stored))
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = found
    if isinstance(key, str):
        _RECENT_PARSED.put(key, found)
    return found


V = TypeVar("V")


class _Recent(Generic[V]):
    """What the last few blueprint texts gave, found by comparing the text, not hashing it.

    SQLite hands the blueprint over as a new ``str`` in every transaction (two a join), ~15 kB
    for the join benchmark's; as a dict key it was hashed anew each time (SipHash over the
    whole text, twice a transaction: ~2% of a knock and its join's instructions, callgrind).
    An equal text of the same length is a ``memcmp`` (issue 22, Session 39). The pairs are a
    tuple swapped whole, so a thread reads either the old or the new one."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self.pairs: tuple[tuple[str, V], ...] = ()

    def get(self, text: str) -> V | None:
        for known, value in self.pairs:
            if len(known) == len(text) and known == text:
                return value
        return None

    def put(self, text: str, value: V) -> None:
        self.pairs = ((text, value), *self.pairs[: self.size - 1])


_RECENT_PARSED: _Recent[Blueprint] = _Recent()
_RECENT_DECODED: _Recent[Any] = _Recent()


def pending_action(conn: Connection, kind: str, community: str, key: str, value: str) -> bool:
    """Whether an outbox action of ``kind`` with ``payload[key] == value`` is still open:
    queued, in a worker's hands, or waiting for a person (``review``: an operator task)."""
    a = t.actions.c
    q = select(a.payload).where(
        a.kind == kind,
        a.community_slug == community,
        a.status.in_(("pending", "leased", "review")),
    )
    return any(p.get(key) == value for p in conn.execute(q).scalars())


def has_campaigns(conn: Connection, community: str) -> bool:
    return raw.first(conn, _ANY_CAMPAIGN, (community,)) is not None


def has_pending_entries(conn: Connection, community: str) -> bool:
    return raw.first(conn, _ANY_PENDING, (community,)) is not None


_ANY_CAMPAIGN = (
    "SELECT c.id FROM campaigns c JOIN communities k ON k.id = c.community_id"
    " WHERE k.slug = ? LIMIT 1"
)
_ANY_PENDING = (
    "SELECT e.id FROM entries e JOIN communities k ON k.id = e.community_id"
    " WHERE k.slug = ? AND e.status = 'pending' LIMIT 1"
)


def growth_blueprint(
    conn: Connection, community: str, busy: bool = False, campaigns: bool | None = None
) -> Blueprint | None:
    """The blueprint when the growth engines have work in the community — campaigns, pending
    entries (``busy``) or commission rates — else ``None``, without validating it (imports
    call this once per batch). A community configured without a valid blueprint (events
    written by hand) has no growth engines either. ``campaigns``: whether it has any, when
    the caller asked already."""
    stored = _stored_blueprint(conn, community)
    text = stored if isinstance(stored, str) else None
    decoded = _RECENT_DECODED.get(text) if text is not None else None
    if decoded is None:
        found = _DECODED.get(text) if text is not None else None
        decoded = found if found is not None else raw.json_value(stored)
        if not isinstance(decoded, dict):
            return None
        if text is not None and found is None:
            if len(_DECODED) >= _PARSED_MAX:
                _DECODED.clear()
            _DECODED[text] = decoded
        if text is not None:
            _RECENT_DECODED.put(text, decoded)
    fission = decoded.get("fission")
    commission = isinstance(fission, dict) and bool(fission.get("commission"))
    if campaigns is None and not (busy or commission):
        campaigns = has_campaigns(conn, community)
    if not (busy or commission or campaigns):
        return None
    try:
        return parsed_blueprint(stored)
    except ValidationError:
        return None


_DECODED: dict[str, dict[str, Any]] = {}
"""Blueprint texts already decoded (SQLite), only read here: the dicts are never changed."""


def active_groups(conn: Connection, community: str, identities: Sequence[str]) -> set[str]:
    """Group slugs where one of ``identities`` is an active member now."""
    m, g, k, i = t.group_memberships.c, t.groups.c, t.communities.c, t.identities.c
    q = (
        select(g.slug)
        .join_from(t.group_memberships, t.groups, g.id == m.group_id)
        .join(t.communities, k.id == g.community_id)
        .join(t.identities, i.id == m.identity_id)
        .where(k.slug == community, i.key.in_(list(identities)), m.status == "active")
    )
    return set(conn.execute(q).scalars())
