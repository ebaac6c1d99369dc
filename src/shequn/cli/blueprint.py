"""``shequn init`` and ``shequn blueprint check``: write and check a community blueprint.

The main app mounts these (``app.add_typer(blueprint_app, name="blueprint")`` and
``app.command("init")(init_command)``) and turns any :class:`ShequnError` into one line and
exit code 1. ``check`` is the exception: its whole output *is* the list of problems, so it
prints them itself, one per line, and exits 1.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from shequn.cli.common import echo, say, state
from shequn.errors import BlueprintError, Conflict
from shequn.model.blueprint import (
    DEFAULT_LANGUAGE,
    DEFAULT_TIMEZONE,
    FOCUSES,
    PLATFORMS,
    Blueprint,
    load_blueprint,
    parse_blueprint,
    valid_slug,
    valid_time_zone,
)
from shequn.model.blueprint_template import GroupAnswer, render_blueprint
from shequn.model.i18n import Said, pick

blueprint_app = typer.Typer(
    help="Check community blueprints: the TOML file that positions a community (P-POS).",
    no_args_is_help=True,
)

T = TypeVar("T")

TODO_FOUNDER = "TODO: the founder's name"
TODO_PAIN_POINT = "TODO: the pain point this community solves (P-POS-2)"


@blueprint_app.command("check")
def check_command(
    file: Annotated[Path, typer.Argument(help="The blueprint TOML file to check.")],
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"ok": …, "problems": […]} as JSON.')
    ] = False,
) -> None:
    """Report every problem of a blueprint with its key path; exit 1 when there is any."""
    try:
        blueprint: Blueprint | None = load_blueprint(file)
        problems: list[tuple[str, str]] = []
    except BlueprintError as e:
        blueprint, problems = None, e.problems
    state.spoken = _language_of(file, blueprint)
    if as_json:
        found = [{"key": key, "message": message} for key, message in problems]
        typer.echo(json.dumps({"ok": not problems, "problems": found}, ensure_ascii=False))
    elif blueprint is not None:
        slug, n = blueprint.community.slug, len(blueprint.groups)
        echo(Said("ok: {slug} — {groups} groups", slug=slug, groups=n))
    else:
        for key, message in problems:
            echo(Said("{key}: {problem}", key=key, problem=message))
    if problems:
        raise typer.Exit(code=1)


def init_command(
    path: Annotated[Path, typer.Argument(help="Where to write the blueprint.")] = Path(
        "community.toml"
    ),
    slug: Annotated[
        str | None, typer.Option(help="Stable id of the community: a-z, 0-9, _ and -.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name of the community.")] = None,
    founder: Annotated[str | None, typer.Option(help="Who founded it (P-POS-3).")] = None,
    focus: Annotated[
        str | None, typer.Option(help=f"ONE main focus (P-POS-1): {', '.join(FOCUSES)}.")
    ] = None,
    pain_point: Annotated[
        str | None, typer.Option(help="The pain point the community solves (P-POS-2).")
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help=f"IANA time zone (default {DEFAULT_TIMEZONE}).")
    ] = None,
    language: Annotated[
        str | None, typer.Option(help=f"zh or en (default {DEFAULT_LANGUAGE}).")
    ] = None,
    start_date: Annotated[
        str | None, typer.Option(help="Planned start, YYYY-MM-DD, default today (P-POS-4).")
    ] = None,
    platform: Annotated[
        list[str] | None,
        typer.Option(
            "--platform",
            "-p",
            help=f"Platform of the groups; repeat or comma-separate. {', '.join(PLATFORMS)}.",
        ),
    ] = None,
    groups: Annotated[
        str | None,
        typer.Option(help='Number of groups, or "slug:name" pairs separated by commas.'),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Ask nothing; use defaults for what is missing.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a fully commented community blueprint, asking for what the options do not say."""
    if path.exists() and not force:
        raise Conflict(
            Said("{path} already exists; pass --force to overwrite it", path=str(path)),
            path=str(path),
        )

    # No community speaks yet (those already in the store are others): the questions and
    # their re-asks are in --lang, else English — not in whatever the store holds.
    state.spoken, state.looked = None, True

    def ask(given: T | None, text: str, default: str | None, parse: Callable[[str], T]) -> T:
        if given is not None:
            return given
        if yes:
            return parse(default or "")
        answer: T = typer.prompt(text, default=default, value_proc=_checked(parse))
        return answer

    name = ask(name, "Community name", "My community" if yes else None, _nonempty)
    slug = ask(slug, "Slug (a-z, 0-9, _ and -)", _slugify(name), _slug)
    founder = ask(founder, "Founder", TODO_FOUNDER if yes else None, _nonempty)
    focus = ask(focus, f"Main focus ({', '.join(FOCUSES)})", FOCUSES[0], _choice(FOCUSES))
    pain_point = ask(pain_point, "Pain point it solves", TODO_PAIN_POINT, _nonempty)
    language = ask(language, "Language (zh, en)", DEFAULT_LANGUAGE, _choice(("zh", "en")))
    timezone = ask(timezone, "Time zone", DEFAULT_TIMEZONE, _time_zone)
    start = ask(start_date, "Start date", date.today().isoformat(), _start_date)
    platforms = ask(_split(platform) or None, "Platforms (comma-separated)", "wechat", _platforms)
    group_answer = ask(groups, "Groups (a number, or slug:name,…)", "1", _group_answer)

    text = render_blueprint(
        slug=slug,
        name=name,
        founder=founder,
        focus=focus,
        pain_point=pain_point,
        timezone=timezone,
        language=language,
        start_date=start,
        platforms=platforms,
        groups=_groups(group_answer),
    )
    blueprint = parse_blueprint(text, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    state.spoken = blueprint.community.language
    slug, n = blueprint.community.slug, len(blueprint.groups)
    echo(Said("wrote {path}: {slug} — {groups} groups", path=str(path), slug=slug, groups=n))
    placeholders = (("founder", founder, TODO_FOUNDER), ("pain_point", pain_point, TODO_PAIN_POINT))
    todo = [key for key, answer, placeholder in placeholders if answer == placeholder]
    if todo:
        echo(
            Said(
                "fill in: {keys}; then run: shequn blueprint check {path}",
                keys=", ".join(todo),
                path=str(path),
            )
        )


def _language_of(path: Path, blueprint: Blueprint | None) -> str:
    """The language the blueprint says it speaks (read from the TOML when it did not
    validate; a blueprint that names none speaks the default, zh), so ``check`` answers in
    it; English when the file cannot be read as TOML."""
    if blueprint is not None:
        return blueprint.community.language
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        return pick(raw.get("community", {}).get("language", DEFAULT_LANGUAGE))
    except (OSError, ValueError, AttributeError):
        return "en"


def _checked(parse: Callable[[str], T]) -> Callable[[str], T]:
    """Turn a parser's ValueError into a re-prompt instead of a crash."""

    def proc(text: str) -> T:
        try:
            return parse(text)
        except ValueError as e:  # said in the blueprint's language when it is a Said
            said = e.args[0] if e.args and isinstance(e.args[0], Said) else None
            raise typer.BadParameter(str(e) if said is None else say(said)) from None

    return proc


def _nonempty(text: str) -> str:
    if not text.strip():
        raise ValueError(Said("must not be empty"))
    return text.strip()


def _choice(choices: Sequence[str]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text.strip() not in choices:
            raise ValueError(Said("must be one of {names}", names=", ".join(choices)))
        return text.strip()

    return parse


def _slugify(name: str | None) -> str:
    """A slug guessed from the name; names in Chinese give none, so a neutral one."""
    guess = re.sub(r"[^a-z0-9]+", "-", (name or "").lower()).strip("-")
    return guess[:64] or "my-community"


def _slug(text: str) -> str:
    return valid_slug(text.strip())


def _time_zone(text: str) -> str:
    return valid_time_zone(text.strip())


def _start_date(text: str) -> str:
    date.fromisoformat(text.strip())  # ValueError: re-prompt
    return text.strip()


def _split(values: Sequence[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _platforms(text: str) -> list[str]:
    found = _split([text])
    unknown = [p for p in found if p not in PLATFORMS]
    if unknown or not found:
        raise ValueError(
            Said(
                "unknown platform(s) {unknown}; choose from {names}",
                unknown=", ".join(unknown),
                names=", ".join(PLATFORMS),
            )
        )
    return found


def _group_answer(text: str) -> str:
    """Re-prompt on a bad group slug now rather than fail after every question."""
    answer = _groups(text)
    if not answer:
        raise ValueError(Said("at least one group"))
    for slug, _ in answer if isinstance(answer, list) else []:
        valid_slug(slug)
    return text


def _groups(answer: str) -> int | list[GroupAnswer]:
    """``"3"`` is three numbered groups; ``"main:主群,camp:打卡营"`` names them."""
    if answer.strip().isdigit():
        return int(answer)
    pairs: list[GroupAnswer] = []
    for item in _split([answer]):
        slug, _, name = item.partition(":")
        pairs.append((slug.strip(), name.strip() or slug.strip()))
    return pairs
