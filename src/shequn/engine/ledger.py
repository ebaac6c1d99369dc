"""The benefit-sharing ledger (P-MON-4): accounts, statements, payouts, and the commission a
refund takes back (called by the money reactor). Decisions are ``ledger_rules.py``'s.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection

from shequn.engine.decisions import Decision, apply, new_ref, operator_source
from shequn.engine.ledger_rules import LEDGER_KINDS, Account, decide_reversals, fold, minor_of
from shequn.errors import Conflict
from shequn.model.blueprint_money import to_minor
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store.append import lock_for_decision
from shequn.store.db import Store
from shequn.store.money import find_payment
from shequn.store.rules_queries import events_by


def reverse_on_refund(conn: Connection, refund: Event) -> None:
    """Take back the commission earned on the payment ``refund`` returns."""
    paid_ref = refund.data.get("payment")
    if not isinstance(paid_ref, str):
        return
    earned = [
        e
        for _, e in events_by(conn, refund.community, ("commission.earned",))
        if e.data.get("payment") == paid_ref
    ]
    if not earned:
        return
    payment = find_payment(conn, refund.community, None, paid_ref)
    paid_minor = minor_of(payment) if payment is not None else None
    apply(conn, decide_reversals(refund, earned, paid_minor))


def accounts(conn: Connection, community: str, agent: str | None = None) -> list[Account]:
    """Every agent's account (or one agent's), by agent and currency."""
    found = fold(e for _, e in events_by(conn, community, LEDGER_KINDS))
    return [a for k, a in sorted(found.items()) if agent is None or k[0] == agent]


def payout(
    store: Store,
    community: str,
    agent: str,
    amount: str,
    *,
    currency: str = "CNY",
    note: str | None = None,
    who: str = "cli",
    at: datetime | None = None,
) -> Account:
    """Record that ``agent`` was paid ``amount`` (major units as text, exact); more than is
    owed is refused. Returns the account afterwards."""
    minor = to_minor(amount, currency)
    with store.transaction() as conn:
        lock_for_decision(conn)
        owed = sum(a.owed for a in accounts(conn, community, agent) if a.currency == currency)
        if minor <= 0 or minor > owed:
            raise Conflict(
                Said(
                    "{agent} is owed {owed} minor units {currency}; cannot pay out {minor}",
                    agent=agent, owed=owed, currency=currency, minor=minor,
                ),
                agent=agent, owed=owed,
            )  # fmt: skip
        data = {"amount_minor": minor, "currency": currency, **({"note": note} if note else {})}
        event = Event(
            kind="commission.paid", occurred_at=at or datetime.now(UTC), community=community,
            source=operator_source(who), source_ref=new_ref(), subject=agent, data=data,
        )  # fmt: skip
        apply(conn, Decision(events=[event]))
        (after,) = [a for a in accounts(conn, community, agent) if a.currency == currency]
    return after


__all__ = ["accounts", "payout", "reverse_on_refund"]
