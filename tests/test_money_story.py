"""Money end to end (issue 19): a product of the ladder → a payment in through the payment
platform's signed webhook (the fake Stripe: real signatures computed here) → the membership
and the admission → a renewal reminder → the renewal, paid the same way, counting from the old
end → benefit-sharing commission to the agent who brought the payer, in integer minor units →
a payout, and the ledger balancing to the fen; over the engine, the worker's tick and the
API, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shequn.api.app import create_app
from shequn.api.routes import hooks_payments
from shequn.engine.ledger import accounts
from shequn.engine.links import ensure_referral_link
from shequn.engine.money import renewals
from shequn.engine.record import record
from shequn.model.orders import Order, order_ref
from shequn.store.db import Store
from shequn.store.money import list_memberships
from shequn.store.outbox import list_actions
from tests.growth_helpers import COMMUNITY, T0, group, loaded, wx
from tests.money_helpers import MONEY, money_api
from tests.test_fission import bring, joined
from tests.test_payments_hooks import SECRET, Hook, checkout

LIN, BOB = wx("lin"), wx("bob")
END = T0.replace(month=6)  # a month of "fan" (9.90) bought at T0
COMMISSION = "\n[fission]\ncommission = [0.1]\n"


@pytest.fixture
def story(store: Store, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    bp = loaded(store, *(group(g) for g in ("main", "fans", "course", "senior")),
                extra=MONEY + COMMISSION)  # fmt: skip
    record(store, [joined("bob", -100)])
    bring(store, ensure_referral_link(store, bp, BOB, now=T0 - timedelta(hours=1)), "lin", -30)
    monkeypatch.setenv(hooks_payments.STRIPE_SECRET_ENV, SECRET)
    clock = {"now": T0}
    monkeypatch.setattr(hooks_payments, "clock", lambda: clock["now"])
    with TestClient(create_app(database_url)) as client:
        yield Hook(client, store), clock


def _pay(hook: Hook, clock: dict[str, datetime], at: datetime, pi: str) -> Any:
    """Lin pays 9.90 for "fan" on Stripe at ``at``, naming the order shequn issued."""
    clock["now"] = at
    event = checkout(order_ref(Order(COMMUNITY, LIN, "fan")), amount=990, pi=pi)
    event["created"] = int(at.timestamp())
    return hook.stripe(event, at=at).json()


def _sent(store: Store, kind: str) -> list[dict[str, Any]]:
    with store.read() as conn:
        return list_actions(conn, community=COMMUNITY, kind=kind, limit=1000)


def test_product_payment_membership_reminder_renewal_and_commission(
    story: Any, database_url: str, tmp_path: Path
) -> None:
    hook, clock = story
    store = hook.store
    assert _pay(hook, clock, T0, "pi_1") == {"outcome": "recorded"}
    assert _pay(hook, clock, T0 + timedelta(minutes=1), "pi_1") == {"outcome": "duplicate"}
    with store.read() as conn:
        (m,) = list_memberships(conn, COMMUNITY, identity=LIN)
    assert (m.plan, m.state, m.until) == ("fan", "active", END)
    admitted = [(a["group_slug"], a["payload"]["identity"]) for a in _sent(store, "member.admit")]
    assert ("fans", LIN) in admitted

    renewals(store, COMMUNITY, END - timedelta(days=7) + timedelta(hours=1))  # the worker's tick
    (reminder,) = [a["payload"] for a in _sent(store, "message.send")]
    assert (reminder["template"], reminder["to"], reminder["price"]) == (
        "membership_reminder",
        LIN,
        "9.90",
    )

    assert _pay(hook, clock, END - timedelta(days=3), "pi_2") == {"outcome": "recorded"}
    with store.read() as conn:
        (m,) = list_memberships(conn, COMMUNITY, identity=LIN)
    assert (m.state, m.renewals, m.until) == ("active", 1, END.replace(month=7))  # from the end
    assert len(_sent(store, "member.admit")) == len(admitted)  # in already: no second admission

    with store.read() as conn:
        (bob,) = accounts(conn, COMMUNITY, BOB)
    assert (bob.earned, bob.owed) == (198, 198)  # 10 % of 990, twice, in fen
    api, secrets = money_api(store, database_url, tmp_path)
    owner = api.as_(secrets["owner"])
    base = f"communities/{COMMUNITY}/commission"
    paid = owner.post(f"{base}/payouts", json={"agent": BOB, "amount": "1.5", "note": "转账"})
    assert (paid.json()["paid"], paid.json()["owed"]) == (150, 48)
    [statement] = owner.get(base, params={"agent": BOB}).json()
    entries = statement["entries"]
    assert [(e["kind"], e["amount_minor"]) for e in entries] == [
        ("earned", 99),
        ("earned", 99),
        ("paid", 150),
    ]
    # the ledger balances: what was earned, less what was reversed and paid, is what is owed
    sums = {
        k: sum(e["amount_minor"] for e in entries if e["kind"] == k) for k in ("earned", "paid")
    }
    assert sums["earned"] - statement["reversed"] - sums["paid"] == statement["owed"] == 48
    assert sums["earned"] == 1980 // 10  # exactly the rate of what lin paid
    api.close()


def test_commission_is_counted_in_minor_units_at_the_source():
    """Fission's rule in fen, rounded half up once: 10 % of 1.25 yuan is 13 fen (a float
    round of 0.125 gave 12), and the payment's own amount_minor is the truth."""
    from shequn.engine.fission_reactions import commission_minor
    from shequn.model.events import Event

    def payment(**data: Any) -> Event:
        return Event("payment.made", T0, COMMUNITY, "t", "p", actor=LIN, data=data)

    assert commission_minor(payment(amount=1.25), 0.1) == 13
    assert commission_minor(payment(amount=9.9, amount_minor=990), 0.15) == 149  # 148.5 → 149
    assert commission_minor(payment(amount=999, currency="JPY"), 0.05) == 50  # yen: no fen


