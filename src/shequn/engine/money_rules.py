"""Money's pure decisions (P-MON-1, P-MON-2): what a payment, a refund or the clock means for
a member's membership. No database, clock or network: plain values in, a Decision out.

Terms are counted in the community's time zone, because "a month from 31 January" and "the
end of this month" are calendar questions: a month added to 31 January ends on the last day of
February (29 in a leap year), and a calendar month ends at local midnight of the 1st.

Every event's ``source_ref`` names what it is about (the payment; the membership, its end and
the step), so the same payment twice, or a tick run twice, records — and sends — nothing new.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shequn.engine.decisions import Decision, capped_ref
from shequn.errors import Conflict, NotFound
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_money import Product, show
from shequn.model.events import Event, parse_time
from shequn.model.i18n import Said

ENDING = frozenset({"trial", "active", "past_due", "comp"})
"""States whose membership has an end the clock watches."""


@dataclass(frozen=True, slots=True)
class MembershipView:
    """One member's membership of one product, as the projection holds it."""

    identity: str
    plan: str
    state: str  # trial | active | past_due | comp | lifetime | expired | cancelled | refunded
    until: datetime | None
    grace_until: datetime | None = None
    cancelled: bool = False  # the member cancelled: it runs to ``until``, then ends


def product_of(bp: Blueprint, slug: str) -> Product:
    """The product ``slug`` of ``[money]``; NotFound (said in the community's language) if none."""
    product = bp.money.product(slug)
    if product is None:
        raise NotFound(Said("no product {product_slug!r} in [money]", product_slug=slug),
                       product=slug)  # fmt: skip
    return product


def add_months(at: datetime, months: int) -> datetime:
    """``at`` plus ``months`` calendar months, the day clamped to the month's last day."""
    total = at.month - 1 + months
    year, month = at.year + total // 12, total % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, monthrange(year, month)[1]))


def term_end(product: Product, start: datetime, tz: str) -> datetime | None:
    """When a term of ``product`` bought at ``start`` ends (UTC); ``None`` when it does not."""
    local = start.astimezone(ZoneInfo(tz))
    if product.term == "duration":
        if product.term_months is not None:
            end = add_months(local, product.term_months)
        else:
            end = local + timedelta(days=product.term_days or 0)
    elif product.term == "calendar":
        first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        end = add_months(first, 1) if product.period == "month" else first.replace(
            year=first.year + 1, month=1
        )  # fmt: skip
    else:
        return None
    return end.astimezone(start.tzinfo)


def _event(kind: str, ref: str, community: str, actor: str, at: datetime, **data: Any) -> Event:
    data = {k: v for k, v in data.items() if v is not None}
    return Event(
        kind=kind,
        occurred_at=at,
        community=community,
        source="engine",
        source_ref=capped_ref(ref),
        actor=actor,
        data=data,
    )


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def decide_payment(
    bp: Blueprint, payment: Event, current: MembershipView | None
) -> tuple[Product | None, Decision]:
    """A payment for a product of ``[money]`` starts its membership, or renews it from the
    current end when it is still running or in grace (early renewal loses no day). A payment
    for no known product, or a deposit, decides nothing here (entry's gates still count it)."""
    product = bp.money.product(payment.data.get("product"))
    if product is None or payment.actor is None or product.deposit:
        return product, Decision.none()
    at, who = payment.occurred_at, payment.actor
    ref = f"membership:{payment.source}:{payment.source_ref}"
    tz = bp.community.timezone
    running = current is not None and current.state in ENDING | {"lifetime"}
    if running and current is not None and current.state == "lifetime":
        return product, Decision.none()
    if running and current is not None and product.recurring:
        # the grace period was lent, not given: a renewal in it counts from the old end
        kept = current.until is not None and (current.until > at or current.state == "past_due")
        base = current.until if kept and current.until is not None else at
        until = term_end(product, base, tz)
        renewed = _event(
            "membership.renewed", ref, bp.community.slug, who, at,
            plan=product.slug, until=_iso(until), payment=payment.source_ref,
        )  # fmt: skip
        return product, Decision(events=[renewed])
    state = "lifetime" if product.term == "lifetime" else "active"
    started = _event(
        "membership.started", ref, bp.community.slug, who, at,
        plan=product.slug, until=_iso(term_end(product, at, tz)), state=state,
        payment=payment.source_ref,
    )  # fmt: skip
    return product, Decision(events=[started])


def decide_grant(
    bp: Blueprint, product: Product, identity: str, state: str, days: int | None, at: datetime
) -> Decision:
    """A trial or a comp (gift) membership: no payment, an end ``days`` ahead (a trial's
    length defaults to the product's ``trial_days``; a comp without days is for life)."""
    length = days if days is not None else (product.trial_days if state == "trial" else None)
    if state == "trial" and not length:
        raise Conflict(
            Said("product {slug!r} has no trial_days: say how many days", slug=product.slug)
        )
    until = at + timedelta(days=length) if length else None
    ref = f"grant:{bp.community.slug}:{identity}:{product.slug}:{at.isoformat()}"
    return Decision(
        events=[
            _event(
                "membership.started",
                ref,
                bp.community.slug,
                identity,
                at,
                plan=product.slug,
                until=_iso(until),
                state=state if until else "lifetime",
            )
        ]
    )


