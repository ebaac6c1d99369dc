"""The entry fee's payment request carries what brings the payment back matched (issue 19):
with a payment provider configured, the order reference for the product that opens the group
and the payment link; the platform's payment with that reference then starts the membership
and lets the newcomer in — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from shequn.engine.blueprint import load_into_store
from shequn.engine.entry import Request, enter_many
from shequn.engine.payments_in import record_payment, take
from shequn.model.orders import Order, Paid, parse_order
from shequn.model.templates import render_payload
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.money import list_memberships
from shequn.store.outbox import list_actions
from shequn.store.tasks import list_tasks
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, loaded, wx
from tests.money_helpers import MONEY
from tests.worker_helpers import FakeClock, Scripted, worker

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


def _tasks(store: Store) -> list[str]:
    """Run the worker once (console-like connector) and read the operator tasks it opened."""
    worker(store, Scripted(), FakeClock(T0)).run(once=True)
    with store.read() as conn:
        return [t["instruction"] for t in list_tasks(conn, COMMUNITY)]


def test_without_a_provider_an_operator_collects_the_fee_in_the_communitys_language(
    store: Store,
):
    payload = _knock(store, MONEY)
    assert (payload["order"], payload["link"]) == (None, None)
    assert (payload["amount"], payload["currency"]) == (9.9, "CNY")
    with store.read() as conn:
        bp = get_blueprint(conn, COMMUNITY)
    told = render_payload(bp, {**payload, "group": "fans"})
    assert told == "入群需支付 9.9 CNY，管理员会联系你收款"  # not a dead end for the newcomer
    with store.read() as conn:
        (collect,) = list_actions(conn, community=COMMUNITY, kind="payment.collect")
    assert collect["payload"]["record"] == f"shequn payments record {LIN} fan"
    (task,) = _tasks(store)  # the request itself is sent; the collection is a person's job
    assert task == (
        f"请向 {LIN} 收取 9.9 CNY 的入群费（fans）：尚未配置支付渠道（[money] provider），"
        f"需要你亲自联系并收款。收款后记录（shequn payments record {LIN} fan），系统即放行入群。"
    )
    record_payment(store, COMMUNITY, LIN, "fan", ref="收据-1", at=T0 + timedelta(hours=1))
    with store.read() as conn:
        admits = list_actions(conn, community=COMMUNITY, kind="member.admit")
    assert [a["group_slug"] for a in admits] == ["fans"]  # recorded by hand: let in


def test_with_no_product_for_the_group_the_english_task_names_a_payment_event(store: Store):
    english = MONEY.replace("[money]\n", "") + "\n"
    fee = group("club", gates=["payment"], fee=5, currency="USD")
    bp = blueprint(fee, extra="[money]\n" + english)
    bp = bp.model_copy(update={"community": bp.community.model_copy(update={"language": "en"})})
    load_into_store(store, bp, now=T0 - timedelta(days=1))
    enter_many(store, COMMUNITY, [Request(LIN, group="club", ref="k1", at=T0)], source="t")
    (task,) = _tasks(store)
    assert task == (
        f"Collect 5.0 USD from {LIN} for joining club: no payment provider is set up "
        "([money] provider), so contact them and take it yourself. Once paid, record it "
        f"(shequn events add: payment.made by {LIN}, amount 5 USD) and they are let in."
    )


def test_with_a_provider_nobody_is_asked_to_collect(store: Store):
    _knock(store, STRIPE)
    assert _tasks(store) == []
