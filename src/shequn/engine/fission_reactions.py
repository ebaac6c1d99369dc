"""Fission's reactions that read the store: fraud checks of new touches, duplicate-identity
cases after merges, commission on payments (P-FIS-3, P-FIS-5).

Called by ``fission.after_append`` in the transaction that recorded the facts; the scoring
itself is pure (``fraud.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection

from shequn.engine.decisions import Decision, engine_event
from shequn.engine.fraud import (
    UNCOUNTED_CASES,
    WEIGHTS,
    ReferralFacts,
    decide_flag,
    flag_event,
    score_referral,
)
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_money import DEFAULT_CURRENCY, to_major, to_minor
from shequn.model.events import Event
from shequn.store import fraud_facts, raw
from shequn.store.door_queries import fraud_facts_read, persons_of
from shequn.store.referral_queries import first_touch, referrals_by


def check_fraud(conn: Connection, bp: Blueprint, invites: Sequence[Event]) -> Decision:
    """Score new invite edges, all at once; flag each one above the bar (strict: blocked,
    loose: for review). Facts are read set-wise — the people behind every key, their first
    joins, the edges among them — so a busy batch costs a few queries, not a few per invite.
    """
    if not invites:
        return Decision.none()
    community = bp.community.slug
    cfg = bp.fission.fraud
    window = timedelta(minutes=cfg.burst_minutes)
    keys = sorted({k for e in invites for k in (e.actor, e.subject) if k is not None})
    since = min(e.occurred_at for e in invites) - window
    if conn.dialect.name == "postgresql" and len(keys) <= fraud_facts.FEW:  # one statement
        people, joined, recent, towards = fraud_facts.facts(conn, community, keys, since)
    else:
        people = persons_of(conn, community, keys)
        everyone = sorted({k for person in people.values() for k in person})
        joined, recent, towards = raw.read(conn, fraud_facts_read(conn, community, everyone, since))
    # The edges by their inviter's key: each invite looks at its own people's, not at all.
    towards_from: dict[str, list[tuple[str, datetime]]] = {}
    for a, b, at in towards:
        towards_from.setdefault(a, []).append((b, at))
    recent_from: dict[str, list[datetime]] = {}
    for a, _, at in recent:
        recent_from.setdefault(a, []).append(at)
    d = Decision.none()
    for e in invites:
        assert e.actor is not None and e.subject is not None  # noqa: S101
        inviter, invitee = set(people[e.actor]), set(people[e.subject])
        self_invite = e.actor in invitee
        first = min((joined[k] for k in invitee if k in joined), default=None)
        now, start = e.occurred_at, e.occurred_at - window
        facts = ReferralFacts(
            self_invite=self_invite,
            already_member=first is not None and first < now,
            # a ring: the invitee's person invited the inviter's person before this invite
            ring=not self_invite
            and any(
                b in inviter and at < now for a in invitee for b, at in towards_from.get(a, ())
            ),
            burst=sum(1 for a in inviter for at in recent_from.get(a, ()) if start <= at <= now)
            > cfg.burst_count,
        )
        score, reasons = score_referral(facts)
        d += decide_flag(e, score, reasons, cfg)
    return d


def flag_duplicates(conn: Connection, bp: Blueprint, person: str, at: datetime) -> Decision:
    """After a merge: referrals between two accounts of one person are self-invites found
    late ("duplicate identities") — a case each, so the operator sees what stopped counting."""
    d = Decision.none()
    community = bp.community.slug
    outcome = "blocked" if bp.fission.fraud.mode == "strict" else "review"
    for r in referrals_by(conn, community, person):
        if not r.same_person or r.case_status is not None:
            continue
        case = f"case:dup:{r.inviter}:{r.invitee}"[:255]
        d.events.append(
            flag_event(
                community,
                at,
                case,
                r.invitee,
                r.inviter,
                WEIGHTS["self_invite"],
                ["duplicate_identity"],
                outcome,
            )
        )
    return d


def commission_minor(payment: Event, rate: float) -> int:
    """``rate`` of ``payment`` in integer minor units, rounded half up once: from the payment's
    ``amount_minor`` when it has one (else its ``amount`` read exactly), never a float sum."""
    currency = str(payment.data.get("currency") or DEFAULT_CURRENCY)
    paid = payment.data.get("amount_minor")
    minor = paid if isinstance(paid, int) else to_minor(payment.data["amount"], currency)
    share = Decimal(minor) * Decimal(str(rate))
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def commission(conn: Connection, bp: Blueprint, payment: Event) -> Decision:
    """Commission on a fee: ``fission.commission[0]`` to whoever brought the payer,
    ``[1]`` to whoever brought them. Self-invites and fraud-blocked referrals earn nothing."""
    assert payment.actor is not None  # noqa: S101
    community = bp.community.slug
    d = Decision.none()
    payer = payment.actor
    person = payer
    currency = str(payment.data.get("currency") or DEFAULT_CURRENCY)
    for level, rate in enumerate(bp.fission.commission, start=1):
        ref = first_touch(conn, community, person)
        if ref is None or ref.same_person or ref.case_status in UNCOUNTED_CASES:
            break
        minor = commission_minor(payment, rate)
        if minor > 0:
            data: dict[str, Any] = {
                "amount": to_major(minor, currency),
                "amount_minor": minor,
                "level": level,
                "payment": payment.source_ref,
                "payer": payer,
            }
            if payment.data.get("currency"):
                data["currency"] = payment.data["currency"]
            d.events.append(
                engine_event(
                    "commission.earned",
                    f"commission:{payment.source}:{payment.source_ref}:{level}",
                    community,
                    ref.inviter,
                    payment.occurred_at,
                    **data,
                )
            )
        person = ref.inviter
    return d
