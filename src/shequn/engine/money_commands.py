"""A member's own word on money, written to the bot in private: ``/cancel [PRODUCT]`` (the
membership runs to the end of the term paid for, then ends; no more renewal reminders) and
``/nooffers`` / ``/offers`` (private offers off, or on again: P-MON-3).

The same engine functions as ``shequn memberships cancel`` and ``shequn offers optout``, with
the member the platform vouches for as the one who says so, keyed on the platform's message
(a re-delivered update changes nothing). What comes back is the reply text, in the
community's language.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from shequn.engine.money import cancel
from shequn.engine.offers import opt_out
from shequn.model.blueprint import Blueprint
from shequn.model.i18n import N_, Phrase, Phrases
from shequn.store.db import Store
from shequn.store.money import list_memberships
from shequn.store.offer_queries import HELD

TEXT = Phrases(
    {
        "cancelled": N_('Cancelled "{product}": it ends {until}, with no more renewal reminders.'),
        "ended": N_('Cancelled "{product}": the membership has ended.'),
        "which": N_("Which one? /cancel {plans}"),
        "none": N_("You hold no membership to cancel."),
        "nooffers": N_("Done: no more private offers. Send /offers to have them again."),
        "offers": N_("Done: you will hear privately when the next rung suits you."),
    }
)
NAMES = frozenset({"cancel", "nooffers", "offers"})
HELP = Phrase(
    N_(
        "/cancel PRODUCT — cancel a membership (it ends with its term, no more reminders); "
        "/nooffers — no private offers (/offers: again)"
    )
)


def handle(
    store: Store,
    bp: Blueprint,
    identity: str,
    name: str,
    args: str,
    *,
    ref: str,
    at: datetime,
    source: str,
) -> str | None:
    """Carry out one money command for ``identity``; the reply, or ``None`` if ``name`` is
    not one of :data:`NAMES`."""
    if name not in NAMES:
        return None
    said = TEXT[bp.community.language]
    community = bp.community.slug
    if name != "cancel":
        opt_out(store, community, identity, out=name == "nooffers", source=source, ref=ref, at=at)
        return said[name]
    with store.read() as conn:
        held = list_memberships(conn, community, identity=identity, states=HELD)
    running = [m.plan for m in held if m.cancelled_at is None]
    wanted = args.split()[0] if args.split() else None
    if wanted is None and len(running) > 1:
        return said["which"].format(plans=" | ".join(running))
    plan = wanted or (running[0] if running else None)
    if plan is None or plan not in running:
        return said["none"]
    m = cancel(store, community, identity, plan, source=source, ref=ref, at=at)
    product = bp.money.product(plan)
    shown = product.name if product is not None else plan
    if m.until is None or m.state == "cancelled":
        return said["ended"].format(product=shown)
    local = m.until.astimezone(ZoneInfo(bp.community.timezone))
    return said["cancelled"].format(product=shown, until=f"{local:%Y-%m-%d %H:%M}")
