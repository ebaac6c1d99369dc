"""The positioning answers of the blueprint (P-POS): the community, its purpose, its people,
how it earns, its culture, the group matrix and the channels members come by — with the seed
figures they default to and the validators that explain a wrong value.

The root :class:`~shequn.model.blueprint.Blueprint`, which ties these to the chapters' sections
and reads and checks the TOML file, is in ``blueprint.py``; everything public here is importable
from there too.
"""

from __future__ import annotations

import difflib
import re
from calendar import monthrange
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal, NoReturn, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from shequn.model.blueprint_growth import Entry
from shequn.model.blueprint_plan import DEFAULT_LIFE_MONTHS
from shequn.model.templates import Localized

Focus = Literal["acquire", "convert", "retain", "brand"]
Value = Literal["emotional", "information", "contacts", "income"]
Model = Literal["product", "membership", "ecommerce", "traffic"]
Tier = Literal["free", "low", "mid", "high", "partner"]
Stage = Literal["drainage", "fan", "course", "senior", "camp", "other"]
ChannelKind = Literal["offline", "free", "paid", "content"]
Language = Literal["zh", "en"]
Platform = Literal[
    "wechat", "wecom", "qq", "dingtalk", "telegram", "discord",
    "slack", "whatsapp", "matrix", "knowledge_planet", "other",
]  # fmt: skip

FOCUSES: tuple[str, ...] = get_args(Focus)
VALUES: tuple[str, ...] = get_args(Value)
MODELS: tuple[str, ...] = get_args(Model)
TIERS: tuple[str, ...] = get_args(Tier)
STAGES: tuple[str, ...] = get_args(Stage)
CHANNEL_KINDS: tuple[str, ...] = get_args(ChannelKind)
PLATFORMS: tuple[str, ...] = get_args(Platform)

DEFAULT_LANGUAGE: Language = "zh"
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_BANNED_TOPICS = ("politics", "religion")
"""The seeds' group rules ban these two outright (004 "rules", P-RUL-1)."""
DEFAULT_STAGE: Stage = "fan"
DEFAULT_CURRENCY = "CNY"

PLATFORM_CAPACITY: dict[str, int] = {
    "wechat": 500,  # WeChat group member limit
    "wecom": 500,  # WeCom customer group limit (internal groups allow more)
    "qq": 500,  # ordinary QQ group; paid/large groups allow 1000-3000
    "dingtalk": 1000,  # ordinary DingTalk group
    "whatsapp": 1024,  # WhatsApp group limit since 2022
    "telegram": 200_000,  # supergroup limit
    "discord": 250_000,  # server member soft cap
    "slack": 200_000,  # no hard limit; a generous ceiling
    "matrix": 200_000,  # no hard limit
    "knowledge_planet": 200_000,  # no practical limit for a planet
    "other": 200_000,
}
"""Default ``capacity`` of a group by platform: when a group is full the next one opens
(P-IN-4). These are platform limits at the time of writing; override them per group."""

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _fail(kind: str, message: str) -> NoReturn:
    raise PydanticCustomError(kind, message)  # no context: braces in user text stay literal


def valid_slug(value: str) -> str:
    """``value`` if it is a slug (also used to re-prompt in ``shequn init``), else ValueError."""
    if len(value) > 64 or not _SLUG.match(value):
        _fail("slug", f"{value!r} is not a slug: a-z or 0-9, then a-z, 0-9, _ or - (64 at most)")
    return value


def valid_time_zone(value: str) -> str:
    """``value`` if it is an IANA time zone, else ValueError suggesting the closest name."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(value, sorted(available_timezones()), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        _fail("time_zone", f"unknown time zone {value!r}{hint}")
    return value


def _currency(value: str) -> str:
    if not _CURRENCY.match(value):
        _fail("currency", f"{value!r} is not a currency code like 'CNY' or 'USD'")
    return value


def _one_focus(value: object) -> object:
    if isinstance(value, list | tuple):
        choices = ", ".join(FOCUSES)
        _fail("one_focus", f"pick one main focus (P-POS-1) of {choices}; got {list(value)!r}")
    return value


Slug = Annotated[str, AfterValidator(valid_slug)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
TimeZone = Annotated[str, AfterValidator(valid_time_zone)]
Currency = Annotated[str, AfterValidator(_currency)]


class _Section(BaseModel):
    """Shared config: a typo'd key is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Community(_Section):
    """Identity and life span (P-POS-4)."""

    slug: Slug
    name: Text
    language: Language = DEFAULT_LANGUAGE
    timezone: TimeZone = DEFAULT_TIMEZONE
    start_date: date
    planned_life_months: int = Field(DEFAULT_LIFE_MONTHS, gt=0)
    scale_target: int | None = Field(None, gt=0)

    @property
    def planned_end(self) -> date:
        """``start_date`` plus the planned life, clamped to the month's last day."""
        months = self.start_date.month - 1 + self.planned_life_months
        year, month = self.start_date.year + months // 12, months % 12 + 1
        return date(year, month, min(self.start_date.day, monthrange(year, month)[1]))


