"""Money (P-MON): payments move members up the ladder; memberships run on the engine's clock.

``react``       the chapter's reactor (``engine/reactions.py``): a recorded ``payment.made`` for
                a product of ``[money]`` starts or renews its membership and knocks at the door
                of every group the product opens — through the entry engine, so thresholds and
                capacity hold; a full refund ends the membership by the product's rule.
``renewals``    the ``money.renewals`` tick (``engine/ticks.py``): reminders before the end,
                the grace period, expiry with removal from the paid groups.
``grant``       what the CLI and the API call for trials and gifts (a manual or offline
                payment is ``payments_in.record_payment``: recorded, this reactor does the rest).

Decisions are the pure functions of ``money_rules.py``; this module reads and applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection

from shequn.engine import entry
from shequn.engine.decisions import Decision, apply, new_ref
from shequn.engine.entry_rules import Knock
from shequn.engine.ledger import reverse_on_refund
from shequn.engine.money_rules import (
    ENDING,
    MembershipView,
    decide_cancel,
    decide_clock,
    decide_grant,
    decide_payment,
    decide_refund,
    product_of,
)
from shequn.engine.offers import accept
from shequn.errors import NotFound
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_money import Product
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store.append import lock_for_decision
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.money import Membership, get_membership, list_memberships

TRIGGERS = frozenset({"payment.made", "payment.refunded"})
"""Kinds that wake the money reactor."""


def _view(m: Membership | None) -> MembershipView | None:
    if m is None:
        return None
    return MembershipView(
        m.identity, m.plan, m.state, m.until, m.grace_until, m.cancelled_at is not None
    )


def _blueprint(conn: Connection, community: str) -> Blueprint | None:
    try:
        bp = get_blueprint(conn, community)
    except (NotFound, ValueError):
        return None
    return bp if bp.money.products else None


def react(conn: Connection, new_events: Sequence[tuple[int, Event]]) -> None:
    """Turn the batch's payments and refunds of known products into membership events and
    admissions, and take back the commission earned on refunded payments (P-MON-4, with or
    without products). A community without products costs one blueprint read."""
    for _, e in new_events:
        if e.kind == "payment.refunded":
            reverse_on_refund(conn, e)  # the commission earned on it is taken back
    for community in sorted({e.community for _, e in new_events if e.kind in TRIGGERS}):
        bp = _blueprint(conn, community)
        if bp is None:
            continue
        for _, e in new_events:
            if e.community != community or e.kind not in TRIGGERS or e.actor is None:
                continue
            current = _view(get_membership(conn, community, e.actor, str(e.data.get("product"))))
            if e.kind == "payment.refunded":
                apply(conn, decide_refund(bp, e, current))
                continue
            product, decision = decide_payment(bp, e, current)
            apply(conn, decision)
            accept(conn, e)  # an open private offer of this product is now accepted
            if product is not None:
                admit(conn, bp, product, e.actor, e.occurred_at, f"paid:{e.source_ref}")


def admit(
    conn: Connection, bp: Blueprint, product: Product, identity: str, at: datetime, ref: str
) -> Decision:
    """Knock at the door of every group ``product`` opens, for ``identity``: the entry engine
    decides (a full group waitlists, a gate still applies; someone already in is a no-op)."""
    known = {g.slug for g in bp.groups}
    total = Decision.none()
    for group in product.opens:
        if group in known:
            knock = Knock(identity, at, f"{ref}:{group}", group=group)
            total += entry.decide(conn, bp, knock)
    return total


def renewals(store: Store, community: str, now: datetime) -> int:
    """The membership clock at ``now``; returns how many membership events it recorded
    (a second run at the same instant records none and queues nothing)."""
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = _blueprint(conn, community)
        if bp is None:
            return 0
        views = [_view(m) for m in list_memberships(conn, community, states=tuple(ENDING))]
        result = apply(conn, decide_clock(bp, [v for v in views if v is not None], now))
        return result.new


def grant(
    store: Store,
    community: str,
    identity: str,
    product_slug: str,
    *,
    state: str = "comp",
    days: int | None = None,
    at: datetime | None = None,
) -> Membership:
    """A trial or a gift (comp) membership, and admission to the product's groups."""
    when = at or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        product = product_of(bp, product_slug)
        apply(conn, decide_grant(bp, product, identity, state, days, when))
        admit(conn, bp, product, identity, when, f"grant:{new_ref()}")
        found = get_membership(conn, community, identity, product.slug)
    assert found is not None  # noqa: S101 - just recorded
    return found


def cancel(
    store: Store,
    community: str,
    identity: str,
    product_slug: str,
    *,
    source: str,
    ref: str,
    at: datetime | None = None,
) -> Membership:
    """The member cancels their membership of ``product_slug`` (their own word, by the bot, or
    an operator's on their behalf): it runs to the end of the term paid for, then ends; no more
    renewal reminders. ``source`` and ``ref`` name where it was said (idempotency)."""
    when = at or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        product = bp.money.product(product_slug)
        current = _view(get_membership(conn, community, identity, product_slug))
        if product is None or current is None:
            raise NotFound(
                Said(
                    "{identity} holds no {product_slug!r} membership",
                    identity=identity,
                    product_slug=product_slug,
                ),
                product=product_slug,
            )
        apply(conn, decide_cancel(bp, product, current, when, source=source, ref=ref))
        found = get_membership(conn, community, identity, product_slug)
    assert found is not None  # noqa: S101 - it was there
    return found


__all__ = [
    "TRIGGERS",
    "admit",
    "cancel",
    "grant",
    "react",
    "renewals",
]
