"""Commented default sections for ``shequn init``: every section of the blueprint, each key
with its default, read from the schema itself.

docs/blueprint.md promises that the starter file shows every section. Writing them by hand
would drift from the schema as chapters are added (entry, intake, fission, rules, engagement,
organization, money …); rendering them from the pydantic models cannot. Everything here is a
comment, so the file still means "all defaults" until the operator uncomments a key.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import tomlkit
from pydantic import BaseModel

_SCALARS = (str, int, float, bool)


def _default(field: Any) -> Any:
    if field.default_factory is not None:
        return field.default_factory()
    return None if field.is_required() else field.default


def _toml(value: Any) -> str | None:
    """The TOML form of a simple value, or ``None`` when it is not simple."""
    if isinstance(value, _SCALARS) or (
        isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value)
    ):
        return str(tomlkit.item(value).as_string())
    return None


def commented_section(header: str, model: type[BaseModel]) -> Iterator[str]:
    """``# [header]`` and one ``# key = default`` line per simple key; nested sections follow
    as ``# [header.sub]``; lists of tables point to the docs."""
    yield f"# [{header}]"
    nested: list[tuple[str, type[BaseModel]]] = []
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            nested.append((name, kind))
            continue
        value = _default(field)
        if isinstance(value, dict):
            continue  # keyed tables (per-template texts, per-product …): see the docs
        shown = _toml(value) if value is not None else None
        if shown is None and value not in (None, []):
            yield f"# {name}: a list of tables, see docs/blueprint.md"
        elif shown is None:
            yield f"# {name}: optional, no default"
        else:
            yield f"# {name} = {shown}"
    for name, sub in nested:
        yield ""
        yield from commented_section(f"{header}.{name}", sub)
