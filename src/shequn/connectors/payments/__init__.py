"""Payment platforms' webhooks (inbound only): verify the platform's signature, then say what
was paid or refunded as plain ``Paid`` values (``model/orders.py``). Nothing here records: the
engine (``engine/payments_in.py``) matches the order and records through
``engine.inbound.receive``.

``stripe``     ``Stripe-Signature``: HMAC-SHA256 over ``timestamp.body``, checked by the
               official library's verifier; the timestamp against our clock.
``wechatpay``  WeChat Pay API v3: RSA-SHA256 over ``timestamp\\nnonce\\nbody\\n`` with the
               platform's public key, then AEAD_AES_256_GCM decryption of the resource with the
               merchant's API v3 key (``cryptography``).
"""

from __future__ import annotations

from shequn.model.orders import Paid


class HookRejected(Exception):
    """A webhook that must not be believed: bad signature, stale timestamp, unreadable body."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


__all__ = ["HookRejected", "Paid"]
