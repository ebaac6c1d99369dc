"""Stripe webhooks: the ``Stripe-Signature`` check and the events shequn reads.

The HMAC is checked by the official library (``stripe.WebhookSignature.verify_header``: HMAC
SHA-256 over ``timestamp.body`` with the endpoint secret, compared in constant time); the
timestamp is checked here against the caller's clock (``tolerance`` seconds either way), so
tests run on a fake clock and a replay of an old delivery is refused. A fresh replay passes
the check and is then recorded once, by the payment's id.

Read: ``checkout.session.completed`` (paid: ``client_reference_id`` or
``metadata.shequn_order`` is the order, ``amount_total`` is already in minor units) and
``charge.refunded`` (``amount_refunded``; the order from the charge's ``metadata``). Every other
event type is acknowledged and ignored.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from shequn.connectors.payments import HookRejected
from shequn.model.i18n import Said
from shequn.model.orders import Paid

TOLERANCE_SECONDS = 300
"""Stripe's own default: a delivery signed more than five minutes away from now is refused."""


def verify(body: bytes, header: str | None, secret: str, now: datetime, tolerance: int) -> Any:
    """The event ``body`` holds, once its signature and timestamp are right."""
    import stripe  # heavy: only when a Stripe webhook arrives

    try:
        stripe.WebhookSignature.verify_header(body.decode("utf-8"), header, secret, None)
        stamp = int(dict(p.split("=", 1) for p in (header or "").split(",") if "=" in p)["t"])
    except (stripe.SignatureVerificationError, UnicodeDecodeError, KeyError, ValueError) as e:
        raise HookRejected(Said("bad signature: {why}", why=str(e))) from None
    if abs(now.timestamp() - stamp) > tolerance:
        raise HookRejected(Said("stale timestamp (a replay, or a clock far off)"))
    try:
        return json.loads(body)
    except ValueError:
        raise HookRejected(Said("the body is not JSON")) from None


def paid(event: Any) -> Paid | None:
    """What a verified Stripe event says was paid or refunded; ``None`` for other types."""
    kind = event.get("type")
    obj = (event.get("data") or {}).get("object") or {}
    at = datetime.fromtimestamp(int(event.get("created") or obj.get("created") or 0), UTC)
    meta = obj.get("metadata") or {}
    if kind == "checkout.session.completed" and obj.get("payment_status") in ("paid", None):
        order = obj.get("client_reference_id") or meta.get("shequn_order")
        return Paid(
            "stripe", str(obj.get("payment_intent") or obj["id"]), order,
            int(obj.get("amount_total") or 0), str(obj.get("currency") or "").upper(), at,
            payer=(obj.get("customer_details") or {}).get("email"),
        )  # fmt: skip
    if kind == "charge.refunded":
        return Paid(
            "stripe", f"{obj['id']}:refund:{obj.get('amount_refunded')}",
            meta.get("shequn_order"), int(obj.get("amount_refunded") or 0),
            str(obj.get("currency") or "").upper(), at, refund=True,
            payment_ref=obj.get("payment_intent"),
        )  # fmt: skip
    return None
