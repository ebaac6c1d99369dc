"""The ``[money]`` part of the blueprint: products on the ladder and how memberships run.

Seed 000's realization model (P-MON-1, P-MON-2): free drainage → a low-price entry ["you must
charge, even 1 yuan, or a refundable deposit"; 1 to 9.9 yuan] → mid tier → high tier → benefit
sharing, with the group ladder drainage group → fan group → course group → senior member
group, and a lifetime membership. A product is one rung someone can pay for: its price, its
term, its trial, its refund rule and the groups it opens. Every seed figure is a default here
and nowhere else; figures the seeds do not give (how many days before the end a reminder goes
out, how long a grace period lasts) are conservative choices documented in docs/blueprint.md.

Money is carried as **integer minor units** (fen, cents): a price written ``9.9`` in the TOML
file is read through :class:`~decimal.Decimal` from its decimal text, so it is exactly 990
fen — never a float sum.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

DEFAULT_CURRENCY = "CNY"
DEFAULT_ENTRY_PRICE = 9.9
"""Seed 000: the low-price entry costs 1 to 9.9 yuan; the high end is the default."""
DEFAULT_REMINDER_DAYS = (7, 1)
"""Renewal reminders, in days before a membership ends: a week ahead and the day before."""
DEFAULT_GRACE_DAYS = 3
"""Days a lapsed membership stays ``past_due`` (still in its groups) before it expires."""
DEFAULT_REFUND_DAYS = 7
"""No-reason refund window in days (the seven days Chinese e-commerce customers expect)."""
DEFAULT_OFFER_ACTIVE_WEEKS = 3
"""Issue 19's readiness rule: active in 3 of the last 4 weeks before an offer of the next rung."""
DEFAULT_OFFER_MIN_DAYS = 14
"""Days on the lower rung before an offer (not in the seeds: two weeks to see the value)."""
DEFAULT_OFFER_COOLDOWN_DAYS = 30
"""No second offer within this many days (seed 003: point to point, never pushy)."""
DEFAULT_OFFER_EXPIRES_DAYS = 7
"""An offer counts as accepted when paid within this many days."""
DEFAULT_OFFER_PER_MINUTE = 10
"""Private offers queued per minute, so a plan is not one burst from the bot."""

MINOR_EXPONENT: dict[str, int] = {"JPY": 0, "KRW": 0, "VND": 0, "BHD": 3, "KWD": 3}
"""ISO 4217 minor-unit exponents that are not 2 (CNY, USD, EUR … have 2)."""

Term = Literal["one_off", "duration", "calendar", "lifetime"]
Rung = Literal["free", "low", "mid", "high", "partner"]


def exponent(currency: str) -> int:
    """Digits after the decimal point in ``currency`` (2 unless listed otherwise)."""
    return MINOR_EXPONENT.get(currency.upper(), 2)


def to_minor(amount: float | int | str | Decimal, currency: str) -> int:
    """``amount`` in major units (9.9 yuan) → integer minor units (990 fen), exactly: the
    number goes through its decimal text, so 9.9 is 990 and not 989.999…"""
    value = Decimal(str(amount)) * (Decimal(10) ** exponent(currency))
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_major(minor: int, currency: str) -> float:
    """Minor units → a number in major units, for the ``amount`` field analytics sum."""
    return float(Decimal(minor) / (Decimal(10) ** exponent(currency)))


def show(minor: int, currency: str) -> str:
    """``990, CNY`` → ``9.90``: the text a person reads in a message."""
    digits = exponent(currency)
    return f"{Decimal(minor) / (Decimal(10) ** digits):.{digits}f}"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Product(_Section):
    """One thing a member can pay for: a rung of the ladder and the groups it opens."""

    slug: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1)
    rung: Rung = "low"
    price: float = Field(DEFAULT_ENTRY_PRICE, ge=0)  # major units; read exactly (to_minor)
    currency: str = Field(DEFAULT_CURRENCY, pattern=r"^[A-Z]{3}$")
    term: Term = "one_off"
    term_days: int | None = Field(None, gt=0)  # term "duration": days …
    term_months: int | None = Field(None, gt=0)  # … or months (month ends and leap days clamp)
    period: Literal["month", "year"] = "month"  # term "calendar": the period paid for
    trial_days: int = Field(0, ge=0)
    refund_days: int = Field(DEFAULT_REFUND_DAYS, ge=0)  # no-reason refund window
    deposit: bool = False  # refundable deposit rather than a fee (refunded by the entry camp)
    refund_ends: bool = True  # a full refund ends the membership; a partial one keeps it
    opens: list[str] = Field(default_factory=list)  # group slugs admitted on payment

    @model_validator(mode="after")
    def _term_has_length(self) -> Product:
        if self.term == "duration" and (self.term_days is None) == (self.term_months is None):
            raise PydanticCustomError(
                "term", "term 'duration' needs exactly one of term_days and term_months"
            )
        return self

    @property
    def price_minor(self) -> int:
        """The price in integer minor units."""
        return to_minor(self.price, self.currency)

    @property
    def recurring(self) -> bool:
        """Does the membership end (and so get reminders and a renewal)?"""
        return self.term in ("duration", "calendar")


class OfferRule(_Section):
    """``[[money.offers]]``: who is ready for ``product`` (P-MON-3), offered privately."""

    product: str = Field(min_length=1)  # the rung offered
    from_plans: list[str] = Field(default_factory=list)  # holders of these products …
    from_groups: list[str] = Field(default_factory=list)  # … or active members of these groups
    active_weeks: int = Field(DEFAULT_OFFER_ACTIVE_WEEKS, ge=0, le=4)  # of the last 4 weeks
    min_contributions: int = Field(1, ge=0)  # questions asked plus replies given, 4 weeks
    min_days: int = Field(DEFAULT_OFFER_MIN_DAYS, ge=0)  # on the lower rung (plan or group)
    cooldown_days: int = Field(DEFAULT_OFFER_COOLDOWN_DAYS, ge=0)
    expires_days: int = Field(DEFAULT_OFFER_EXPIRES_DAYS, gt=0)
    per_minute: int = Field(DEFAULT_OFFER_PER_MINUTE, gt=0)


class Money(_Section):
    """``[money]``: the products, the clock of memberships and the private offers."""

    products: list[Product] = Field(default_factory=list)
    offers: list[OfferRule] = Field(default_factory=list)
    reminder_days: list[int] = Field(default_factory=lambda: list(DEFAULT_REMINDER_DAYS))
    grace_days: int = Field(DEFAULT_GRACE_DAYS, ge=0)
    provider: Literal["none", "stripe", "wechatpay"] = "none"
    pay_url: str | None = None  # with provider: a payment page; ``{order}`` is filled in

    @model_validator(mode="after")
    def _unique(self) -> Money:
        slugs = [p.slug for p in self.products]
        twice = sorted({s for s in slugs if slugs.count(s) > 1})
        if twice:
            raise PydanticCustomError("products", f"product slug(s) listed twice: {twice}")
        return self

    def product(self, slug: str | None) -> Product | None:
        """The product called ``slug``, or ``None``."""
        return next((p for p in self.products if p.slug == slug), None)


__all__ = ["Money", "OfferRule", "Product", "exponent", "show", "to_major", "to_minor"]
