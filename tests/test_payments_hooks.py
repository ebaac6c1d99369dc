"""Payments in through signed webhooks (Stripe, WeChat Pay v3), on SQLite and PostgreSQL:
real signatures computed here, a fake clock; a bad signature, a stale timestamp, a tampered
resource → 4xx and nothing recorded; the same payment twice → recorded once; a payment
without our order reference → an operator task; a refund ends the membership by rule."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import stripe
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shequn.api.app import create_app
from shequn.api.routes import hooks_payments
from shequn.model.orders import Order, order_ref, parse_order
from shequn.store import tables as t
from shequn.store.db import Store
from shequn.store.money import list_memberships
from shequn.store.outbox import list_actions
from shequn.store.tasks import list_tasks
from tests.growth_helpers import COMMUNITY, group, loaded, wx
from tests.money_helpers import MONEY

SECRET = "whsec_test_secret"
APIV3 = "0123456789abcdef0123456789abcdef"
NOW = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ORDER = order_ref(Order(COMMUNITY, wx("lin"), "course"))


@dataclass
class Hook:
    client: TestClient
    store: Store

    def stripe(self, event: dict[str, Any], *, at: datetime = NOW, secret: str = SECRET) -> Any:
        body = json.dumps(event)
        sig = stripe.WebhookSignature.generate_signature_header(body, secret, int(at.timestamp()))
        return self.client.post(
            "/hooks/payments/stripe", content=body, headers={"Stripe-Signature": sig}
        )

    def wechat(
        self, event_type: str, resource: dict[str, Any], *, at: datetime = NOW, tamper: str = ""
    ) -> Any:
        nonce, aad = "r3s0urc3n0nc", "transaction"
        sealed = AESGCM(APIV3.encode()).encrypt(
            nonce.encode(), json.dumps(resource).encode(), aad.encode()
        )
        note = {
            "id": f"n-{resource.get('transaction_id') or resource.get('refund_id')}",
            "event_type": event_type,
            "resource": {
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(
                    sealed[:-1] + bytes([sealed[-1] ^ 1]) if tamper == "resource" else sealed
                ).decode(),
                "associated_data": aad,
                "nonce": nonce,
                "original_type": "transaction",
            },
        }
        body = json.dumps(note).encode()
        stamp, n = str(int(at.timestamp())), "h34d3rn0nc3"
        signed = f"{stamp}\n{n}\n".encode() + body + b"\n"
        sig = PRIVATE.sign(signed, padding.PKCS1v15(), hashes.SHA256())
        if tamper == "body":
            body = body.replace(b"TRANSACTION", b"TRANSACTIOM")
        headers = {
            "Wechatpay-Timestamp": stamp,
            "Wechatpay-Nonce": n,
            "Wechatpay-Signature": base64.b64encode(sig).decode(),
            "Wechatpay-Serial": "PUB_KEY_ID_0001",
        }
        return self.client.post("/hooks/payments/wechatpay", content=body, headers=headers)

    def memberships(self) -> list[tuple[str, str, str]]:
        with self.store.read() as conn:
            return [(m.identity, m.plan, m.state) for m in list_memberships(conn, COMMUNITY)]

    def payments(self) -> int:
        with self.store.read() as conn:
            q = select(func.count()).where(t.events.c.kind.like("payment.%"))
            return int(conn.execute(q).scalar_one())


@pytest.fixture
def hook(
    store: Store, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Hook]:
    loaded(store, *(group(g) for g in ("main", "fans", "course", "senior")), extra=MONEY)
    pem = PRIVATE.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "wechatpay.pem").write_bytes(pem)
    monkeypatch.setenv(hooks_payments.STRIPE_SECRET_ENV, SECRET)
    monkeypatch.setenv(hooks_payments.WECHATPAY_KEY_ENV, APIV3)
    monkeypatch.setenv(hooks_payments.WECHATPAY_PUBLIC_ENV, str(tmp_path / "wechatpay.pem"))
    monkeypatch.setattr(hooks_payments, "clock", lambda: NOW)
    with TestClient(create_app(database_url)) as client:
        yield Hook(client, store)


def checkout(order: str | None = ORDER, amount: int = 9900, pi: str = "pi_1") -> dict[str, Any]:
    session = {
        "id": f"cs_{pi}", "object": "checkout.session", "payment_intent": pi,
        "client_reference_id": order, "amount_total": amount, "currency": "cny",
        "payment_status": "paid", "customer_details": {"email": "lin@example.com"},
    }  # fmt: skip
    return {"id": f"evt_{pi}", "type": "checkout.session.completed",
            "created": int(NOW.timestamp()), "data": {"object": session}}  # fmt: skip


def test_order_references_round_trip_and_refuse_strangers():
    assert parse_order(ORDER) == Order(COMMUNITY, wx("lin"), "course")
    assert ORDER.isalnum() and len(ORDER) < 128  # fits Stripe's and WeChat Pay's fields
    assert parse_order("pi_123") is None and parse_order("sq1!!") is None


def test_stripe_payment_admits_once_and_replays_add_nothing(hook: Hook):
    first = hook.stripe(checkout())
    assert (first.status_code, first.json()) == (200, {"outcome": "recorded"})
    again = hook.stripe(checkout(), at=NOW + timedelta(seconds=30))  # a re-delivery
    assert again.json() == {"outcome": "duplicate"}
    assert hook.memberships() == [(wx("lin"), "course", "active")]
    with hook.store.read() as conn:
        admits = list_actions(conn, community=COMMUNITY, kind="member.admit")
    assert [(a["group_slug"], a["payload"]["identity"]) for a in admits] == [("course", wx("lin"))]


@pytest.mark.parametrize("bad", ["secret", "stale", "future", "tampered"])
def test_stripe_refuses_bad_signatures_and_stale_timestamps(hook: Hook, bad: str):
    if bad == "secret":
        r = hook.stripe(checkout(), secret="whsec_someone_else")
    elif bad in ("stale", "future"):
        r = hook.stripe(checkout(), at=NOW + timedelta(minutes=-6 if bad == "stale" else 6))
    else:
        body = json.dumps(checkout())
        sig = stripe.WebhookSignature.generate_signature_header(body, SECRET, int(NOW.timestamp()))
        r = hook.client.post("/hooks/payments/stripe", content=body.replace("9900", "1"),
                             headers={"Stripe-Signature": sig})  # fmt: skip
    assert r.status_code == 400 and hook.payments() == 0 and hook.memberships() == []


def test_a_payment_without_our_reference_is_an_operator_task(hook: Hook):
    assert hook.stripe(checkout(order=None)).json() == {"outcome": "unmatched"}
    assert hook.stripe(checkout(order=None)).json() == {"outcome": "unmatched"}
    with hook.store.read() as conn:
        (task,) = list_tasks(conn, COMMUNITY)
    assert "pi_1" in task["instruction"] and "lin@example.com" in task["instruction"]
    assert hook.payments() == 0


def test_wechatpay_payment_and_refund(hook: Hook):
    paid = {
        "transaction_id": "4200001", "out_trade_no": "T1", "trade_state": "SUCCESS",
        "attach": order_ref(Order(COMMUNITY, wx("lin"), "fan")),
        "amount": {"total": 990, "currency": "CNY"}, "payer": {"openid": "o-lin"},
        "success_time": "2026-05-01T10:00:00+08:00",
    }  # fmt: skip
    r = hook.wechat("TRANSACTION.SUCCESS", paid)
    assert (r.status_code, r.json()["code"]) == (200, "SUCCESS")
    assert hook.wechat("TRANSACTION.SUCCESS", paid).json()["message"] == "duplicate"
    assert hook.memberships() == [(wx("lin"), "fan", "active")]
    refund = {
        "refund_id": "5030001", "transaction_id": "4200001", "out_trade_no": "T1",
        "amount": {"refund": 990, "total": 990}, "success_time": "2026-05-02T10:00:00+08:00",
    }  # fmt: skip
    assert hook.wechat("REFUND.SUCCESS", refund).json()["message"] == "recorded"
    assert hook.memberships() == [(wx("lin"), "fan", "refunded")]


@pytest.mark.parametrize("tamper", ["body", "resource", "stale"])
def test_wechatpay_refuses_tampering_and_staleness(hook: Hook, tamper: str):
    paid = {"transaction_id": "1", "attach": ORDER, "amount": {"total": 9900},
            "success_time": "2026-05-01T10:00:00+08:00"}  # fmt: skip
    if tamper == "stale":
        r = hook.wechat("TRANSACTION.SUCCESS", paid, at=NOW - timedelta(minutes=10))
    else:
        r = hook.wechat("TRANSACTION.SUCCESS", paid, tamper=tamper)
    assert r.status_code == 401 and hook.payments() == 0


def test_without_a_secret_nothing_is_read(hook: Hook, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(hooks_payments.STRIPE_SECRET_ENV)
    monkeypatch.delenv(hooks_payments.WECHATPAY_KEY_ENV)
    assert hook.stripe(checkout()).status_code == 400
    assert hook.wechat("TRANSACTION.SUCCESS", {"transaction_id": "1"}).status_code == 401
    assert hook.payments() == 0
