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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
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
from shequn.model.blueprint_plan import Conversion, Plan
from shequn.model.blueprint_positioning import (
    CHANNEL_KINDS,
    DEFAULT_BANNED_TOPICS,
    DEFAULT_CURRENCY,
    DEFAULT_LADDER,
    DEFAULT_LANGUAGE,
    DEFAULT_STAGE,
    DEFAULT_TIMEZONE,
    FOCUSES,
    MODELS,
    PLATFORM_CAPACITY,
    PLATFORMS,
    STAGES,
    TIERS,
    VALUES,
    Channel,
    ChannelKind,
    Community,
    Culture,
    Currency,
    Focus,
    Group,
    LadderStep,
    Language,
    Model,
    People,
    Platform,
    Purpose,
    Realization,
    Slug,
    Stage,
    Text,
    Tier,
    TimeZone,
    Value,
    valid_slug,
    valid_time_zone,
)
from shequn.model.blueprint_rules import Rules
from shequn.model.blueprint_wecom import WeCom
from shequn.model.i18n import Said, told
from shequn.model.templates import Localized, template_problems

__all__ = [
    "CHANNEL_KINDS",
    "DEFAULT_BANNED_TOPICS",
    "DEFAULT_CURRENCY",
    "DEFAULT_LADDER",
    "DEFAULT_LANGUAGE",
    "DEFAULT_STAGE",
    "DEFAULT_TIMEZONE",
    "FOCUSES",
    "MODELS",
    "PLATFORMS",
    "PLATFORM_CAPACITY",
    "STAGES",
    "TIERS",
    "VALUES",
    "Blueprint",
    "Channel",
    "ChannelKind",
    "Community",
    "Culture",
    "Currency",
    "Focus",
    "Group",
    "LadderStep",
    "Language",
    "Model",
    "People",
    "Platform",
    "Problem",
    "Purpose",
    "Realization",
    "Slug",
    "Stage",
    "Text",
    "Tier",
    "TimeZone",
    "Value",
    "check_blueprint",
    "cross_problems",
    "load_blueprint",
    "parse_blueprint",
    "valid_slug",
    "valid_time_zone",
]
"""The blueprint's public names, those of ``blueprint_positioning.py`` included: importers
keep writing ``from shequn.model.blueprint import …``."""

Problem = tuple[str, str]
"""``(key_path, message)``, e.g. ``("groups[2].capacity", "must be greater than 0")``."""


class Blueprint(BaseModel):
    """A whole community as its operator describes it; the root of the TOML file."""

    model_config = ConfigDict(extra="forbid", frozen=True)  # a typo'd key is an error

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
            raise PydanticCustomError("blueprint_conflict", detail)  # no context: braces stay
        return self

    def group(self, slug: str) -> Group:
        """The group with this slug; :class:`NotFound` if the matrix has none."""
        for g in self.groups:
            if g.slug == slug:
                return g
        raise NotFound(
            Said(
                "no group {slug!r} in blueprint {community!r}",
                slug=slug,
                community=self.community.slug,
            ),
            group=slug,
        )

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
        return None, ("<file>", Said("no such file"))
    except OSError as e:
        return None, ("<file>", Said("cannot read: {error}", error=str(e.strerror or e)))
    except UnicodeDecodeError as e:
        return None, ("<file>", Said("not UTF-8 text (byte {byte})", byte=e.start))


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
        return Said(
            "line {line}, column {column}: {problem}",
            line=match[2],
            column=match[3],
            problem=match[1],
        )
    match = re.fullmatch(r"(.*) \(at end of document\)", message, flags=re.S)
    return Said("end of document: {problem}", problem=match[1]) if match else message


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
        return Said("required key is missing")
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        close = difflib.get_close_matches(key, _known_keys(err["loc"][:-1]), n=1)
        if len(err["loc"]) > 1 and key in Blueprint.model_fields:
            return Said(
                "unknown key {key!r}: top-level keys go before the first [table] header", key=key
            )
        if close:
            return Said("unknown key {key!r} (did you mean {close!r}?)", key=key, close=close[0])
        return Said("unknown key {key!r}", key=key)
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
        return Said(
            "must be one of {choices} (got {got})", choices=", ".join(choices), got=_show(got)
        )
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return Said("must be a table (got {got})", got=_show(got))
    if kind == "too_short" and isinstance(got, list):
        return Said("needs at least one entry")
    if kind == "string_too_short":
        return Said("must not be empty")
    said = err.get("ctx", {}).get("error")
    if kind == "value_error" and isinstance(said, ValueError) and isinstance(told(said), Said):
        return Said("{problem} (got {got})", problem=told(said), got=_show(got))
    message = err["msg"].removeprefix("Value error, ").replace("Input should be", "must be")
    return f"{message} (got {_show(got)})"


def _show(value: object) -> str:
    text = Said("a table") if isinstance(value, Mapping) else repr(value)
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