class Purpose(_Section):
    """Why the community exists and what it gives (P-POS-1, P-POS-2)."""

    focus: Annotated[Focus, BeforeValidator(_one_focus)]
    value: list[Value] = Field(min_length=1)
    pain_point: Text


class People(_Section):
    """Who (P-POS-3): the creator need not be the manager; few core people decide."""

    founder: Text
    managers: list[Text] = Field(default_factory=list)
    participants: str | None = None
    fission_agents: list[Text] = Field(default_factory=list)
    partners: list[Text] = Field(default_factory=list)
    payers: list[Text] = Field(default_factory=list)


class LadderStep(_Section):
    """One rung of the monetization ladder (P-MON-1); ``price=None`` means "not set yet"."""

    name: Text
    tier: Tier
    price: float | None = Field(None, ge=0)
    currency: Currency = DEFAULT_CURRENCY

    @model_validator(mode="before")
    @classmethod
    def _free_costs_nothing(cls, data: Any) -> Any:
        """An omitted price is 0 on the free tier and "not set yet" elsewhere: TOML has no
        null, so leaving ``price`` out is the only way to say "undecided"."""
        if isinstance(data, Mapping) and "price" not in data and data.get("tier") == "free":
            return {**data, "price": 0}
        return data


DEFAULT_LADDER: tuple[LadderStep, ...] = (
    LadderStep(name="free drainage", tier="free", price=0),
    LadderStep(name="low-price entry", tier="low", price=9.9),  # seeds: 1 to 9.9 yuan
    LadderStep(name="mid tier", tier="mid", price=None),
    LadderStep(name="high tier", tier="high", price=None),
    LadderStep(name="benefit sharing", tier="partner", price=None),
)
"""The seeds' ladder: free drainage, low-price entry [1-9.9 yuan], mid, high, benefit sharing."""


class Realization(_Section):
    """How the community turns value into revenue (P-POS-6, P-MON-1)."""

    model: Model
    ladder: list[LadderStep] = Field(default_factory=lambda: list(DEFAULT_LADDER))


class Culture(_Section):
    """Name, slogan, logo, values and banned topics (P-POS-7, P-RUL-1)."""

    name: str | None = None
    slogan: str | None = None
    logo: str | None = None
    values: list[Text] = Field(default_factory=list)
    banned_topics: list[Text] = Field(default_factory=lambda: list(DEFAULT_BANNED_TOPICS))


class Group(_Section):
    """One group of the matrix (P-POS-5); ``capacity`` drives routing (P-IN-4)."""

    slug: Slug
    name: Text
    platform: Platform
    theme: str | None = None
    region: str | None = None
    capacity: int = Field(PLATFORM_CAPACITY["other"], gt=0)
    stage: Stage = DEFAULT_STAGE
    entry: Entry = Field(default_factory=Entry)
    templates: dict[str, Localized] = Field(default_factory=dict)  # this group's texts

    @model_validator(mode="before")
    @classmethod
    def _capacity_for_platform(cls, data: Any) -> Any:
        """``capacity`` defaults by platform: a WeChat group holds 500, Telegram 200,000."""
        if isinstance(data, Mapping) and "capacity" not in data:
            platform = data.get("platform")
            if isinstance(platform, str) and platform in PLATFORM_CAPACITY:
                return {**data, "capacity": PLATFORM_CAPACITY[platform]}
        return data


class Channel(_Section):
    """A source of members and what each one costs (P-FIS-4; target: near zero)."""

    name: Text
    kind: ChannelKind
    cost_per_member: float = Field(0, ge=0)
    currency: Currency = DEFAULT_CURRENCY
