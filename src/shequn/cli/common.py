"""What every command shares: the store to open, JSON output, tables, progress on stderr,
and the language a person reads it in.

Results go to stdout (plain text or ``--json``); progress bars and notes go to stderr, so
``shequn … --json | jq`` always works.

Everything a person reads is said in the community's language (``[community] language``),
resolved once per command: opening the store notes the language its communities speak (when
they agree), picking a community notes that one's, and every command's ``--lang zh|en``
(added to each command by :class:`SpeakingGroup`) overrides both. :func:`say`,
:func:`echo` and :func:`print_table` translate through the message catalogue
(``model/i18n.py``); ``--json`` is never translated.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.main
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
from typer.core import TyperGroup

from shequn.model.blueprint import Blueprint
from shequn.model.i18n import LANGUAGES, N_, Said, pick, tr
from shequn.store.db import Store


@dataclass
class State:
    """Global options, set by the app callback before any command runs."""

    db_url: str | None = None
    debug: bool = False
    lang: str | None = None
    """``--lang``, when the command was given it."""
    spoken: str | None = None
    """The language of the community the command works on, once known."""
    looked: bool = False
    """Whether :func:`language` has looked in the store already (a command that says
    something before, or without, opening its store)."""

    def reset(self) -> None:
        """Forget the language of the previous run (tests run many in one process)."""
        self.lang = self.spoken = None
        self.looked = False


state = State()
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S%z"]
"""What a ``--at`` option accepts: a local minute (the community's zone) or a time with one."""
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
        if state.spoken is None:
            _note_language(store, None)
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
    raise TypeError(Said("cannot serialise {kind}", kind=type(o).__name__))


def print_json(obj: Any) -> None:
    """JSON to stdout: UTF-8 names stay readable, times as ISO 8601."""
    typer.echo(json.dumps(obj, default=_default, ensure_ascii=False, indent=2))


def _check_lang(value: str | None) -> str | None:
    if value is not None and value not in LANGUAGES:
        raise typer.BadParameter(
            Said("{value}: say zh or en", value=repr(value)), param_hint="--lang"
        )
    if value is not None:
        state.lang = value
    return value


LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang", callback=_check_lang, help="zh or en [default: the community's language]."
    ),
]
"""``--lang``: what a person reads in this command's output, overriding the community's."""


def language() -> str:
    """What this command speaks: ``--lang``, else its community's language, else English.

    A command that speaks before it has opened its store (an error in reading its input, a
    file check) learns the language from the store all the same, once; a store that does
    not exist yet is not created for it."""
    if state.lang is None and state.spoken is None and not state.looked:
        _look_up_language()
    return pick(state.lang or state.spoken)


def _look_up_language() -> None:
    from shequn.store.db import database_url

    state.looked = True
    url = database_url(state.db_url)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return
    try:
        store = Store.open(url)
    except Exception:  # a store that cannot be opened: the command will say so itself
        return
    try:
        _note_language(store, None)
    finally:
        store.close()


def say(text: Any) -> str:
    """``text`` in this command's language (a :class:`Said`, a catalogue word, or data)."""
    return tr(language(), text)


def echo(text: Any, *, err: bool = False) -> None:
    """One line for a person, in this command's language."""
    typer.echo(say(text), err=err)


