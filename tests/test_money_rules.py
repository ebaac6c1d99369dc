"""Money's pure rules (P-MON-1, P-MON-2): exact minor units, terms across month ends, leap
days and time zones, renewal from the current end, reminders once, grace, expiry, refunds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from shequn.engine.money_rules import (
    add_months,
    decide_clock,
    decide_payment,
    decide_refund,
    term_end,
)
from shequn.errors import BlueprintError
from shequn.model.blueprint_money import Product, show, to_major, to_minor
from shequn.model.events import Event
from tests.growth_helpers import COMMUNITY, T0, blueprint, wx
from tests.money_helpers import MONEY, member, money_blueprint, refund

BP = money_blueprint()
FAN = BP.money.product("fan")


def pay(product: str, at: datetime = T0, ref: str = "p1") -> Event:
    data = {"amount": 9.9, "amount_minor": 990, "product": product}
    return Event(
        kind="payment.made", occurred_at=at, community=COMMUNITY, source="test",
        source_ref=ref, actor=wx("lin"), data=data,
    )  # fmt: skip


def test_money_is_exact_in_minor_units():
    assert [to_minor(x, "CNY") for x in (9.9, "0.1", 0.29, 1, "19.99")] == [990, 10, 29, 100, 1999]
    assert sum(to_minor(0.1, "CNY") for _ in range(10)) == to_minor(1, "CNY")
    assert (to_minor(500, "JPY"), to_minor("1.234", "KWD")) == (500, 1234)
    assert (to_major(990, "CNY"), show(990, "CNY"), show(500, "JPY")) == (9.9, "9.90", "500")
    assert FAN is not None and FAN.price_minor == 990


def test_a_duration_needs_exactly_one_length():
    with pytest.raises(ValidationError, match="exactly one"):
        Product(slug="x", name="x", term="duration")
    with pytest.raises(BlueprintError, match="twice"):
        blueprint(extra=MONEY + '[[money.products]]\nslug = "fan"\nname = "again"\n')


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (datetime(2026, 1, 31, 12), 1, datetime(2026, 2, 28, 12)),
        (datetime(2028, 1, 31, 12), 1, datetime(2028, 2, 29, 12)),  # leap year
        (datetime(2028, 2, 29, 12), 12, datetime(2029, 2, 28, 12)),
        (datetime(2026, 11, 30, 12), 3, datetime(2027, 2, 28, 12)),
        (datetime(2026, 12, 15, 12), 1, datetime(2027, 1, 15, 12)),
    ],
)
def test_months_clamp_to_the_month_end(start: datetime, months: int, end: datetime):
    assert add_months(start, months) == end


def test_terms_are_counted_in_the_community_time_zone():
    # 2026-01-31 17:00 UTC is already 1 February in Shanghai: a month from there is 1 March.
    start = datetime(2026, 1, 31, 17, 0, tzinfo=UTC)
    assert FAN is not None
    assert term_end(FAN, start, "Asia/Shanghai") == datetime(2026, 2, 28, 17, 0, tzinfo=UTC)
    assert term_end(FAN, start, "UTC") == datetime(2026, 2, 28, 17, 0, tzinfo=UTC)
    course = BP.money.product("course")
    assert course is not None  # a calendar month ends at local midnight of the next 1st
    assert term_end(course, start, "Asia/Shanghai") == datetime(2026, 2, 28, 16, tzinfo=UTC)
    assert term_end(course, start, "UTC") == datetime(2026, 2, 1, tzinfo=UTC)
    life = BP.money.product("life")
    assert life is not None and term_end(life, start, "UTC") is None


def test_paying_starts_then_renews_from_the_current_end():
    _, first = decide_payment(BP, pay("fan"), None)
    (started,) = first.events
    assert (started.kind, started.actor, started.data["state"]) == (
        "membership.started",
        wx("lin"),
        "active",
    )
    until = datetime.fromisoformat(started.data["until"])
    assert until == datetime(2026, 6, 1, 2, tzinfo=UTC)
    early = pay("fan", until - timedelta(days=3), "p2")  # renewing early loses no day
    _, again = decide_payment(BP, early, member("fan", until))
    assert again.events[0].kind == "membership.renewed"
    assert again.events[0].data["until"] == datetime(2026, 7, 1, 2, tzinfo=UTC).isoformat()
    late = pay("fan", until + timedelta(days=10), "p3")  # after it ran out: from the payment
    _, after = decide_payment(BP, late, member("fan", until, "expired"))
    assert after.events[0].kind == "membership.started"
    _, life = decide_payment(BP, pay("life"), None)
    assert life.events[0].data["state"] == "lifetime" and "until" not in life.events[0].data
    _, unknown = decide_payment(BP, pay("nothing"), None)
    assert not unknown


def test_the_clock_reminds_once_per_offset_then_lapses_then_expires():
    end = T0 + timedelta(days=30)
    m = member("fan", end)
    assert not decide_clock(BP, [m], end - timedelta(days=8))
    week = decide_clock(BP, [m], end - timedelta(days=6))
    assert [e.data["days_before"] for e in week.events] == [7]
    assert week.actions[0].payload["template"] == "membership_reminder"
    assert week.actions[0].payload["to"] == wx("lin") and week.actions[0].group is None
    day = decide_clock(BP, [m], end - timedelta(hours=2))  # the nearest offset only
    assert [e.data["days_before"] for e in day.events] == [1]
    assert day.events[0].source_ref != week.events[0].source_ref
    again = decide_clock(BP, [m], end - timedelta(hours=1))
    assert again.events[0].source_ref == day.events[0].source_ref  # recorded once
    lapsed = decide_clock(BP, [m], end + timedelta(hours=1))
    assert [e.kind for e in lapsed.events] == ["membership.lapsed"] and not lapsed.actions
    due = member("fan", end, "past_due")
    assert not decide_clock(BP, [due], end + timedelta(days=2))
    expired = decide_clock(BP, [due], end + timedelta(days=3))
    assert [(e.kind, e.data["reason"]) for e in expired.events] == [("membership.ended", "expired")]
    removal = [(a.kind, a.group) for a in expired.actions]
    assert removal == [("member.remove", "fans"), ("message.send", None)]


def test_a_trial_expires_at_its_end_and_lifetime_never_does():
    end = T0 + timedelta(days=7)
    trial = decide_clock(BP, [member("fan", end, "trial")], end)
    assert [e.kind for e in trial.events] == ["membership.ended"]
    assert not decide_clock(BP, [member("life", None, "lifetime")], end + timedelta(days=999))


def test_a_full_refund_ends_the_membership_a_partial_one_keeps_it():
    m = member("fan", T0 + timedelta(days=30))
    assert not decide_refund(BP, refund("fan", 500), m)
    full = decide_refund(BP, refund("fan", 990), m)
    assert [e.data["reason"] for e in full.events] == ["refunded"]
    assert full.actions[0].kind == "member.remove"
