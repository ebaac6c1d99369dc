"""The entry fee's payment request carries what brings the payment back matched (issue 19):
with a payment provider configured, the order reference for the product that opens the group
and the payment link; the platform's payment with that reference then starts the membership
and lets the newcomer in — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from shequn.engine.entry import Request, enter_many
from shequn.engine.payments_in import take
from shequn.model.orders import Order, Paid, parse_order
from shequn.store.db import Store
from shequn.store.money import list_memberships
from shequn.store.outbox import list_actions
from tests.growth_helpers import COMMUNITY, T0, group, loaded, wx
from tests.money_helpers import MONEY

STRIPE = MONEY.replace(
    "[money]\n", '[money]\nprovider = "stripe"\npay_url = "https://pay.example.com/c?ref={order}"\n'
)
LIN = wx("lin")


def _knock(store: Store, money: str) -> dict[str, object]:
    fans = group("fans", gates=["payment"], fee=9.9)
    loaded(store, group("main"), fans, group("course"), group("senior"), extra=money)
    enter_many(store, COMMUNITY, [Request(LIN, group="fans", ref="k1", at=T0)], source="t")
    with store.read() as conn:
        (request,) = list_actions(conn, community=COMMUNITY, kind="payment.request")
    payload: dict[str, object] = request["payload"]
    return payload


def test_with_a_provider_the_request_carries_the_order_and_the_link(store: Store):
    payload = _knock(store, STRIPE)
    order = str(payload["order"])
    assert parse_order(order) == Order(COMMUNITY, LIN, "fan")  # the product opening "fans"
    assert payload["link"] == f"https://pay.example.com/c?ref={order}"
    assert (payload["amount"], payload["template"]) == (9.9, "payment")
    paid = Paid("stripe", "pi_1", order, 990, "CNY", T0 + timedelta(minutes=5))
    assert take(store, COMMUNITY, paid, now=T0) == "recorded"
    with store.read() as conn:
        (m,) = list_memberships(conn, COMMUNITY, identity=LIN)
        admits = list_actions(conn, community=COMMUNITY, kind="member.admit")
    assert (m.plan, m.state) == ("fan", "active")
    assert [(a["group_slug"], a["payload"]["identity"]) for a in admits] == [("fans", LIN)]


def test_without_a_provider_the_request_names_the_fee_only(store: Store):
    payload = _knock(store, MONEY)
    assert (payload["order"], payload["link"]) == (None, None)
    assert (payload["amount"], payload["currency"]) == (9.9, "CNY")
