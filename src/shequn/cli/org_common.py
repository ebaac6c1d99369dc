"""What the pyramid's commands share (``shequn levels|orgtask|motion|election``): the argument
types, the source they record, and a table of rows with people shown by name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import typer

from shequn.cli.common import named, print_json, print_table, say
from shequn.store.db import Store

MemberArg = Annotated[str, typer.Argument(help="The member (member or identity key).")]
Operator = Annotated[str | None, typer.Option(help="Your identity key, recorded as the actor.")]
SOURCE = "operator:cli"

PEOPLE = ("member", "voter", "candidate")
"""Columns that name a person: shown by display name (``--json`` adds ``<column>_name``)."""
WORDS = ("result", "done_when", "role")
"""Columns whose values are words kept as data (``model/words.py``)."""


def org_rows(
    store: Store, slug: str, rows: list[dict[str, Any]], as_json: bool, title: Any,
    columns: Sequence[str],
) -> None:  # fmt: skip
    who = named(store, slug, [r.get(c) for r in rows for c in PEOPLE if c in columns])
    people = [c for c in PEOPLE if c in columns]
    if as_json:
        print_json([{**r, **{f"{c}_name": who.name(r[c]) for c in people}} for r in rows])
        return
    print_table(title, columns, [[_cell(r[c], c, who) for c in columns] for r in rows])


def _cell(value: Any, column: str, who: Any) -> Any:
    if column in PEOPLE:
        return who(value)
    if column in WORDS and isinstance(value, str):
        return say(value)
    return value
