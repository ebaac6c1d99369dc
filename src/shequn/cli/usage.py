"""Typer's own usage errors ("Missing argument", "No such option", "Usage:") in the
community's language.

Typer 0.2x vendors its Click (``typer._click``) without gettext, so there is no translation
domain to install. Instead the root group (:class:`UsageGroup`) catches a usage error where it
is raised — parsing the root's options, or resolving and parsing a command — and raises it
again as a :class:`SaidUsageError`, which Typer shows as it shows any usage error. Its
``show`` is Click's own in English; in Chinese it says the same lines through the catalogue:
each of Click's sentences is a message id with fields (``Missing argument {name}.``), read
back out of the English text it made. A sentence not in :data:`CLICK` stays English — the
usage line and the hint around it are still Chinese.

A usage error comes before the command has opened its store, so its language is found here:
``--lang`` on the command line, else the languages the communities of the store named by
``--db`` (or ``SHEQUN_DATABASE_URL``) speak — an SQLite file that does not exist yet is not
created for it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import IO, Any

from typer._click.exceptions import UsageError
from typer._click.utils import echo as click_echo

from shequn.cli.common import SpeakingGroup, language, state
from shequn.model.i18n import LANGUAGES, N_, Said, tr

CLICK = (
    N_("Missing command."),
    N_("No such command {name}."),
    N_("No such command {name}. Did you mean {suggestion}?"),
    N_("No such option: {name}"),
    N_("No such option: {name} (Possible options: {options})"),
    N_("Missing argument {name}."),
    N_("Missing option {name}."),
    N_("Missing parameter {name}."),
    N_("Got unexpected extra argument(s) ({args})"),
    N_("Got unexpected extra argument ({args})"),
    N_("Option {name} requires an argument."),
    N_("Option {name} requires {n} arguments."),
    N_("Option {name} does not take a value."),
    N_("Invalid value for {hint}: {problem}"),
    N_("Invalid value: {problem}"),
    N_("{value} is not one of {choices}."),
    N_("Input should be a valid integer, unable to parse string as an integer"),
    N_("Input should be a valid number, unable to parse string as a number"),
    N_("Input should be greater than or equal to {n}"),
    N_("Input should be less than or equal to {n}"),
    N_("{value}: say zh or en"),
)
"""Click's (and Typer's) sentences a user meets, as message ids: the fields are what Click
fills in (an option's name, the value given)."""


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Each message id as a pattern over the English it makes, the most specific first."""
    found = []
    for msgid in CLICK:
        parts = re.split(r"\{(\w+)\}", msgid)
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
        )
        found.append((msgid, re.compile(regex, re.DOTALL)))
    return sorted(found, key=lambda p: -len(re.sub(r"\{\w+\}", "", p[0])))


def said(english: str) -> str | Said:
    """Click's English sentence as a :class:`Said` (its fields said too, where they are
    sentences: the problem after ``Invalid value for …:``); unknown text as it is."""
    for msgid, pattern in _patterns():
        found = pattern.fullmatch(english)
        if found:
            return Said(msgid, **{k: said(v) for k, v in found.groupdict().items()})
    return english


class SaidUsageError(UsageError):
    """A usage error Click made, shown in the language of the community at hand."""

    def __init__(self, error: UsageError, argv: Sequence[str]) -> None:
        super().__init__(error.format_message(), error.ctx)
        self.exit_code = error.exit_code
        self.argv = list(argv)

    def show(self, file: IO[Any] | None = None) -> None:
        lang = _language(self.argv)
        if lang == "en":
            super().show(file)
            return
        lines = []
        if self.ctx is not None:
            usage = self.ctx.get_usage().removeprefix("Usage: ")
            lines.append(tr(lang, Said("Usage: {usage}", usage=usage)))
            if self.ctx.command.get_help_option(self.ctx) is not None:
                hint = Said(
                    "Try '{command} {option}' for help.",
                    command=self.ctx.command_path,
                    option=self.ctx.help_option_names[0],
                )
                lines.append(tr(lang, hint) + "\n")
        lines.append(tr(lang, Said("Error: {message}", message=said(self.message))))
        click_echo("\n".join(lines), file=file, err=file is None)


def _language(argv: Sequence[str]) -> str:
    """``--lang`` from the command line, else what the store's communities speak (the store
    named by ``--db``, though the root's options may not have been taken yet)."""
    for i, arg in enumerate(argv):
        value = argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else None
        value = arg.partition("=")[2] if arg.startswith("--lang=") else value
        if value in LANGUAGES:
            return value
    state.db_url = state.db_url or _option(argv, "--db")
    return language()


def _option(argv: Sequence[str], name: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.partition("=")[2]
    return None


_ARGV = "shequn.argv"


class UsageGroup(SpeakingGroup):
    """The root group: a usage error anywhere below it is shown in the community's language
    (:class:`SaidUsageError`)."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        argv = list(args)
        try:
            ctx = super().make_context(info_name, args, parent=parent, **extra)
            ctx.meta[_ARGV] = argv
            return ctx
        except SaidUsageError:
            raise
        except UsageError as e:
            raise SaidUsageError(e, argv) from e

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except SaidUsageError:
            raise
        except UsageError as e:
            raise SaidUsageError(e, ctx.meta.get(_ARGV, [])) from e


__all__ = ["CLICK", "SaidUsageError", "UsageGroup", "said"]
