"""Private offers' pure rules (P-MON-3): who is ready for the next rung, and the offer.

Seed 003: offers are made point to point, in private, to the members who are ready — never
broadcast in the group. Ready (``[[money.offers]]``): on the lower rung (holding one of
``from_plans``, or a member of one of ``from_groups``) for at least ``min_days``, active in
``active_weeks`` of the last four weeks, with ``min_contributions`` questions asked or replies
given, not holding the offered product already, not offered anything in the last
``cooldown_days``, and not opted out (``offer.opted_out``, until an ``offer.opted_in``). Each
offer is an ``offer.made`` event (the offer id names the member, the product and the day, so
planning twice a day offers once) and one private message, spaced ``per_minute``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from shequn.engine.decisions import Decision, capped_ref
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_money import OfferRule, show
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.model.orders import Order, order_ref


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the engine knows of one member on a lower rung."""

    identity: str
    since: datetime  # on the lower rung since (membership start, group join)
    active_weeks: int  # weeks of the last four with a message
    contributions: int  # questions asked plus replies given, last four weeks
    holds: frozenset[str]  # products held now (active, trial, comp, lifetime, past due)
    last_offer: datetime | None
    opted_out: bool = False  # asked for no private offers (offer.opted_out)


def why_not(rule: OfferRule, c: Candidate, now: datetime) -> str | None:
    """The first reason ``c`` is not ready for ``rule``'s product, or ``None`` (said in the
    reader's language where it is shown)."""
    if c.opted_out:
        return Said("opted out of offers")
    if rule.product in c.holds:
        return Said("holds it already")
    if now - c.since < timedelta(days=rule.min_days):
        return Said("on the lower rung for less than {n} days", n=rule.min_days)
    if c.active_weeks < rule.active_weeks:
        return Said("active in {n} of the last 4 weeks", n=c.active_weeks)
    if c.contributions < rule.min_contributions:
        return Said("asked and answered too little")
    if c.last_offer is not None and now - c.last_offer < timedelta(days=rule.cooldown_days):
        return Said("had an offer in the last {n} days", n=rule.cooldown_days)
    return None


def offer_id(identity: str, product: str, now: datetime) -> str:
    return f"{product}:{identity}:{now:%Y%m%d}"


def decide_offers(
    bp: Blueprint, rule: OfferRule, candidates: Iterable[Candidate], now: datetime
) -> Decision:
    """Pure: an ``offer.made`` and a private message for every ready candidate."""
    product = bp.money.product(rule.product)
    if product is None:
        return Decision.none()
    community = bp.community.slug
    out = Decision.none()
    ready = [c for c in candidates if why_not(rule, c, now) is None]
    for i, c in enumerate(sorted(ready, key=lambda c: c.identity)):
        oid = offer_id(c.identity, product.slug, now)
        expires = now + timedelta(days=rule.expires_days)
        event = Event(
            kind="offer.made", occurred_at=now, community=community, source="engine",
            source_ref=capped_ref(f"offer:{community}:{oid}"), subject=c.identity,
            data={"offer": oid, "tier": product.rung, "product": product.slug,
                  "expires_at": expires.isoformat()},
        )  # fmt: skip
        payload = {
            "template": "offer_made",
            "to": c.identity,
            "product": product.name,
            "price": show(product.price_minor, product.currency),
            "currency": product.currency,
            "order": order_ref(Order(community, c.identity, product.slug)),
            "days": rule.expires_days,
        }
        due = now + timedelta(minutes=i // rule.per_minute)
        out += Decision([event], [Action("message.send", community, due, None, payload)])
    return out


def decide_acceptance(payment: Event, offers: Iterable[tuple[str, str, datetime]]) -> Decision:
    """Pure: a payment for a product the payer has an open offer of accepts it (``offers``:
    ``(offer id, product, expires_at)`` of the payer's offers)."""
    product = payment.data.get("product")
    for oid, offered, expires in offers:
        if offered == product and payment.occurred_at <= expires and payment.actor:
            accepted = Event(
                kind="offer.accepted", occurred_at=payment.occurred_at,
                community=payment.community, source="engine",
                source_ref=capped_ref(f"accepted:{payment.community}:{oid}"),
                actor=payment.actor,
                data={"offer": oid, "product": offered, "payment": payment.source_ref},
            )  # fmt: skip
            return Decision(events=[accepted])
    return Decision.none()
