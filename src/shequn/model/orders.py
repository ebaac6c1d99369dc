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
