"""Money through a real store (SQLite and PostgreSQL): a payment moves the member up the
ladder through the entry engine, the membership clock reminds once, lapses and expires with a
removal, refunds end by rule, and ``rebuild`` reproduces the memberships projection."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shequn.engine.money import grant, renewals
from shequn.engine.payments_in import record_payment
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store.db import Store
from shequn.store.money import list_memberships
from shequn.store.outbox import list_actions
from shequn.store.rebuild import rebuild, snapshot
from tests.growth_helpers import COMMUNITY, T0, group, loaded, wx
from tests.money_helpers import MONEY

LIN = wx("lin")


def _setup(store: Store, capacity: int = 500) -> None:
    groups = [group(g, capacity) for g in ("main", "fans", "course", "senior")]
    loaded(store, *groups, extra=MONEY)


def _actions(store: Store, kind: str | None = None) -> list[dict[str, Any]]:
    with store.read() as conn:
        return list_actions(conn, community=COMMUNITY, kind=kind, limit=1000)


def _states(store: Store) -> list[tuple[str, str, str]]:
    with store.read() as conn:
        return [(m.identity, m.plan, m.state) for m in list_memberships(conn, COMMUNITY)]


def test_paying_starts_a_membership_and_admits_through_the_entry_engine(store: Store):
    _setup(store)
    event = record_payment(store, COMMUNITY, LIN, "fan", ref="pay-1", at=T0)
    assert (event.data["amount_minor"], event.data["amount"]) == (990, 9.9)
    assert _states(store) == [(LIN, "fan", "active")]
    admits = _actions(store, "member.admit")
    assert [(a["group_slug"], a["payload"]["identity"]) for a in admits] == [("fans", LIN)]
    record_payment(store, COMMUNITY, LIN, "fan", ref="pay-1", at=T0)  # the same payment again
    with store.read() as conn:
        (m,) = list_memberships(conn, COMMUNITY)
    assert m.renewals == 0 and len(_actions(store, "member.admit")) == 1


def test_a_full_group_waitlists_a_payer(store: Store):
    _setup(store, capacity=1)
    record_payment(store, COMMUNITY, wx("a"), "course", ref="a", at=T0)
    record_payment(store, COMMUNITY, wx("b"), "course", ref="b", at=T0)
    assert [a["payload"]["identity"] for a in _actions(store, "member.admit")] == [wx("a")]
    assert _states(store) == [(wx("a"), "course", "active"), (wx("b"), "course", "active")]


def test_the_clock_reminds_once_lapses_and_removes_at_expiry(store: Store):
    _setup(store)
    record_payment(store, COMMUNITY, LIN, "fan", ref="pay-1", at=T0)
    end = T0.replace(month=6)  # a month later
    for hours in (-24 * 6, -24 * 6 + 1, -2, -1):  # each tick twice per reminder window
        renewals(store, COMMUNITY, end + timedelta(hours=hours))
    sent = [a["payload"] for a in _actions(store, "message.send")]
    assert [p["template"] for p in sent] == ["membership_reminder"] * 2
    assert renewals(store, COMMUNITY, end + timedelta(hours=1)) == 1
    assert _states(store) == [(LIN, "fan", "past_due")]
    assert renewals(store, COMMUNITY, end + timedelta(days=3)) == 1
    assert renewals(store, COMMUNITY, end + timedelta(days=3, minutes=5)) == 0
    assert _states(store) == [(LIN, "fan", "expired")]
    removal = _actions(store, "member.remove")
    assert [(a["group_slug"], a["payload"]["reason"]) for a in removal] == [("fans", "expired")]


def test_renewing_in_grace_keeps_the_member_and_extends_from_the_end(store: Store):
    _setup(store)
    record_payment(store, COMMUNITY, LIN, "fan", ref="pay-1", at=T0)
    end = T0.replace(month=6)
    renewals(store, COMMUNITY, end + timedelta(hours=1))
    record_payment(store, COMMUNITY, LIN, "fan", ref="pay-2", at=end + timedelta(days=1))
    with store.read() as conn:
        (m,) = list_memberships(conn, COMMUNITY)
    assert (m.state, m.until, m.renewals) == ("active", T0.replace(month=7), 1)
    assert renewals(store, COMMUNITY, end + timedelta(days=4)) == 0


def test_refunds_gifts_and_rebuild(store: Store):
    _setup(store)
    record_payment(store, COMMUNITY, LIN, "fan", ref="pay-1", at=T0)
    refund = Event(
        kind="payment.refunded", occurred_at=T0 + timedelta(days=1), community=COMMUNITY,
        source="test", source_ref="r1", actor=LIN,
        data={"amount": 9.9, "amount_minor": 990, "product": "fan", "payment": "pay-1"},
    )  # fmt: skip
    record(store, [refund])
    gift = grant(store, COMMUNITY, wx("vip"), "life", at=T0)
    assert gift.state == "lifetime"
    trial = grant(store, COMMUNITY, wx("new"), "course", state="trial", days=7, at=T0)
    assert (trial.state, trial.until) == ("trial", T0 + timedelta(days=7))
    states = {(i, p): s for i, p, s in _states(store)}
    assert states[(LIN, "fan")] == "refunded"
    with store.read() as conn:
        live = snapshot(conn)
    assert live["paid_memberships"]
    rebuild(store)
    with store.read() as conn:
        assert snapshot(conn) == live
