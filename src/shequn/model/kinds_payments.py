"""Event kinds of money a person or a payment platform reports (P-MON): payments, refunds,
memberships and private offers.

The kinds the engine's clock decides about a membership, and the commission ledger's, are in
``kinds_money.py``; ``KINDS`` in ``kinds.py`` lists both.
"""

from __future__ import annotations

from shequn.model.kindspec import MEMBER, OPERATOR, Bool, Int, KindSpec, Num, Str
from shequn.model.kindspec import DataField as F

PAYMENT_KINDS: tuple[KindSpec, ...] = (
    # --- money (P-MON) --------------------------------------------------------------
    KindSpec(
        "payment.made",
        "A member paid.",
        actor="the payer",
        group_required=False,
        fields=(
            F("amount", Num, "amount paid", required=True),
            F("amount_minor", Int, "the same in integer minor units (fen, cents): exact"),
            F("currency", Str, "ISO 4217 code"),
            F("order", Str, "the order reference shequn issued (payment request)"),
            F("provider", Str, "payment platform: manual, stripe, wechatpay"),
            F("product", Str, "what was bought"),
            F("tier", Str, "ladder step: free, low, mid, high, partner"),
            F("deposit", Bool, "refundable deposit rather than a fee"),
        ),
        playbook=("P-MON-1", "P-IN-1"),
    ),
    KindSpec(
        "payment.refunded",
        "A payment (or deposit) was returned.",
        actor="the payer",
        group_required=False,
        fields=(
            F("amount", Num, "amount returned", required=True),
            F("amount_minor", Int, "the same in integer minor units (fen, cents): exact"),
            F("currency", Str, "ISO 4217 code"),
            F("payment", Str, "source_ref of the payment"),
            F("product", Str, "the product refunded (its membership ends by rule)"),
        ),
        playbook=("P-MON-1",),
    ),
    KindSpec(
        "membership.started",
        "A paid membership began.",
        actor=MEMBER,
        group_required=False,
        fields=(
            F("plan", Str, "membership plan", required=True),
            F("until", Str, "ISO 8601 end; absent for lifetime"),
            F("state", Str, "trial, active, lifetime or comp (a gift)"),
            F("payment", Str, "source_ref of the payment that started it"),
        ),
        playbook=("P-MON-2",),
    ),
    KindSpec(
        "membership.renewed",
        "A membership was renewed.",
        actor=MEMBER,
        group_required=False,
        fields=(
            F("plan", Str, "plan", required=True),
            F("until", Str, "new end"),
            F("payment", Str, "source_ref of the payment that renewed it"),
        ),
        playbook=("P-MON-2",),
    ),
    KindSpec(
        "membership.ended",
        "A membership ended (expired or cancelled).",
        actor=MEMBER,
        group_required=False,
        fields=(
            F("plan", Str, "plan", required=True),
            F("reason", Str, "expired, cancelled or refunded"),
        ),
        playbook=("P-MON-2",),
    ),
    KindSpec(
        "offer.made",
        "A private offer was made to the subject (P-MON-3: point to point, not broadcast).",
        actor=OPERATOR,
        subject="who got the offer",
        actor_required=False,
        subject_required=True,
        group_required=False,
        fields=(
            F("offer", Str, "offer id", required=True),
            F("tier", Str, "ladder step"),
            F("product", Str, "the product offered (its slug in [money])"),
            F("expires_at", Str, "ISO 8601: paid after this, it was not this offer"),
        ),
        playbook=("P-MON-3",),
    ),
    KindSpec(
        "offer.accepted",
        "The actor accepted a private offer.",
        actor=MEMBER,
        group_required=False,
        fields=(
            F("offer", Str, "offer id", required=True),
            F("product", Str, "the product offered"),
            F("payment", Str, "source_ref of the payment that accepted it"),
        ),
        playbook=("P-MON-3",),
    ),
)
