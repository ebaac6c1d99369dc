"""WeChat Pay API v3 notifications (微信支付 v3 回调): signature, timestamp, decryption.

The platform signs ``timestamp\\nnonce\\nbody\\n`` with RSA-SHA256 (PKCS#1 v1.5); shequn checks
it with the platform's public key (微信支付公钥 or the platform certificate's key, PEM) and
refuses a ``Wechatpay-Timestamp`` more than ``tolerance`` seconds from its clock. The
``resource`` is then decrypted with AEAD_AES_256_GCM under the merchant's API v3 key, with the
resource's ``nonce`` and ``associated_data`` (a tampered ciphertext fails the GCM tag).
``cryptography`` does both; ``wechatpayv3`` (the SDK) was not used: it wants the merchant's
private key and serial even to verify a notification, which a receiver does not need.

Read: ``TRANSACTION.SUCCESS`` (``attach`` is the order, ``amount.total`` in fen,
``transaction_id`` the payment's id) and ``REFUND.SUCCESS`` (``amount.refund``, ``refund_id``).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shequn.connectors.payments import HookRejected
from shequn.model.i18n import Said
from shequn.model.orders import Paid

TOLERANCE_SECONDS = 300
"""WeChat Pay's guidance: refuse a notification signed more than five minutes away."""


def load_public_key(pem: bytes) -> rsa.RSAPublicKey:
    """The platform's RSA public key from PEM (a bare key or a certificate)."""
    key: object
    if b"CERTIFICATE" in pem:
        from cryptography import x509

        key = x509.load_pem_x509_certificate(pem).public_key()
    else:
        key = serialization.load_pem_public_key(pem)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError(Said("WeChat Pay's key must be RSA"))
    return key


def verify(
    body: bytes,
    headers: dict[str, str],
    public_key: rsa.RSAPublicKey,
    apiv3_key: bytes,
    now: datetime,
    tolerance: int,
) -> dict[str, Any]:
    """The decrypted resource of a notification whose signature and timestamp are right,
    with the notification's ``event_type`` and ``id`` added."""
    stamp, nonce = headers.get("wechatpay-timestamp", ""), headers.get("wechatpay-nonce", "")
    try:
        signature = base64.b64decode(headers.get("wechatpay-signature", ""), validate=True)
        message = f"{stamp}\n{nonce}\n".encode() + body + b"\n"
        public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        at = int(stamp)
    except (InvalidSignature, ValueError) as e:
        raise HookRejected(Said("bad signature ({error})", error=type(e).__name__)) from None
    if abs(now.timestamp() - at) > tolerance:
        raise HookRejected(Said("stale timestamp (a replay, or a clock far off)"))
    try:
        note = json.loads(body)
        res = note["resource"]
        plain = AESGCM(apiv3_key).decrypt(
            res["nonce"].encode(),
            base64.b64decode(res["ciphertext"]),
            (res.get("associated_data") or "").encode(),
        )
        return {**json.loads(plain), "_event_type": note["event_type"], "_id": note["id"]}
    except (ValueError, KeyError, TypeError, InvalidTag) as e:
        raise HookRejected(Said("unreadable resource ({error})", error=type(e).__name__)) from None


def paid(resource: dict[str, Any]) -> Paid | None:
    """What a decrypted notification says was paid or refunded; ``None`` for others."""
    kind = resource.get("_event_type")
    amount = resource.get("amount") or {}
    if kind == "TRANSACTION.SUCCESS" and resource.get("trade_state", "SUCCESS") == "SUCCESS":
        return Paid(
            "wechatpay", str(resource["transaction_id"]), resource.get("attach"),
            int(amount.get("total") or 0), str(amount.get("currency") or "CNY"),
            _time(resource.get("success_time")), payer=(resource.get("payer") or {}).get("openid"),
        )  # fmt: skip
    if kind == "REFUND.SUCCESS":
        return Paid(
            "wechatpay", str(resource["refund_id"]), resource.get("attach"),
            int(amount.get("refund") or 0), "CNY", _time(resource.get("success_time")),
            refund=True, payment_ref=resource.get("transaction_id"),
        )  # fmt: skip
    return None


def _time(value: object) -> datetime:
    if not isinstance(value, str):
        raise HookRejected(Said("no success_time"))
    return datetime.fromisoformat(value)
