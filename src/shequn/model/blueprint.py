"""The community blueprint: one TOML file that answers the positioning questions (P-POS).

Before a group is opened the playbook asks why the community exists, what it gives, who runs
it, when and where it lives, how it earns and what it stands for (000 "5W2H", 001 "six
dimensions", 004 "five elements"). This module is the schema of those answers. Everything the
engine later decides (capacity routing, banned topics, the monetization ladder …) reads its
numbers from here, so every seed figure appears once, as a default below, and nowhere else.

Checking reports *every* problem at once with a key path (``groups[2].capacity``), because a
user fixing a config file one error per run gives up long before the community starts.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from calendar import monthrange
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from shequn.errors import BlueprintError, NotFound
from shequn.model.blueprint_engagement import Engagement
from shequn.model.blueprint_growth import (
    Entry,
    Fission,
    Fraud,
    Intake,
    IntakeQuestion,
    IntakeRule,
)
from shequn.model.blueprint_money import Money
from shequn.model.blueprint_org import Organization
from shequn.model.blueprint_plan import DEFAULT_LIFE_MONTHS, Conversion, Plan
from shequn.model.blueprint_rules import Rules
from shequn.model.blueprint_wecom import WeCom
from shequn.model.templates import Localized, template_problems

Problem = tuple[str, str]
"""``(key_path, message)``, e.g. ``("groups[2].capacity", "must be greater than 0")``."""

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


class Blueprint(_Section):
    """A whole community as its operator describes it; the root of the TOML file."""

    community: Community
    purpose: Purpose
    people: People
    realization: Realization
    culture: Culture = Field(default_factory=Culture)
    platforms: list[Platform] = Field(min_length=1)
    groups: list[Group] = Field(min_length=1)
    channels: list[Channel] = Field(default_factory=list)
    intake: Intake = Field(default_factory=Intake)
    fission: Fission = Field(default_factory=Fission)
    rules: Rules = Field(default_factory=Rules)
    engagement: Engagement = Field(default_factory=Engagement)
    money: Money = Field(default_factory=Money)
    organization: Organization = Field(default_factory=Organization)
    plan: Plan = Field(default_factory=Plan)
    wecom: WeCom = Field(default_factory=WeCom)
    templates: dict[str, Localized] = Field(default_factory=dict)  # see model/templates.py

    @model_validator(mode="after")
    def _consistent(self) -> Blueprint:
        problems = cross_problems(self.model_dump())
        if problems:
            detail = "; ".join(f"{key}: {msg}" for key, msg in problems)
            _fail("blueprint_conflict", detail)
        return self

    def group(self, slug: str) -> Group:
        """The group with this slug; :class:`NotFound` if the matrix has none."""
        for g in self.groups:
            if g.slug == slug:
                return g
        raise NotFound(f"no group {slug!r} in blueprint {self.community.slug!r}", group=slug)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (dates as ISO strings), for the ``blueprint`` event."""
        return self.model_dump(mode="json")


