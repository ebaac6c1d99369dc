"""Group memberships and referral edges, projected from joins, leaves, removals and invites.

A membership is one identity in one group: its status (active, left, removed), when that
status was set, the latest join and leave, how many times it joined, and by which channel and
inviter it came. Attribution is *first touch*: a join without an explicit inviter is credited
to the earliest ``member.invited`` edge towards that person in that group.

Everything here is a function of the set of facts, not of their arrival order (two overlapping
imports in either order end the same; tests/test_order_independence.py): the latest fact wins,
with ties broken by the facts' own content, never by which came first; attribution is derived
from what the latest join said itself (kept in ``own_*``) and the first invite edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from shequn.model.events import Event
from shequn.store import raw
from shequn.store import tables as t
from shequn.store.sql import chunks

if TYPE_CHECKING:
    from shequn.store.projections import Projector

Row = dict[str, Any]
_RANK = {"active": 0, "left": 1, "removed": 2}


def _touch_order(ref: Row) -> tuple[object, ...]:
    """First touch: the earliest edge; at the same instant, by inviter key then channel."""
    return (ref["occurred_at"], ref["inviter_key"], ref["channel"] or "")


Pair = tuple[int, int]  # (group_id, identity_id)
FIELDS = (
    "status",
    "status_at",
    "joined_at",
    "left_at",
    "join_channel",
    "inviter_identity_id",
    "times_joined",
    "own_inviter_identity_id",
    "own_channel",
)


_LOADED = ("id", "group_id", "identity_id", *FIELDS)
_EDGES = (
    "SELECT r.group_id, r.invitee_identity_id, r.inviter_identity_id, r.channel, r.occurred_at,"
    ' i."key" FROM referrals r JOIN identities i ON i.id = r.inviter_identity_id'
    " WHERE r.invitee_identity_id IN (?*)"
)


class MembershipBook:
    """Loads the memberships and referrals a batch touches, folds the batch in, writes back."""

    KINDS = frozenset({"member.joined", "member.left", "member.removed", "member.invited"})

    def __init__(self, projector: Projector) -> None:
        self.p = projector
        self.rows: dict[Pair, Row] = {}
        self.dirty: set[Pair] = set()
        self.first_touch: dict[Pair, Row] = {}
        self.referrals: list[Row] = []

    def apply(self, events: Sequence[tuple[int, Event]]) -> None:
        paired = [(self._pair(e), event_id, e) for event_id, e in events]  # each pair, once
        self._load({pair for pair, _, _ in paired})
        for pair, event_id, e in paired:
            if e.kind == "member.invited":
                self._invited(event_id, e, pair)
            elif e.kind == "member.joined":
                self._joined(e, pair)
            else:
                self._ended(e, pair, "left" if e.kind == "member.left" else "removed")
        self._write()

    def _pair(self, e: Event) -> Pair:
        who = e.subject if e.kind in ("member.removed", "member.invited") else e.actor
        assert who is not None and e.group is not None  # noqa: S101  # the kinds' specs
        gid = self.p.group_id(e.community, e.group)
        assert gid is not None  # noqa: S101
        return gid, self.p.identity_id(who)

    def _load(self, pairs: set[Pair]) -> None:
        gids = sorted({g for g, _ in pairs})
        iids = sorted({i for _, i in pairs} - self.p.fresh)  # new people have no rows yet
        where = "WHERE identity_id IN (?*) AND group_id IN (?*)"
        for part in chunks(iids):
            found, edges = raw.read_each(  # one round trip on PostgreSQL (issue 22)
                self.conn,
                [
                    raw.records_read(t.group_memberships, _LOADED, where, [part, gids]),
                    raw.Read(_EDGES, [part], list),
                ],
            )
            for row in found:
                self.rows[(row["group_id"], row["identity_id"])] = row
            for gid, invitee, inviter, channel, at, key in edges:
                ref = {"group_id": gid, "invitee_identity_id": invitee,
                       "inviter_identity_id": inviter, "channel": channel,
                       "occurred_at": raw.utc(at), "inviter_key": key}  # fmt: skip
                self._touch((gid, invitee), ref)

    @property
    def conn(self) -> Any:
        return self.p.conn

    def _touch(self, pair: Pair, ref: Row) -> None:
        best = self.first_touch.get(pair)
        if best is None or _touch_order(ref) < _touch_order(best):
            self.first_touch[pair] = ref

    def _row(self, pair: Pair) -> Row:
        row = self.rows.get(pair)
        if row is None:
            row = {
                "id": None,
                "group_id": pair[0],
                "identity_id": pair[1],
                "status": None,
                "status_at": None,
                "joined_at": None,
                "left_at": None,
                "join_channel": None,
                "inviter_identity_id": None,
                "times_joined": 0,
                "own_inviter_identity_id": None,
                "own_channel": None,
            }
            self.rows[pair] = row
        self.dirty.add(pair)
        return row

    @staticmethod
    def _newer(row: Row, at: datetime, status: str) -> bool:
        """Whether a change to ``status`` at ``at`` wins over the row's: the later one, and at
        the same instant the stronger (removed > left > active), so the outcome never depends
        on the order the two arrive in."""
        if row["status_at"] is None or at > row["status_at"]:
            return True
        return at == row["status_at"] and _RANK[status] >= _RANK.get(row["status"], -1)

    def _invited(self, event_id: int, e: Event, pair: Pair) -> None:
        assert e.actor is not None  # noqa: S101
        inviter = self.p.identity_id(e.actor)
        ref = {
            "group_id": pair[0],
            "invitee_identity_id": pair[1],
            "inviter_identity_id": inviter,
            "channel": e.data.get("channel"),
            "occurred_at": e.occurred_at,
            "inviter_key": e.actor,
        }
        self.referrals.append(
            {
                **{k: v for k, v in ref.items() if k != "inviter_key"},
                "event_id": event_id,
                "community_id": self.p.communities[e.community],
                "link": e.data.get("link"),
                "campaign": e.data.get("campaign"),
            }
        )
        self._touch(pair, ref)
        if pair in self.rows:
            self.dirty.add(pair)  # an invite recorded after the join it explains

    def _joined(self, e: Event, pair: Pair) -> None:
        row = self._row(pair)
        row["times_joined"] += 1
        at, inviter_key = e.occurred_at, e.data.get("inviter")
        own = (e.data.get("channel") or "", inviter_key or "")
        last = row["joined_at"]
        if (
            last is None
            or at > last
            or (  # the latest join; at the same instant, by content
                at == last
                and own > (row["own_channel"] or "", self._key_of(row["own_inviter_identity_id"]))
            )
        ):
            row["joined_at"] = at
            inviter = self.p.identity_id(inviter_key) if isinstance(inviter_key, str) else None
            row["own_inviter_identity_id"], row["own_channel"] = inviter, e.data.get("channel")
        if self._newer(row, at, "active"):
            row["status"], row["status_at"] = "active", at

    def _key_of(self, identity_id: int | None) -> str:
        if identity_id is None:
            return ""
        for key, ident in self.p.identities.items():
            if ident["id"] == identity_id:
                return key
        q = select(t.identities.c.key).where(t.identities.c.id == identity_id)
        return str(self.conn.execute(q).scalar_one())

    def _ended(self, e: Event, pair: Pair, status: str) -> None:
        row = self._row(pair)
        if row["left_at"] is None or e.occurred_at > row["left_at"]:
            row["left_at"] = e.occurred_at  # the latest leave, whichever arrives first
        if self._newer(row, e.occurred_at, status):
            row["status"], row["status_at"] = status, e.occurred_at

    def _attribute(self, pair: Pair, row: Row) -> None:
        """Inviter and channel: the latest join's own, else the first invite edge's."""
        if not row["times_joined"]:
            return
        touch = self.first_touch.get(pair)
        own = row["own_inviter_identity_id"]
        row["inviter_identity_id"] = own or (touch["inviter_identity_id"] if touch else None)
        channel = row["own_channel"]
        if channel is None and own is None and touch is not None:
            channel = touch["channel"]
        row["join_channel"] = channel

    def _write(self) -> None:
        for pair in self.dirty:
            self._attribute(pair, self.rows[pair])
        new = [self.rows[p] for p in sorted(self.dirty) if self.rows[p]["id"] is None]
        old = [self.rows[p] for p in sorted(self.dirty) if self.rows[p]["id"] is not None]
        conn, table = self.conn, t.group_memberships
        raw.insert(conn, table, [{k: v for k, v in r.items() if k != "id"} for r in new])
        raw.update_by_id(conn, table, [{"id": r["id"], **{f: r[f] for f in FIELDS}} for r in old])
        raw.insert(conn, t.referrals, self.referrals)
