"""Private offers (P-MON-3): ``shequn offers plan`` and acceptance on payment.

:func:`plan_offers` reads the facts (``store/offer_queries.py``), decides with the pure rules
of ``offers_rules.py`` and, unless it is a dry run, records the ``offer.made`` events and queues
the private messages in one transaction under the append lock. :func:`accept` is called by the
money reactor for every payment: a payment of an offered product within the offer's life
records ``offer.accepted``. :func:`opt_out` records a member's wish for no offers (or for
them again), which planning respects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection

from shequn.engine.decisions import Decision, apply
from shequn.engine.offers_rules import Candidate, decide_acceptance, decide_offers, why_not
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event
from shequn.store.append import lock_for_decision
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.money import list_memberships
from shequn.store.offer_queries import (
    HELD,
    activity,
    last_offer_at,
    lower_rung,
    offers_of,
    opted_out,
)


@dataclass(frozen=True, slots=True)
class Planned:
    """One member considered: the product, and why not (``None``: offered)."""

    identity: str
    product: str
    reason: str | None

    def to_dict(self) -> dict[str, str | None]:
        return {"identity": self.identity, "product": self.product, "not_because": self.reason}


def candidates(conn: Connection, bp: Blueprint, now: datetime) -> dict[str, list[Candidate]]:
    """Per offered product: the members on its lower rung, with their facts."""
    community = bp.community.slug
    weeks, helped = activity(conn, community, now)
    holds: dict[str, set[str]] = {}
    for m in list_memberships(conn, community, states=HELD):
        holds.setdefault(m.identity, set()).add(m.plan)
    last = last_offer_at(conn, community)
    out_of_offers = opted_out(conn, community)
    out: dict[str, list[Candidate]] = {}
    for rule in bp.money.offers:
        pool = lower_rung(conn, community, rule.from_plans, rule.from_groups)
        out[rule.product] = [
            Candidate(
                who,
                since,
                len(weeks.get(who, ())),
                helped.get(who, 0),
                frozenset(holds.get(who, ())),
                last.get(who),
                who in out_of_offers,
            )
            for who, since in sorted(pool.items())
        ]
    return out


def plan_offers(
    store: Store, community: str, *, now: datetime | None = None, dry_run: bool = False
) -> list[Planned]:
    """Decide (and unless ``dry_run`` record) the offers due now; every member considered is
    listed with the reason they got no offer."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        pools = candidates(conn, bp, at)
        planned: list[Planned] = []
        decision = Decision.none()
        for rule in bp.money.offers:
            pool = pools[rule.product]
            planned += [Planned(c.identity, rule.product, why_not(rule, c, at)) for c in pool]
            decision += decide_offers(bp, rule, pool, at)
        if not dry_run:
            apply(conn, decision)
    return planned


def accept(conn: Connection, payment: Event) -> None:
    """Record ``offer.accepted`` when ``payment`` pays for an open offer of its payer."""
    if payment.actor is None:
        return
    offers = offers_of(conn, payment.community).get(payment.actor, [])
    apply(conn, decide_acceptance(payment, reversed(offers)))


def opt_out(
    store: Store,
    community: str,
    identity: str,
    *,
    out: bool = True,
    source: str,
    ref: str,
    at: datetime | None = None,
) -> bool:
    """Record that ``identity`` wants no private offers (``out``) or wants them again; returns
    whether it was new (the same ``source`` and ``ref`` twice records once)."""
    from shequn.engine.record import record  # record runs the reactors

    event = Event(
        kind="offer.opted_out" if out else "offer.opted_in",
        occurred_at=at or datetime.now(UTC),
        community=community,
        source=source,
        source_ref=ref,
        actor=identity,
    )
    return bool(record(store, [event]).new)


__all__ = ["Planned", "accept", "candidates", "opt_out", "plan_offers"]
