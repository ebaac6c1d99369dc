"""Order references: how a payment that comes back from a payment platform names its payer.

shequn issues the reference when it asks someone to pay (a payment request, an offer) and the
platform hands it back with the payment (Stripe's ``client_reference_id`` or
``metadata.shequn_order``, WeChat Pay's ``attach``, up to 128 characters). It carries the
community, the identity and the product, so no table of open orders is needed; it is not a
secret (a webhook is trusted for its signature, not for this text), and a reference that does
not parse is an operator task, never a guess.

``sq1`` + lower-case base32 of ``community|identity|product``: letters and digits only, so
it survives every platform's field rules and URLs unescaped.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from shequn.model.blueprint_money import to_minor

if TYPE_CHECKING:
    from shequn.model.blueprint import Blueprint
    from shequn.model.blueprint_money import Product

PREFIX = "sq1"


@dataclass(frozen=True, slots=True)
class Order:
    """What a reference says: who pays for what, where."""

    community: str
    identity: str
    product: str


def order_ref(order: Order, *, max_len: int | None = None) -> str:
    """The reference for ``order``; ``ValueError`` if it would exceed ``max_len``."""
    raw = "|".join((order.community, order.identity, order.product)).encode()
    ref = PREFIX + base64.b32encode(raw).decode().rstrip("=").lower()
    if max_len is not None and len(ref) > max_len:
        raise ValueError(f"order reference of {len(ref)} characters exceeds {max_len}")
    return ref


def parse_order(ref: str | None) -> Order | None:
    """The order a reference names, or ``None`` when it is not one of ours."""
    if not ref or not ref.startswith(PREFIX):
        return None
    body = ref[len(PREFIX) :].upper()
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    parts = raw.split("|")
    if len(parts) != 3 or not all(parts):
        return None
    return Order(*parts)


@dataclass(frozen=True, slots=True)
class Paid:
    """One payment (``refund=False``) or refund a platform reported."""

    provider: str
    ref: str  # the platform's own id of the payment or refund: idempotency
    order: str | None  # the reference shequn issued, when the platform carried it back
    amount_minor: int
    currency: str
    at: datetime
    refund: bool = False
    payment_ref: str | None = None  # for a refund: the platform's id of the payment
    payer: str | None = None  # the platform's payer id, for the operator's task


MAX_ORDER = 128
"""The shortest field a platform carries the reference back in (WeChat Pay's ``attach``)."""


def opening_product(bp: Blueprint, group: str, fee: float, currency: str) -> Product | None:
    """The product of ``[money]`` an entry fee for ``group`` buys: one that opens the group in
    the fee's currency, the one priced at the fee first; ``None`` when none opens it."""
    opening = [p for p in bp.money.products if group in p.opens and p.currency == currency]
    priced = [p for p in opening if p.price_minor == to_minor(fee, currency)]
    return next(iter(priced or opening), None)


def payment_request(
    bp: Blueprint, group: str, identity: str, fee: float, currency: str
) -> dict[str, str | None]:
    """What an entry fee's ``payment.request`` carries so the payment comes back matched
    (issue 19): with a payment provider configured (``[money] provider``), the order reference
    for the product of ``[money]`` that opens ``group`` (:func:`opening_product`) and, with
    ``pay_url``, the payment link with the reference filled in. Nothing without a provider, or
    when no product opens the group, both are ``None``: the payment is then collected and
    recorded by hand (:func:`collect`)."""
    none: dict[str, str | None] = {"order": None, "link": None}
    money = bp.money
    product = opening_product(bp, group, fee, currency)
    if money.provider == "none" or product is None:
        return none
    try:
        ref = order_ref(Order(bp.community.slug, identity, product.slug), max_len=MAX_ORDER)
    except ValueError:
        return none  # identity keys too long for the platform's field: recorded by hand
    link = money.pay_url.replace("{order}", ref) if money.pay_url else None
    return {"order": ref, "link": link}


def collect(bp: Blueprint, group: str, identity: str, fee: float, currency: str) -> str:
    """How the operator records an entry fee they collected by hand (the ``record`` of a
    ``payment.collect`` task): ``shequn payments record`` for the product that opens the group,
    else a ``payment.made`` event of the fee (the entry gate counts what was paid)."""
    product = opening_product(bp, group, fee, currency)
    if product is not None:
        return f"shequn payments record {identity} {product.slug}"
    return f"shequn events add: payment.made by {identity}, amount {fee:g} {currency}"
