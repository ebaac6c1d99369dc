"""Event kinds of money (P-MON) that the engine's clock decides, and the commission ledger's
(P-MON-4), beside the money kinds a person or a payment platform reports (``payment.*``,
``membership.*``, ``offer.*`` in ``kinds_payments.py``).

A membership's clock — reminders before its end, the lapse into a grace period — is the
engine's own decision, recorded so it happens once: the event's ``source_ref`` names the
membership, its end and the step, so a second worker, or a tick run twice, records nothing and
queues no second reminder. A renewal moves the end, so the next term gets its reminders again.
"""

from __future__ import annotations

from shequn.model.kindspec import DataField as F
from shequn.model.kindspec import Int, KindSpec, Str

_MEMBER = "the member (identity key)"
_PLAN = F("plan", Str, "the product (its slug in [money])", required=True)
_UNTIL = F("until", Str, "ISO 8601 end of the term the step is about", required=True)

MONEY_KINDS: tuple[KindSpec, ...] = (
    KindSpec(
        "membership.reminded",
        "A renewal reminder was queued privately to a member before their membership ends.",
        actor=_MEMBER,
        group_required=False,
        fields=(_PLAN, _UNTIL, F("days_before", Int, "the reminder's offset", required=True)),
        playbook=("P-MON-2",),
    ),
    KindSpec(
        "membership.lapsed",
        "A membership's term ended unpaid: it is past due, still in its groups, until the "
        "grace period ends.",
        actor=_MEMBER,
        group_required=False,
        fields=(_PLAN, _UNTIL, F("grace_until", Str, "ISO 8601 end of the grace period")),
        playbook=("P-MON-2",),
    ),
    KindSpec(
        "membership.cancelled",
        "A member cancelled their membership: it runs to the end of the term paid for, with no "
        "more renewal reminders, then ends (reason cancelled).",
        actor=_MEMBER,
        group_required=False,
        fields=(_PLAN, F("until", Str, "ISO 8601 end of the term it runs to; absent: ends now")),
        playbook=("P-MON-2",),
    ),
    KindSpec(
        "offer.opted_out",
        "A member asked for no private offers (P-MON-3): offer planning passes them by.",
        actor=_MEMBER,
        group_required=False,
        playbook=("P-MON-3",),
    ),
    KindSpec(
        "offer.opted_in",
        "A member who had opted out of private offers takes them again.",
        actor=_MEMBER,
        group_required=False,
        playbook=("P-MON-3",),
    ),
    KindSpec(
        "commission.reversed",
        "Commission earned on a payment was taken back because the payment was refunded "
        "(in proportion to the refund).",
        actor=None,
        actor_required=False,
        subject="the agent",
        subject_required=True,
        group_required=False,
        fields=(
            F("amount_minor", Int, "commission taken back, integer minor units", required=True),
            F("currency", Str, "ISO 4217 code"),
            F("payment", Str, "source_ref of the refunded payment", required=True),
            F("refund", Str, "source_ref of the refund"),
        ),
        playbook=("P-MON-4", "P-FIS-3"),
    ),
    KindSpec(
        "commission.paid",
        "An agent's commission was paid out (``shequn commission payout``).",
        actor="the operator who paid; absent when unknown",
        actor_required=False,
        subject="the agent",
        subject_required=True,
        group_required=False,
        fields=(
            F("amount_minor", Int, "amount paid out, integer minor units", required=True),
            F("currency", Str, "ISO 4217 code", required=True),
            F("note", Str, "the transfer's reference or a note"),
        ),
        playbook=("P-MON-4",),
    ),
)
