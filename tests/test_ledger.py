"""The benefit-sharing ledger (P-MON-4): fission's commission feeds it, a refund takes back
the commission earned on it (in proportion), payouts are recorded and never exceed what is
owed, a statement per agent; exact integer minor units, through the CLI as well."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shequn.engine.ledger import accounts, payout
from shequn.engine.ledger_rules import decide_reversals, fold
from shequn.engine.links import ensure_referral_link
from shequn.engine.record import record
from shequn.errors import Conflict
from shequn.model.events import Event
from shequn.store.db import Store
from tests.growth_helpers import COMMUNITY, T0, at, group, loaded, wx
from tests.test_fission import bring, joined


def _earned(agent: str, amount: float, payment: str = "o-9") -> Event:
    data = {"amount": amount, "level": 1, "payment": payment, "currency": "CNY"}
    return Event("commission.earned", T0, COMMUNITY, "engine", f"c-{agent}-{payment}",
                 subject=wx(agent), data=data)  # fmt: skip


def _refund(minor: int, ref: str = "r-1") -> Event:
    data = {"amount": minor / 100, "amount_minor": minor, "payment": "o-9"}
    return Event("payment.refunded", T0 + timedelta(days=1), COMMUNITY, "shop", ref,
                 actor=wx("cat"), data=data)  # fmt: skip


def test_the_ledger_is_an_exact_fold():
    paid = Event("commission.paid", T0, COMMUNITY, "operator:cli", "p", subject=wx("bob"),
                 data={"amount_minor": 990, "currency": "CNY"})  # fmt: skip
    (bob,) = fold([_earned("bob", 19.9), _earned("bob", 0.1, "o-10"), paid]).values()
    assert (bob.earned, bob.paid, bob.owed) == (2000, 990, 1010)


def test_a_refund_takes_back_commission_in_proportion():
    full = decide_reversals(_refund(19900), [_earned("bob", 19.9)], 19900)
    assert [e.data["amount_minor"] for e in full.events] == [1990]
    half = decide_reversals(_refund(9950), [_earned("bob", 19.9)], 19900)
    assert [e.data["amount_minor"] for e in half.events] == [995]
    assert half.events[0].subject == wx("bob") and half.events[0].kind == "commission.reversed"


def test_commission_refund_payout_and_statement(store: Store, tmp_path):
    bp = loaded(store, group("main"), extra="[fission]\ncommission = [0.1, 0.05]\n")
    record(store, [joined("ann", -100)])
    bring(store, ensure_referral_link(store, bp, wx("ann"), now=at(-40)), "bob", 0)
    bring(store, ensure_referral_link(store, bp, wx("bob"), now=at(5)), "cat", 10)
    pay = Event("payment.made", at(20), COMMUNITY, "shop", "o-9", actor=wx("cat"),
                data={"amount": 199.0, "amount_minor": 19900, "currency": "CNY"})  # fmt: skip
    record(store, [pay])
    with store.read() as conn:
        owed = {a.agent: a.owed for a in accounts(conn, COMMUNITY)}
    assert owed == {wx("ann"): 995, wx("bob"): 1990}
    after = payout(store, COMMUNITY, wx("bob"), "10", note="转账 0001", at=at(30))
    assert (after.paid, after.owed) == (1000, 990)
    with pytest.raises(Conflict, match="owed 990"):
        payout(store, COMMUNITY, wx("bob"), "9.91")
    refund = _refund(19900)
    record(store, [refund, refund])  # delivered twice: taken back once
    with store.read() as conn:
        (bob,) = accounts(conn, COMMUNITY, wx("bob"))
    # overpaid before the refund: a negative balance is what the agent owes back
    assert (bob.earned, bob.reversed, bob.paid, bob.owed) == (1990, 1990, 1000, -1000)
    assert [e["kind"] for e in bob.entries] == ["earned", "paid", "reversed"]
