"""Payments in: what a payment platform's verified webhook reported, into the log.

``record_payment`` is the same for a payment an operator records by hand (manual or offline:
the CLI and the API); ``payment_event`` builds the event both paths record.

A payment names its payer by the order reference shequn issued (``model/orders.py``); a
refund names the payment it returns (looked up by the platform's id). Both are recorded
through :func:`shequn.engine.inbound.receive` under the ``payment`` writer role — money kinds
only — with ``source`` ``payment:<provider>`` and the platform's id as ``source_ref``, so the
same notification twice is recorded once. What cannot be matched (no reference of ours, an
unknown product, another currency, a refund of a payment we never saw) is an operator task
with the platform's ids, never a guess.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from shequn.engine.decisions import new_ref, operator_source
from shequn.engine.guard import Writer, guarded
from shequn.engine.inbound import receive
from shequn.engine.money_rules import product_of
from shequn.engine.record import record
from shequn.errors import NotFound
from shequn.model.blueprint_money import Product, to_major, to_minor
from shequn.model.events import Event
from shequn.model.orders import Paid, parse_order
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.money import find_payment
from shequn.store.tasks import open_task

Outcome = Literal["recorded", "duplicate", "unmatched"]
ROLE = "payment"
"""The writer role of a payment platform (``model/writers.ROLE_WRITES``): money kinds only."""


def source_of(provider: str) -> str:
    return f"payment:{provider}"


def take(store: Store, community: str, paid: Paid, *, now: datetime | None = None) -> Outcome:
    """Record ``paid`` for ``community`` (the one the webhook serves), or open a task."""
    event, problem = (_refund if paid.refund else _payment)(store, community, paid)
    if event is None:
        _task(store, community, paid, problem, now or datetime.now(UTC))
        return "unmatched"
    result = receive(store, community, [event], role=ROLE)
    return "recorded" if result.new else "duplicate"


def _payment(store: Store, community: str, paid: Paid) -> tuple[Event | None, str]:
    order = parse_order(paid.order)
    if order is None or order.community != community:
        return None, "carries no order reference of this community"
    with store.read() as conn:
        try:
            product = get_blueprint(conn, community).money.product(order.product)
        except NotFound:
            product = None
    if product is None:
        return None, f"is for product {order.product!r}, which [money] does not list"
    if paid.currency != product.currency:
        return None, f"is in {paid.currency}, the product costs {product.currency}"
    event = payment_event(
        community, order.identity, product, paid.amount_minor, paid.at,
        source=source_of(paid.provider), ref=paid.ref, provider=paid.provider, order=paid.order,
    )  # fmt: skip
    return event, ""


def _refund(store: Store, community: str, paid: Paid) -> tuple[Event | None, str]:
    with store.read() as conn:
        payment = find_payment(conn, community, source_of(paid.provider), paid.payment_ref or "")
    if payment is None:
        return None, f"returns payment {paid.payment_ref!r}, which shequn never recorded"
    data = {
        "amount": to_major(paid.amount_minor, paid.currency),
        "amount_minor": paid.amount_minor,
        "currency": paid.currency,
        "payment": payment.source_ref,
        "product": payment.data.get("product"),
    }
    event = Event(
        kind="payment.refunded",
        occurred_at=paid.at,
        community=community,
        source=source_of(paid.provider),
        source_ref=paid.ref,
        actor=payment.actor,
        data={k: v for k, v in data.items() if v is not None},
    )
    return event, ""


def _task(store: Store, community: str, paid: Paid, problem: str, now: datetime) -> None:
    what = "refund" if paid.refund else "payment"
    text = (
        f"A {paid.provider} {what} {paid.ref} of {paid.amount_minor} minor units "
        f"{paid.currency} (payer {paid.payer or '?'}) {problem}: find who it was and record it "
        "with `shequn payments record`, or refund it."
    )
    with store.transaction() as conn:
        open_task(
            conn, key=f"{source_of(paid.provider)}:{paid.ref}", kind="payment.unmatched",
            community=community, group=None, instruction=text, now=now,
        )  # fmt: skip


def record_payment(
    store: Store,
    community: str,
    identity: str,
    product_slug: str,
    *,
    amount: str | None = None,
    ref: str | None = None,
    provider: str = "manual",
    who: str = "cli",
    at: datetime | None = None,
    writer: Writer | None = None,
) -> Event:
    """Record a manual or offline payment for a product (its price unless ``amount`` says
    otherwise, in major units as text: exact). The reactor then does the rest. ``writer``
    (an API token) passes the write guard first: a scoped manager records only their members'."""
    with store.read() as conn:
        bp = get_blueprint(conn, community)
    product = product_of(bp, product_slug)
    minor = product.price_minor if amount is None else to_minor(amount, product.currency)
    event = payment_event(
        community, identity, product, minor, at or datetime.now(UTC),
        source=operator_source(who), ref=ref or new_ref(), provider=provider,
    )  # fmt: skip
    record(store, guarded(store, writer, [event], label="payment") if writer else [event])
    return event


def payment_event(
    community: str,
    identity: str,
    product: Product,
    minor: int,
    at: datetime,
    *,
    source: str,
    ref: str,
    provider: str,
    order: str | None = None,
) -> Event:
    """A ``payment.made`` for ``product``: ``amount_minor`` exact, ``amount`` the same in major
    units for the analytics that sum it."""
    data = {
        "amount": to_major(minor, product.currency),
        "amount_minor": minor,
        "currency": product.currency,
        "product": product.slug,
        "tier": product.rung,
        "deposit": product.deposit,
        "provider": provider,
    }
    if order is not None:
        data["order"] = order
    return Event(
        kind="payment.made",
        occurred_at=at,
        community=community,
        source=source,
        source_ref=ref,
        actor=identity,
        data=data,
    )