def test_an_offer_accepted_through_the_webhook_then_the_unrenewed_rung_expires(story: Any):
    """The issue's longer story: the fan-group month → a private offer of the course → paid on
    Stripe with the offer's order → accepted, admitted to the course group → nothing renewed:
    expiry after the grace period removes lin from the paid groups."""
    from shequn.engine.offers import plan_offers
    from shequn.model.events import Event
    from shequn.store.rules_queries import events_by

    hook, clock = story
    store = hook.store
    assert _pay(hook, clock, T0, "pi_1") == {"outcome": "recorded"}
    talk = [
        Event("message.posted", T0 + timedelta(days=d), COMMUNITY, "bot", f"m{d}", group="fans",
              actor=LIN, data={"is_question": True})
        for d in (1, 8, 15)
    ]  # fmt: skip
    record(store, [joined("lin", 1, "fans"), *talk])  # the worker's admission, then the talk
    planned = plan_offers(store, COMMUNITY, now=T0 + timedelta(days=21))
    assert [(p.identity, p.product, p.reason) for p in planned] == [(LIN, "course", None)]
    (offer,) = [a["payload"] for a in _sent(store, "message.send")]
    assert (offer["template"], offer["to"]) == ("offer_made", LIN)

    at = T0 + timedelta(days=22)
    clock["now"] = at
    event = checkout(offer["order"], amount=9900, pi="pi_course")
    event["created"] = int(at.timestamp())
    assert hook.stripe(event, at=at).json() == {"outcome": "recorded"}
    with store.read() as conn:
        accepted = [e.data["product"] for _, e in events_by(conn, COMMUNITY, ("offer.accepted",))]
        plans = {m.plan: m.state for m in list_memberships(conn, COMMUNITY, identity=LIN)}
        (bob,) = accounts(conn, COMMUNITY, BOB)
    assert accepted == ["course"] and plans == {"fan": "active", "course": "active"}
    assert ("course", LIN) in [(a["group_slug"], a["payload"]["identity"])
                               for a in _sent(store, "member.admit")]  # fmt: skip
    assert bob.earned == 99 + 990  # 10 % of 9.90 and of 99.00, in fen

    renewals(store, COMMUNITY, END + timedelta(hours=1))  # the fan month lapses …
    renewals(store, COMMUNITY, END + timedelta(days=3))  # … and expires after the grace
    with store.read() as conn:
        plans = {m.plan: m.state for m in list_memberships(conn, COMMUNITY, identity=LIN)}
    # the course is a calendar month (May's, ending at local midnight of 1 June): it ends too
    assert plans == {"fan": "expired", "course": "expired"}
    removed = [(a["group_slug"], a["payload"]["identity"]) for a in _sent(store, "member.remove")]
    assert sorted(removed) == [("course", LIN), ("fans", LIN)]
