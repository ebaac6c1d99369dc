"""Each group's kept seat count (``groups.seats_taken``, migration 0310's triggers) equals the
seats counted from the rows — active memberships plus entries holding a seat — through joins,
leaves, bans, admissions, seats expiring, a merge and a rebuild, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

from shequn.engine import identity
from shequn.engine.entry import Request, enter, review_application
from shequn.engine.links import create_link
from shequn.engine.record import record
from shequn.engine.seats import expire_seats
from shequn.model.events import Event
from shequn.store.db import Store
from shequn.store.rebuild import rebuild, snapshot
from shequn.store.seat_queries import Seats, counted_seats, seats
from tests.growth_helpers import COMMUNITY, at, group, loaded, wx

GROUPS = ["g1", "g2", "club"]


def _event(kind: str, who: str, minutes: float, group: str, **data: object) -> Event:
    subject = who if kind == "member.removed" else None
    actor = None if subject else who
    return Event(
        kind, at(minutes), COMMUNITY, "bot", f"{kind}-{who}-{minutes}", group=group,
        actor=actor, subject=subject, data=dict(data),
    )  # fmt: skip


def _kept(store: Store) -> dict[str, Seats]:
    with store.read() as conn:
        kept, counted = seats(conn, COMMUNITY, GROUPS), counted_seats(conn, COMMUNITY, GROUPS)
    assert kept == counted
    return kept


def _taken(store: Store) -> dict[str, int]:
    return {g: s.taken for g, s in _kept(store).items()}


def test_the_kept_count_follows_every_change_of_a_seat(store: Store) -> None:
    bp = loaded(
        store,
        group("g1", capacity=3, seat_hold_hours=48),
        group("g2", capacity=5),
        group("club", gates=["application"], judges=3, approvals=2),
    )
    link = create_link(store, bp, purpose="live_code", groups=["g1", "g2"], now=at(0))
    for k, name in enumerate(("ann", "bob", "cat", "dan")):
        enter(store, COMMUNITY, Request(wx(name), link=link.code, at=at(1 + k)))
    assert _taken(store) == {"g1": 3, "g2": 1, "club": 0}  # admitted: promised a seat

    # Arrivals move a seat from the entry to the membership; a stranger adds one.
    record(store, [_event("member.joined", wx(n), 10, "g1") for n in ("ann", "bob")])
    record(store, [_event("member.joined", wx("eve"), 11, "g2")])
    assert _taken(store) == {"g1": 3, "g2": 2, "club": 0}

    record(store, [_event("member.left", wx("ann"), 20, "g1")])
    record(store, [_event("member.removed", wx("eve"), 21, "g2", reason="spam")])  # a ban
    assert _taken(store) == {"g1": 2, "g2": 1, "club": 0}
    record(store, [_event("member.joined", wx("ann"), 22, "g1")])  # back again
    assert _taken(store) == {"g1": 3, "g2": 1, "club": 0}

    # cat holds a seat in g1 and never arrives: it is given back after the hold.
    assert expire_seats(store, COMMUNITY, now=at(3) + timedelta(hours=48)) == [wx("cat")]
    assert _taken(store) == {"g1": 2, "g2": 1, "club": 0}

    # An application: pending holds no seat, admitted does.
    enter(store, COMMUNITY, Request(wx("fay"), group="club", at=at(30)))
    assert _taken(store)["club"] == 0
    for k, judge in enumerate(("j1", "j2")):
        review_application(
            store, COMMUNITY, "club", wx("fay"), judge=wx(judge), verdict="approve",
            now=at(31 + k),
        )  # fmt: skip
    assert _taken(store)["club"] == 1

    # A merge folds two accounts of one person; their memberships stay as they were.
    record(store, [_event("member.joined", wx("bob2"), 40, "g2")])
    identity.merge(store, wx("bob"), wx("bob2"))
    live = _taken(store)
    assert live == {"g1": 2, "g2": 2, "club": 1}

    with store.read() as conn:
        before = snapshot(conn)
    rebuild(store)
    assert _taken(store) == live
    with store.read() as conn:
        assert snapshot(conn) == before  # seats_taken is a column of groups: compared too