def decide_refund(bp: Blueprint, refund: Event, current: MembershipView | None) -> Decision:
    """A refund of a product: a full refund ends its membership when the product says so
    (``refund_ends``) and takes the member out of the groups it opened; a partial one keeps it."""
    product = bp.money.product(refund.data.get("product"))
    if product is None or refund.actor is None or current is None:
        return Decision.none()
    if current.state not in ENDING | {"lifetime"} or not product.refund_ends:
        return Decision.none()
    minor = refund.data.get("amount_minor")
    if isinstance(minor, int) and minor < product.price_minor:
        return Decision.none()  # partial: the membership stays
    ref = f"refund-end:{refund.source}:{refund.source_ref}"
    return _end(bp, product, current, "refunded", ref, refund.occurred_at)


def decide_cancel(
    bp: Blueprint, product: Product, m: MembershipView, at: datetime, *, source: str, ref: str
) -> Decision:
    """The member cancels ``m``: it runs to the end of the term paid for (``until``) with no
    more reminders, and the clock ends it then; one without an end (lifetime, a gift for
    life) ends at once. Cancelling twice records nothing new; an ended one is a conflict."""
    if m.state not in ENDING | {"lifetime"}:
        raise Conflict(
            Said(
                "{identity}'s {plan} membership is {state}, not running",
                identity=m.identity,
                plan=m.plan,
                state=m.state,
            )
        )
    if m.cancelled:
        return Decision.none()
    if m.until is None:
        return _end(bp, product, m, "cancelled", f"cancel:{source}:{ref}", at)
    event = _event(
        "membership.cancelled", f"cancel:{source}:{ref}", bp.community.slug, m.identity, at,
        plan=m.plan, until=m.until.isoformat(),
    )  # fmt: skip
    return Decision(events=[event])


def _end(
    bp: Blueprint, product: Product, m: MembershipView, reason: str, ref: str, at: datetime
) -> Decision:
    community = bp.community.slug
    ended = _event("membership.ended", ref, community, m.identity, at, plan=m.plan, reason=reason)
    actions = [
        Action("member.remove", community, at, g, {"identity": m.identity, "reason": reason})
        for g in product.opens
    ]
    note = {"template": f"membership_{reason}", "to": m.identity, "product": product.name}
    actions.append(Action("message.send", community, at, None, note))
    return Decision(events=[ended], actions=actions)


def decide_clock(bp: Blueprint, memberships: Iterable[MembershipView], now: datetime) -> Decision:
    """The membership clock at ``now``: reminders at ``reminder_days`` before the end (only
    the latest one due, so a worker that was down sends one, not three), the lapse into the
    grace period at the end, expiry (removal from the product's groups) after it."""
    out = Decision.none()
    tz = ZoneInfo(bp.community.timezone)
    grace = timedelta(days=bp.money.grace_days)
    for m in memberships:
        product = bp.money.product(m.plan)
        if product is None or m.until is None or m.state not in ENDING:
            continue
        key = f"{bp.community.slug}:{m.identity}:{m.plan}:{m.until.isoformat()}"
        end_of_grace = m.until + grace if m.state != "trial" else m.until
        if m.cancelled:  # no reminders, no grace: it ends where the member said
            if now >= m.until:
                out += _end(bp, product, m, "cancelled", f"cancel-end:{key}", now)
        elif now >= end_of_grace:
            out += _end(bp, product, m, "expired", f"expire:{key}", now)
        elif now >= m.until and m.state != "past_due":
            lapsed = _event(
                "membership.lapsed", f"lapse:{key}", bp.community.slug, m.identity, now,
                plan=m.plan, until=m.until.isoformat(), grace_until=end_of_grace.isoformat(),
            )  # fmt: skip
            out += Decision(events=[lapsed])
        elif now < m.until and m.state != "comp":
            out += _remind(bp, product, m, m.until, now, key, tz)
    return out


def _remind(
    bp: Blueprint,
    product: Product,
    m: MembershipView,
    until: datetime,
    now: datetime,
    key: str,
    tz: ZoneInfo,
) -> Decision:
    due = [d for d in sorted(bp.money.reminder_days) if now >= until - timedelta(days=d)]
    if not due:
        return Decision.none()
    days = due[0]  # the nearest offset passed: older missed ones are not sent late
    event = _event(
        "membership.reminded", f"remind:{key}:{days}", bp.community.slug, m.identity, now,
        plan=m.plan, until=until.isoformat(), days_before=days,
    )  # fmt: skip
    payload = {
        "template": "membership_reminder",
        "to": m.identity,
        "product": product.name,
        "until": until.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "price": show(product.price_minor, product.currency),
        "currency": product.currency,
    }
    return Decision(
        events=[event], actions=[Action("message.send", bp.community.slug, now, None, payload)]
    )


def parse_until(value: object) -> datetime | None:
    """An event's ``until`` text as a time (``None`` when absent)."""
    return parse_time(value, "until") if isinstance(value, str) else None