def yes_no(flag: bool) -> str:
    return say(N_("yes") if flag else N_("no"))


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A table for a person: the title, the column names (``N_`` words) and every
    :class:`Said` cell in this command's language; other cells are data, shown as they are
    (translate a word kept as data with :func:`say` where the row is made)."""
    table = Table(title=say(title), title_justify="left")
    for col in columns:
        table.add_column(say(col))
    for row in rows:
        table.add_row(*[_cell(v) for v in row])
    out.print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return say(value) if isinstance(value, Said) else str(value)


def learn_language(store: Store, slug: str | None = None) -> None:
    """Speak the language of ``slug`` (or of all the store's communities, when they agree)
    from here on — for a command that opens its store another way, or has just loaded a
    blueprint; ``--lang`` still wins."""
    _note_language(store, slug)


def _note_language(store: Store, slug: str | None) -> None:
    """Remember the language of ``slug`` (or, with none, the one all communities speak)."""
    from shequn.store.queries import community_languages

    with store.read() as conn:
        spoken = community_languages(conn)
    said = {spoken.get(slug)} if slug is not None else set(spoken.values())
    if len(said) == 1 and (only := said.pop()) is not None:
        state.spoken = pick(only)


def show_time(at: datetime | None) -> str:
    return "" if at is None else at.strftime("%Y-%m-%d %H:%M")


def byte_progress(*, hidden: bool = False) -> Progress:
    """A bar for reading a file: bytes read, events stored, time left."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[events]} " + say(N_("events"))),
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
    """``slug`` if the store has it; with no ``--community``, the store's only community.
    The command speaks its language from here on."""
    from shequn.errors import Conflict, NotFound
    from shequn.store.queries import list_communities

    with store.read() as conn:
        slugs = [c.slug for c in list_communities(conn)]
    if slug is None:
        if not slugs:
            raise NotFound(
                Said("no community yet: load a blueprint first (shequn blueprint load FILE)")
            )
        if len(slugs) > 1:
            raise Conflict(
                Said(
                    "several communities: say which with --community ({slugs})",
                    slugs=", ".join(slugs),
                )
            )
        slug = slugs[0]
    if slug not in slugs:
        raise NotFound(
            Said(
                "no community {slug!r}: load its blueprint first (shequn blueprint load FILE)",
                slug=slug,
            ),
            community=slug,
        )
    _note_language(store, slug)
    return slug


def parse_pairs(pairs: Sequence[str], option: str) -> dict[str, str]:
    """``["city=杭州", "role=老师"]`` → a dict; a pair without ``=`` is a clear error."""
    from shequn.errors import InvalidEvent

    found: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidEvent(
                Said("{option} {pair!r} is not KEY=VALUE", option=option, pair=pair), field=option
            )
        found[key.strip()] = value.strip()
    return found


def community_blueprint(store: Store, slug: str | None) -> tuple[str, Blueprint]:
    """The community (see :func:`pick_community`) and the blueprint it was configured with."""
    from shequn.store.growth_queries import get_blueprint

    chosen = pick_community(store, slug)
    with store.read() as conn:
        return chosen, get_blueprint(conn, chosen)


class SpeakingGroup(TyperGroup):
    """The root command group: gives every command that has none a ``--lang`` option
    (``LangOpt``, setting :attr:`State.lang`), so each one can be read in the other language
    without every command declaring it. Commands that use the language themselves
    (``report``, ``diagnose``) declare ``LangOpt`` and keep theirs."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        option = _lang_option()
        for command in _leaves(self):
            if not any(p.name == "lang" for p in command.params):
                command.params.append(option)


def _leaves(group: Any) -> Iterator[Any]:
    for command in getattr(group, "commands", {}).values():
        if hasattr(command, "commands"):
            yield from _leaves(command)
        else:
            yield command


def _lang_option() -> Any:
    """``--lang`` as a click option that only sets the state (Typer vendors click, so the
    option is taken from a command Typer built from ``LangOpt`` itself)."""

    def probe(lang: LangOpt = None) -> None:  # pragma: no cover - never run
        """Probe."""

    app = typer.Typer(add_completion=False)
    app.command()(probe)
    (option,) = [p for p in typer.main.get_command(app).params if p.name == "lang"]
    option = copy.copy(option)
    option.expose_value = False
    return option


class Names:
    """People by their display name, their key where they have none (issue 23 item 11):
    ``who("sim:110")`` → ``李思远`` for a table; ``who.name("sim:110")`` → the name or
    ``None``, for ``--json`` (which keeps the key and adds the name)."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def __call__(self, key: Any) -> str:
        return "" if key is None else self.names.get(str(key), str(key))

    def name(self, key: Any) -> str | None:
        return None if key is None else self.names.get(str(key))


def named(store: Store, community: str, keys: Iterable[str | None]) -> Names:
    """The display names of ``keys`` in ``community`` (``store/queries.display_names``)."""
    from shequn.store.queries import display_names

    with store.read() as conn:
        return Names(display_names(conn, community, [k for k in keys if k]))
