"""A fully commented starter blueprint, filled in from a few answers (``shequn init``).

The comments are the point: an operator who has never read the playbook opens the file and
finds, next to every key, which positioning question it answers (P-POS-…) and what the seeds
suggest. Defaults are read from :mod:`shequn.model.blueprint`, never restated, so the file and
the schema cannot disagree. Values are escaped with tomlkit, so a pain point with quotes or a
newline still yields valid TOML.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import date

import tomlkit
from pydantic import BaseModel

from shequn.model.blueprint import (
    CHANNEL_KINDS,
    DEFAULT_BANNED_TOPICS,
    DEFAULT_LADDER,
    DEFAULT_LANGUAGE,
    DEFAULT_STAGE,
    DEFAULT_TIMEZONE,
    FOCUSES,
    MODELS,
    PLATFORM_CAPACITY,
    PLATFORMS,
    STAGES,
    VALUES,
    Blueprint,
)
from shequn.model.blueprint_growth import Entry
from shequn.model.blueprint_plan import DEFAULT_LIFE_MONTHS
from shequn.model.blueprint_sections import commented_section
from shequn.model.templates_table import TEMPLATES

GroupAnswer = tuple[str, str]
"""``(slug, name)`` of one group of the matrix."""


def _q(value: str) -> str:
    """A TOML basic string, escaped."""
    return tomlkit.string(value).as_string()


def _list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def _comment(text: str) -> list[str]:
    return ["# " + line for line in textwrap.wrap(text, width=86)]


def _date(value: date | str) -> str:
    """A TOML date literal; text that is not an ISO date stays a string so checking names it."""
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return _q(value)


def default_groups(count: int, name: str, language: str) -> list[GroupAnswer]:
    """``count`` numbered groups, named the way the community's language would name them."""
    pattern = "{name}{i}群" if language == "zh" else "{name} group {i}"
    return [(f"group-{i}", pattern.format(name=name, i=i)) for i in range(1, count + 1)]


def _ladder() -> list[str]:
    lines: list[str] = []
    for step in DEFAULT_LADDER:
        price = (
            f"price = {step.price:g}"
            if step.price is not None
            else "# price: not decided yet; add `price = …` once you know"
        )
        lines += [
            "[[realization.ladder]]",
            f"name = {_q(step.name)}",
            f"tier = {_q(step.tier)}",
            price,
            f"currency = {_q(step.currency)}",
            "",
        ]
    return lines


def _groups(groups: Sequence[GroupAnswer], platform: str) -> list[str]:
    lines: list[str] = []
    for slug, name in groups:
        lines += [
            "[[groups]]",
            f"slug = {_q(slug)}",
            f"name = {_q(name)}",
            f"platform = {_q(platform)}",
            f"stage = {_q(DEFAULT_STAGE)}",
            '# theme = ""',
            '# region = ""',
            f"# capacity = {PLATFORM_CAPACITY.get(platform, PLATFORM_CAPACITY['other'])}",
            "",
        ]
        if slug == groups[0][0]:  # how newcomers get in (P-IN): once, under the first group
            lines += [*commented_section("groups.entry", Entry), ""]
    return lines


