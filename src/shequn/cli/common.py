"""What every command shares: the store to open, JSON output, tables, progress on stderr.

Results go to stdout (plain text or ``--json``); progress bars and notes go to stderr, so
``shequn … --json | jq`` always works.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from shequn.model.blueprint import Blueprint
from shequn.model.i18n import LANGUAGES
from shequn.store.db import Store


@dataclass
class State:
    """Global options, set by the app callback before any command runs."""

    db_url: str | None = None
    debug: bool = False


state = State()
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
CommunityOpt = Annotated[
    str | None, typer.Option("--community", help="Community slug (default: the only one).")
]
"""``--community`` for every command that works on one community (``pick_community``)."""
GroupOpt = Annotated[str | None, typer.Option("--group", help="Only this group.")]


@contextmanager
def open_store() -> Iterator[Store]:
    """The store named by ``--db`` / ``SHEQUN_DATABASE_URL`` (migrated on first use)."""
    store = Store.open(state.db_url)
    try:
        yield store
    finally:
        store.close()


def _default(o: Any) -> Any:
    if isinstance(o, datetime | date):
        return o.isoformat()
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if isinstance(o, tuple | set | frozenset):
        return list(o)
    raise TypeError(f"cannot serialise {type(o).__name__}")


def print_json(obj: Any) -> None:
    """JSON to stdout: UTF-8 names stay readable, times as ISO 8601."""
    typer.echo(json.dumps(obj, default=_default, ensure_ascii=False, indent=2))


def _check_lang(value: str | None) -> str | None:
    if value is not None and value not in LANGUAGES:
        raise typer.BadParameter(f"{value!r}: say zh or en", param_hint="--lang")
    return value


LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang", callback=_check_lang, help="zh or en [default: the community's language]."
    ),
]
"""``--lang``: what a person reads in this command's output, overriding the community's."""


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title, title_justify="left")
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    out.print(table)


def show_time(at: datetime | None) -> str:
    return "" if at is None else at.strftime("%Y-%m-%d %H:%M")


def byte_progress(*, hidden: bool = False) -> Progress:
    """A bar for reading a file: bytes read, events stored, time left."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[events]} events"),
        TimeRemainingColumn(),
        console=err,
        disable=hidden,
        transient=True,
    )


def count_progress(*, hidden: bool = False) -> Progress:
    """A bar for work with a known count (rebuild)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=hidden,
        transient=True,
    )


def pick_community(store: Store, slug: str | None) -> str:
    """``slug`` if the store has it; with no ``--community``, the store's only community."""
    from shequn.errors import Conflict, NotFound
    from shequn.store.queries import list_communities

    with store.read() as conn:
        slugs = [c.slug for c in list_communities(conn)]
    if slug is None:
        if not slugs:
            raise NotFound("no community yet: load a blueprint first (shequn blueprint load FILE)")
        if len(slugs) > 1:
            raise Conflict(f"several communities: say which with --community ({', '.join(slugs)})")
        return slugs[0]
    if slug not in slugs:
        raise NotFound(
            f"no community {slug!r}: load its blueprint first (shequn blueprint load FILE)",
            community=slug,
        )
    return slug


def parse_pairs(pairs: Sequence[str], option: str) -> dict[str, str]:
    """``["city=杭州", "role=老师"]`` → a dict; a pair without ``=`` is a clear error."""
    from shequn.errors import InvalidEvent

    found: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidEvent(f"{option} {pair!r} is not KEY=VALUE", field=option)
        found[key.strip()] = value.strip()
    return found


def community_blueprint(store: Store, slug: str | None) -> tuple[str, Blueprint]:
    """The community (see :func:`pick_community`) and the blueprint it was configured with."""
    from shequn.store.growth_queries import get_blueprint

    chosen = pick_community(store, slug)
    with store.read() as conn:
        return chosen, get_blueprint(conn, chosen)
