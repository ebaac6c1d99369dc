"""``shequn events …``, ``shequn rebuild``, ``shequn db …``, ``shequn blueprint load``:
commands that write to or maintain the event log."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from shequn.cli.blueprint import blueprint_app
from shequn.cli.common import (
    JsonFlag,
    byte_progress,
    count_progress,
    echo,
    err,
    learn_language,
    open_store,
    out,
    print_json,
    print_table,
    say,
    show_time,
)
from shequn.cli.failure import said_error
from shequn.engine.blueprint import load_into_store
from shequn.engine.record import BATCH_SIZE, record
from shequn.errors import InputFormatError
from shequn.ingest.jsonl import check_jsonl, read_jsonl
from shequn.model.blueprint import load_blueprint
from shequn.model.i18n import N_, Said
from shequn.store.append import AppendResult
from shequn.store.db import Store, database_url
from shequn.store.queries import tail_events
from shequn.store.rebuild import needs_replay, rebuild

events_app = typer.Typer(help="Add events to the log and look at it.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)


def _summary(path: str, result: AppendResult, as_json: bool) -> None:
    if as_json:
        print_json({"file": path, "new": result.new, "duplicate": result.duplicate})
    else:
        echo(
            Said(
                "{path}: {new} new events, {duplicate} already stored",
                path=path,
                new=result.new,
                duplicate=result.duplicate,
            )
        )


@events_app.command("add")
def events_add(
    file: Annotated[
        Path, typer.Argument(help="Canonical JSONL file (docs/events.md); - for stdin.")
    ],
    batch_size: Annotated[int, typer.Option(min=1, help="Events per transaction.")] = BATCH_SIZE,
    as_json: JsonFlag = False,
) -> None:
    """Append events from a JSONL file. Safe to repeat: stored events are skipped.

    The whole file is checked first; if any line is bad, nothing is added and the first bad
    line is named.
    """
    if str(file) == "-":
        _add_stream(sys.stdin.buffer, "<stdin>", batch_size, as_json)
        return
    if not file.is_file():
        raise InputFormatError(str(file), None, Said("no such file"))
    _, problems = check_jsonl(file)
    if problems:
        first = problems[0]
        problem = first.problem
        if len(problems) > 1:
            n = len(problems) - 1
            problem = Said("{problem} (and {n} more bad lines)", problem=problem, n=n)
        raise InputFormatError(first.path, first.line, problem)
    with file.open("rb") as fp:
        _add_stream(fp, str(file), batch_size, as_json, size=file.stat().st_size)


def _add_stream(
    fp: BinaryIO, name: str, batch_size: int, as_json: bool, size: int | None = None
) -> None:
    with open_store() as store, byte_progress(hidden=as_json) as bar:
        task = bar.add_task(f"adding {name}", total=size, events=0)

        def advance(result: AppendResult) -> None:
            done = fp.tell() if size is not None else None
            bar.update(task, completed=done, events=bar.tasks[task].fields["events"] + result.new)

        result = record(store, read_jsonl(fp, path=name), batch_size=batch_size, on_batch=advance)
    _summary(name, result, as_json)


@events_app.command("check")
def events_check(
    file: Annotated[Path, typer.Argument(help="Canonical JSONL file to validate.")],
    as_json: JsonFlag = False,
) -> None:
    """Validate a JSONL file without storing anything; lists up to 20 bad lines."""
    if not file.is_file():
        raise InputFormatError(str(file), None, Said("no such file"))
    good, problems = check_jsonl(file)
    if as_json:
        print_json(
            {"events": good, "problems": [{"line": p.line, "message": p.problem} for p in problems]}
        )
    else:
        for p in problems:
            echo(said_error(p) or str(p))
        echo(
            Said(
                "{file}: {good} valid events, {bad} bad lines",
                file=str(file),
                good=good,
                bad=len(problems),
            )
        )
    if problems:
        raise typer.Exit(1)


@events_app.command("tail")
def events_tail(
    n: Annotated[int, typer.Option("-n", "--lines", min=1, help="How many events.")] = 20,
    community: Annotated[str | None, typer.Option(help="Only this community.")] = None,
    group: Annotated[str | None, typer.Option(help="Only this group.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind, e.g. member.joined.")] = None,
    actor: Annotated[str | None, typer.Option(help="Only events by this identity key.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show the newest events, oldest first."""
    with open_store() as store, store.read() as conn:
        rows = tail_events(conn, limit=n, community=community, group=group, kind=kind, actor=actor)
    if as_json:
        print_json([{"id": i, **e.to_dict()} for i, e in rows])
        return
    print_table(
        Said("last {n} events", n=len(rows)),
        [
            N_("id"),
            N_("time (UTC)"),
            N_("kind"),
            N_("community/group"),
            N_("actor"),
            N_("subject"),
            N_("data"),
        ],
        [
            (
                i,
                show_time(e.occurred_at),
                e.kind,
                f"{e.community}/{e.group or '-'}",
                e.actor,
                e.subject,
                _brief(e.data),
            )
            for i, e in rows
        ],
    )


def _brief(data: dict[str, object], width: int = 60) -> str:
    text = ", ".join(f"{k}={v}" for k, v in data.items() if k != "blueprint")
    return text if len(text) <= width else text[: width - 1] + "…"


def rebuild_command(as_json: JsonFlag = False) -> None:
    """Drop every projection and replay the log into it (one transaction)."""
    with open_store() as store, count_progress(hidden=as_json) as bar:
        task = bar.add_task(say(N_("replaying the log")), total=None)
        n = rebuild(
            store, on_progress=lambda done, total: bar.update(task, completed=done, total=total)
        )
    if as_json:
        print_json({"replayed": n})
    else:
        echo(Said("rebuilt projections from {n} events", n=n))


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Run database migrations up to the newest schema (or --revision)."""
    from shequn.cli.common import state

    store = Store.open(state.db_url, migrate=False)
    try:
        reached = store.upgrade(revision)
        learn_language(store)
        if needs_replay(store):  # a migration emptied the projections: fill them again
            with count_progress() as bar:
                task = bar.add_task(
                    say(N_("replaying the log into the new projections")), total=None
                )
                n = rebuild(
                    store,
                    on_progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
            echo(Said("replayed {n} events into the projections", n=n))
    finally:
        store.close()
    dialect = database_url(state.db_url).split("://")[0]
    echo(Said("{dialect} database at revision {revision}", dialect=dialect, revision=reached))


@blueprint_app.command("load")
def blueprint_load(
    file: Annotated[Path, typer.Argument(help="The blueprint TOML file.")],
    as_json: JsonFlag = False,
) -> None:
    """Load (or reload) a blueprint into the store: the community and its groups."""
    bp = load_blueprint(file)
    with open_store() as store:
        result = load_into_store(store, bp)
        learn_language(store, bp.community.slug)
    if as_json:
        print_json(
            {
                "community": bp.community.slug,
                "groups": len(bp.groups),
                "new": result.new,
                "unchanged": result.duplicate,
            }
        )
    elif result.new:
        echo(
            Said(
                "loaded {slug}: {groups} groups ({changes} changes recorded)",
                slug=bp.community.slug,
                groups=len(bp.groups),
                changes=result.new,
            )
        )
    else:
        echo(Said("{slug}: unchanged since it was last loaded", slug=bp.community.slug))


__all__ = ["blueprint_app", "db_app", "err", "events_app", "out", "rebuild_command"]