def render_blueprint(
    *,
    slug: str,
    name: str,
    founder: str,
    pain_point: str,
    start_date: date | str,
    focus: str = "acquire",
    timezone: str = DEFAULT_TIMEZONE,
    language: str = DEFAULT_LANGUAGE,
    platforms: Sequence[str] = ("wechat",),
    groups: Sequence[GroupAnswer] | int = 1,
    value: Sequence[str] = ("information",),
    model: str = "product",
) -> str:
    """The commented TOML text of a blueprint built from ``shequn init``'s answers.

    ``groups`` is either ``(slug, name)`` pairs or a count of numbered groups; every group
    starts on the first platform. Nothing is validated here: the caller checks the result with
    :func:`shequn.model.blueprint.parse_blueprint` before writing it anywhere.
    """
    group_list = default_groups(groups, name, language) if isinstance(groups, int) else groups
    capacities = ", ".join(f"{p} {n:,}" for p, n in PLATFORM_CAPACITY.items())
    lines = [
        "# Community blueprint for shequn: one file that answers the positioning questions",
        "# (P-POS, the seeds' 5W2H). Check it with:  shequn blueprint check <this file>",
        "# Reference: docs/blueprint.md. Commented keys show their default; delete a key to",
        "# get the default back.",
        "",
        "# P-POS-5 / P-CHN-1 Where: the platforms the groups live on. Every group's platform",
        "# must be listed here.",
        *_comment(f"Choices: {', '.join(PLATFORMS)}."),
        "# (Top-level keys must stay above the first [table] header.)",
        f"platforms = {_list(platforms)}",
        "",
        "[community]",
        "# Identity, and P-POS-4 When: a community has a life cycle (germination, rapid",
        "# growth, active, decline); plan its start and how long it should run.",
        f"slug = {_q(slug)}  # stable id in events and URLs: a-z, 0-9, _ and -",
        f"name = {_q(name)}",
        f"language = {_q(language)}  # zh | en (default {DEFAULT_LANGUAGE})",
        f"timezone = {_q(timezone)}  # IANA name; days and schedules use it"
        f" (default {DEFAULT_TIMEZONE})",
        f"start_date = {_date(start_date)}",
        f"planned_life_months = {DEFAULT_LIFE_MONTHS}  # seeds: a community lives about 2 years",
        "# scale_target = 500  # P-POS-7: how many members you aim for (optional)",
        "",
        "[purpose]",
        f"# P-POS-1: ONE main focus: {' | '.join(FOCUSES)}.",
        "# Purposes may overlap, but one must lead (001).",
        f"focus = {_q(focus)}",
        f"# P-POS-2: the value offered, one or more of {', '.join(VALUES)}.",
        f"value = {_list(value)}",
        "# P-POS-2: the pain point the community solves; fission only works on a real one.",
        f"pain_point = {_q(pain_point)}",
        "",
        "[people]",
        "# P-POS-3 Who: the creator need not be the manager; a few core people (managers,",
        "# fission agents, partners, payers) decide more than the crowd.",
        f"founder = {_q(founder)}",
        "managers = []",
        '# participants = "who joins, in one sentence"',
        "# fission_agents = []  # who spreads it; rewarded by distribution incentives",
        "# partners = []  # the ladder of high-end contacts",
        "# payers = []  # whom the community serves first",
        "",
        "[realization]",
        f"# P-POS-6 How it earns: {' | '.join(MODELS)}.",
        f"model = {_q(model)}",
        "# P-MON-1 the ladder: free drainage, low-price entry (seeds: charge something, even",
        "# 1 to 9.9 yuan), mid tier, high tier, benefit sharing. Tiers: free, low, mid, high,",
        "# partner. Leaving out every step below gives this same default ladder.",
        "",
        *_ladder(),
        "[culture]",
        "# P-POS-7 Culture: a name, a slogan and values members can repeat; banned topics",
        "# feed the group rules (P-RUL-1).",
        '# name = ""',
        '# slogan = ""',
        '# logo = "logo.png"  # a path or URL',
        "values = []",
        f"banned_topics = {_list(DEFAULT_BANNED_TOPICS)}  # seeds' default",
        "",
        "# P-POS-5 the group matrix: one [[groups]] per group, by theme or region.",
        f"# stage is the group ladder: {', '.join(STAGES)} (default {DEFAULT_STAGE}).",
        "# capacity defaults to the platform's limit; when a group is full the next one",
        "# opens (P-IN-4).",
        *_comment(f"Default capacity: {capacities}."),
        "",
        *_groups(group_list, platforms[0] if platforms else "other"),
        "# P-FIS-4 channels: where members come from and what each costs (target: near zero).",
        "# [[channels]]",
        '# name = "official account footer"',
        f'# kind = "content"  # {" | ".join(CHANNEL_KINDS)}',
        "# cost_per_member = 0",
        '# currency = "CNY"',
        "",
        *_other_sections(),
        *_templates(),
    ]
    return "\n".join(lines) + "\n"


_WRITTEN = frozenset({"community", "purpose", "people", "realization", "culture"})
"""Sections render_blueprint writes out with the answers; every other one is commented."""


def _other_sections() -> list[str]:
    """Every remaining section (intake, fission, rules, engagement …) with its defaults, as
    comments: what each chapter can be tuned by, without changing anything yet."""
    lines = ["# Chapters of the playbook, all at the seeds' defaults; uncomment to change one."]
    for name, field in Blueprint.model_fields.items():
        kind = field.annotation
        if name in _WRITTEN or not (isinstance(kind, type) and issubclass(kind, BaseModel)):
            continue
        lines += ["", *commented_section(name, kind)]
    return [*lines, ""]


def _templates() -> list[str]:
    """The ``[templates]`` hint: every message shequn sends can be reworded, per language."""
    welcome = TEMPLATES["welcome"]
    return [
        "# Message templates: every text shequn sends (welcome, rejection, reward …) in zh and",
        "# en; the community's language picks one. Override a text here, or for one group",
        "# under [groups.templates.<name>]; see docs/templates.md and `shequn templates list`.",
        *_comment(f"Names: {', '.join(TEMPLATES)}."),
        "# [templates.welcome]",
        f"# zh = {_q(welcome.zh)}",
        f"# en = {_q(welcome.en)}",
    ]
