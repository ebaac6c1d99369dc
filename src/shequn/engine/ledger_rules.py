"""The benefit-sharing ledger's pure rules (P-MON-4): what each agent is owed, and the
commission a refund takes back. The ledger is a fold over the log — ``commission.earned``
(fission's rule), ``commission.reversed`` (a refund) and ``commission.paid`` (a payout) — with
no table of its own, so it cannot drift from the facts, in integer minor units per currency.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shequn.engine.decisions import Decision, engine_event
from shequn.model.blueprint_money import to_minor
from shequn.model.events import Event

DEFAULT_CURRENCY = "CNY"


def minor_of(e: Event) -> int:
    """An entry's amount in minor units (``commission.earned`` carries major units)."""
    if isinstance(e.data.get("amount_minor"), int):
        return int(e.data["amount_minor"])
    return to_minor(e.data.get("amount") or 0, currency_of(e))


def currency_of(e: Event) -> str:
    return str(e.data.get("currency") or DEFAULT_CURRENCY)


@dataclass(slots=True)
class Account:
    """One agent's account in one currency."""

    agent: str
    currency: str
    earned: int = 0
    reversed: int = 0
    paid: int = 0
    entries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def owed(self) -> int:
        return self.earned - self.reversed - self.paid

    def to_dict(self, *, entries: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "agent": self.agent, "currency": self.currency, "earned": self.earned,
            "reversed": self.reversed, "paid": self.paid, "owed": self.owed,
        }  # fmt: skip
        if entries:
            out["entries"] = self.entries
        return out


_SIGN = {
    "commission.earned": "earned",
    "commission.reversed": "reversed",
    "commission.paid": "paid",
}
LEDGER_KINDS = tuple(_SIGN)


def fold(events: Iterable[Event]) -> dict[tuple[str, str], Account]:
    """Accounts by (agent, currency) from the ledger's events, in log order."""
    accounts: dict[tuple[str, str], Account] = {}
    for e in events:
        column = _SIGN.get(e.kind)
        if column is None or e.subject is None:
            continue
        key = (e.subject, currency_of(e))
        acc = accounts.setdefault(key, Account(*key))
        amount = minor_of(e)
        setattr(acc, column, getattr(acc, column) + amount)
        acc.entries.append(
            {"at": e.occurred_at.isoformat(), "kind": column, "amount_minor": amount,
             "payment": e.data.get("payment"), "note": e.data.get("note")}
        )  # fmt: skip
    return accounts


def decide_reversals(refund: Event, earned: Iterable[Event], paid_minor: int | None) -> Decision:
    """Pure: the commission earned on the refunded payment taken back, in proportion to the
    refund (``paid_minor``: what the payment was; unknown → all of it)."""
    out = Decision.none()
    refunded = refund.data.get("amount_minor")
    for e in earned:
        if e.subject is None:
            continue
        whole = minor_of(e)
        back = whole
        if isinstance(refunded, int) and paid_minor and refunded < paid_minor:
            share = Decimal(whole) * Decimal(refunded) / Decimal(paid_minor)
            back = int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if back <= 0:
            continue
        ref = f"reverse:{e.source_ref}:{refund.source}:{refund.source_ref}"
        out.events.append(
            engine_event(
                "commission.reversed",
                ref,
                refund.community,
                e.subject,
                refund.occurred_at,
                amount_minor=back,
                currency=currency_of(e),
                payment=str(e.data["payment"]),
                refund=refund.source_ref,
            )
        )
    return out