def cross_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Problems that involve more than one key, found on raw (possibly invalid) data.

    Run on the raw TOML too, so a duplicate group slug is reported in the same pass as a
    misspelt time zone instead of only after every field is fixed.
    """
    problems: list[Problem] = []
    platforms = data.get("platforms")
    declared = [p for p in platforms if isinstance(p, str)] if isinstance(platforms, list) else []
    for section, key in (("groups", "slug"), ("channels", "name")):
        seen: dict[str, int] = {}
        for i, item in _tables(data.get(section)):
            ident = item.get(key)
            if isinstance(ident, str) and ident in seen:
                first = f"{section}[{seen[ident]}]"
                problems.append((f"{section}[{i}].{key}", f"{ident!r} is already used by {first}"))
            elif isinstance(ident, str):
                seen[ident] = i
    for i, group in _tables(data.get("groups")):
        platform = group.get("platform")
        if isinstance(platforms, list) and platform in PLATFORMS and platform not in declared:
            message = f"{platform!r} is not in platforms ({', '.join(declared) or 'none'})"
            problems.append((f"groups[{i}].platform", message + "; add it there"))
    slugs = {g.get("slug") for _, g in _tables(data.get("groups"))}
    for i, group in _tables(data.get("groups")):
        entry = group.get("entry")
        camp = entry.get("camp") if isinstance(entry, Mapping) else None
        if isinstance(camp, str) and (camp not in slugs or camp == group.get("slug")):
            message = f"{camp!r} is not another group of this blueprint"
            problems.append((f"groups[{i}].entry.camp", message))
    realization = data.get("realization")
    ladder = realization.get("ladder") if isinstance(realization, Mapping) else None
    for i, step in _tables(ladder):
        price = step.get("price")
        if step.get("tier") == "free" and isinstance(price, int | float) and price != 0:
            message = "a free step costs 0; use tier 'low' for a paid entry"
            problems.append((f"realization.ladder[{i}].price", message))
    return problems + template_problems(data)


def _tables(value: object) -> list[tuple[int, Mapping[str, Any]]]:
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, Mapping)]


def parse_blueprint(text: str, source: str = "<string>") -> Blueprint:
    """Validate TOML text; raise :class:`BlueprintError` naming ``source`` with every problem."""
    blueprint, problems = _validate(text)
    if blueprint is None:
        raise BlueprintError(source, problems)
    return blueprint


def load_blueprint(path: str | Path) -> Blueprint:
    """Read and validate a blueprint file; raise :class:`BlueprintError` listing every problem."""
    text, problem = _read(Path(path))
    if text is None:
        raise BlueprintError(str(path), [problem])
    return parse_blueprint(text, str(path))


def check_blueprint(path: str | Path) -> list[Problem]:
    """Every problem of a blueprint file as ``(key_path, message)``; empty when it is valid."""
    text, problem = _read(Path(path))
    if text is None:
        return [problem]
    return _validate(text)[1]


def _read(path: Path) -> tuple[str | None, Problem]:
    try:
        return path.read_bytes().decode("utf-8-sig"), ("", "")
    except FileNotFoundError:
        return None, ("<file>", "no such file")
    except OSError as e:
        return None, ("<file>", f"cannot read: {e.strerror or e}")
    except UnicodeDecodeError as e:
        return None, ("<file>", f"not UTF-8 text (byte {e.start})")


def _validate(text: str) -> tuple[Blueprint | None, list[Problem]]:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        return None, [("<toml>", _toml_message(str(e)))]
    try:
        return Blueprint.model_validate(raw), []
    except ValidationError as e:
        found = [
            (_key_path(err["loc"]), _message(err))
            for err in e.errors()
            if err["type"] != "blueprint_conflict"
        ]
        return None, sorted(found + cross_problems(raw), key=lambda p: _sort_key(p[0]))


def _toml_message(message: str) -> str:
    match = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", message, flags=re.S)
    if match:
        return f"line {match[2]}, column {match[3]}: {match[1]}"
    match = re.fullmatch(r"(.*) \(at end of document\)", message, flags=re.S)
    return f"end of document: {match[1]}" if match else message


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path or "<root>"


def _sort_key(key: str) -> tuple[int, list[int]]:
    """Document order: by section, then list item; a stable sort keeps pydantic's field order."""
    root = re.split(r"[.\[]", key, maxsplit=1)[0]
    fields = list(Blueprint.model_fields)
    rank = fields.index(root) if root in fields else (-1 if key.startswith("<") else len(fields))
    return rank, [int(n) for n in re.findall(r"\[(\d+)\]", key)]


_OWN_ERRORS = {"slug", "time_zone", "currency", "one_focus", "gate", "tiers", "time"}


def _message(err: ErrorDetails) -> str:
    """Pydantic's error, said the way an operator editing a TOML file needs to hear it."""
    kind, got = err["type"], err.get("input")
    if kind in _OWN_ERRORS:
        return err["msg"]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        close = difflib.get_close_matches(key, _known_keys(err["loc"][:-1]), n=1)
        if len(err["loc"]) > 1 and key in Blueprint.model_fields:
            return f"unknown key {key!r}: top-level keys go before the first [table] header"
        return f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
        return f"must be one of {', '.join(choices)} (got {_show(got)})"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return f"must be a table (got {_show(got)})"
    if kind == "too_short" and isinstance(got, list):
        return "needs at least one entry"
    if kind == "string_too_short":
        return "must not be empty"
    message = err["msg"].removeprefix("Value error, ").replace("Input should be", "must be")
    return f"{message} (got {_show(got)})"


def _show(value: object) -> str:
    text = "a table" if isinstance(value, Mapping) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _known_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the table at ``loc`` accepts, to suggest the intended one for a typo."""
    tables: dict[tuple[str, ...], type[BaseModel]] = {
        (): Blueprint, ("community",): Community, ("purpose",): Purpose, ("people",): People,
        ("realization",): Realization, ("realization", "ladder"): LadderStep,
        ("culture",): Culture, ("groups",): Group, ("channels",): Channel,
        ("groups", "entry"): Entry, ("intake",): Intake, ("intake", "rules"): IntakeRule,
        ("intake", "questions"): IntakeQuestion,
        ("fission",): Fission, ("fission", "fraud"): Fraud,
        ("plan",): Plan, ("plan", "conversion"): Conversion,
    }  # fmt: skip
    model = tables.get(tuple(part for part in loc if isinstance(part, str)))
    return list(model.model_fields) if model else []
