"""``POST /hooks/payments/stripe`` and ``POST /hooks/payments/wechatpay``: payment platforms'
webhooks (outside ``/api/v1``: no API token; the platform's signature instead).

Nothing is read past the signature check: a missing secret, a bad signature or a timestamp
more than five minutes from our clock is answered 400 (Stripe) or 401 (WeChat Pay) and nothing
is recorded. A good notification is recorded before the answer (``engine/payments_in.py``),
so a failure is a 500 the platform retries, and a retry — or any re-delivery — adds nothing:
the payment is keyed on the platform's id. Configuration, from the environment:

``SHEQUN_STRIPE_WEBHOOK_SECRET``      the endpoint's signing secret (``whsec_…``)
``SHEQUN_WECHATPAY_APIV3_KEY``        the merchant's API v3 key (32 characters)
``SHEQUN_WECHATPAY_PUBLIC_KEY``       path of the platform's public key or certificate (PEM)
``SHEQUN_PAYMENTS_COMMUNITY``         the community paid into, unless the store has only one
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from shequn.api.deps import hook_community
from shequn.connectors.payments import HookRejected, wechatpay
from shequn.connectors.payments import stripe as stripe_hook
from shequn.engine.payments_in import take
from shequn.model.orders import Paid
from shequn.store.db import Store

STRIPE_SECRET_ENV = "SHEQUN_STRIPE_WEBHOOK_SECRET"  # noqa: S105 — the variable's name
WECHATPAY_KEY_ENV = "SHEQUN_WECHATPAY_APIV3_KEY"
WECHATPAY_PUBLIC_ENV = "SHEQUN_WECHATPAY_PUBLIC_KEY"
COMMUNITY_ENV = "SHEQUN_PAYMENTS_COMMUNITY"
MAX_BODY_BYTES = 1 << 20

clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731
"""The receivers' "now" for the timestamp check; tests replace it with a fake clock."""

router = APIRouter(prefix="/hooks/payments", tags=["hooks"], include_in_schema=False)


async def _record(request: Request, paid: Paid | None) -> dict[str, Any]:
    if paid is None:
        return {"outcome": "ignored"}
    store: Store = request.app.state.store
    community = await run_in_threadpool(hook_community, store, COMMUNITY_ENV)
    return {"outcome": await run_in_threadpool(take, store, community, paid)}


@router.post("/stripe")
async def stripe_webhook(request: Request) -> JSONResponse:
    """A Stripe event, recorded if ``Stripe-Signature`` is right and fresh."""
    secret = os.environ.get(STRIPE_SECRET_ENV, "")
    body = await request.body()
    if not secret or len(body) > MAX_BODY_BYTES:
        return JSONResponse({"error": "refused"}, status_code=400)
    header = request.headers.get("stripe-signature")
    try:
        event = stripe_hook.verify(body, header, secret, clock(), stripe_hook.TOLERANCE_SECONDS)
        paid = stripe_hook.paid(event)
    except (HookRejected, KeyError, TypeError, ValueError):
        return JSONResponse({"error": "refused"}, status_code=400)
    return JSONResponse(await _record(request, paid))


@router.post("/wechatpay")
async def wechatpay_webhook(request: Request) -> JSONResponse:
    """A WeChat Pay v3 notification, recorded if its signature is right and fresh and its
    resource decrypts under the API v3 key."""
    key, pem = os.environ.get(WECHATPAY_KEY_ENV, ""), os.environ.get(WECHATPAY_PUBLIC_ENV, "")
    body = await request.body()
    fail = JSONResponse({"code": "FAIL", "message": "refused"}, status_code=401)
    if not key or not pem or len(body) > MAX_BODY_BYTES:
        return fail
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        public = wechatpay.load_public_key(Path(pem).read_bytes())
        resource = wechatpay.verify(
            body, headers, public, key.encode(), clock(), wechatpay.TOLERANCE_SECONDS
        )
        paid = wechatpay.paid(resource)
    except (HookRejected, KeyError, TypeError, ValueError, OSError):
        return fail
    outcome = await _record(request, paid)
    return JSONResponse({"code": "SUCCESS", "message": outcome["outcome"]})
