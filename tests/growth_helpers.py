"""Blueprints and shortcuts for the entry and fission tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shequn.engine.blueprint import load_into_store
from shequn.model.blueprint import Blueprint, parse_blueprint
from shequn.store.db import Store

T0 = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
COMMUNITY = "readers"

HEAD = """
platforms = ["wechat"]

[community]
slug = "readers"
name = "读书会"
start_date = 2026-05-01

[purpose]
focus = "acquire"
value = ["information"]
pain_point = "想读书却坚持不下来"

[people]
founder = "林老师"

[realization]
model = "membership"
"""


def group(slug: str, capacity: int = 500, **entry: Any) -> str:
    """A ``[[groups]]`` table with an optional ``[groups.entry]``; waves off unless asked."""
    entry.setdefault("waves", False)
    lines = [f'[[groups]]\nslug = "{slug}"\nname = "{slug}"\nplatform = "wechat"']
    lines.append(f"capacity = {capacity}")
    lines.append("[groups.entry]")
    lines += [f"{k} = {_toml(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


def _toml(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    return str(v)


def blueprint(*groups: str, extra: str = "") -> Blueprint:
    return parse_blueprint(HEAD + extra + "\n" + "\n".join(groups or (group("main"),)))


def loaded(store: Store, *groups: str, extra: str = "") -> Blueprint:
    bp = blueprint(*groups, extra=extra)
    load_into_store(store, bp, now=T0 - timedelta(days=1))
    return bp


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def wx(name: str) -> str:
    return f"wechat:{name}"
