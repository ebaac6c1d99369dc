"""``shequn import``: an export file (or directory, or zip) into the event log."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from shequn.cli.bulk_gc import bulk_gc
from shequn.cli.common import (
    JsonFlag,
    byte_progress,
    echo,
    open_store,
    pick_community,
    print_json,
    say,
    state,
)
from shequn.engine.blueprint import provisional_blueprint, with_community
from shequn.engine.import_stretches import KnownStretches, keep_stretches
from shequn.engine.record import BATCH_SIZE, record
from shequn.errors import ShequnError
from shequn.ingest.archive import Limits, parse_size
from shequn.ingest.base import Importer
from shequn.ingest.job import ImportJob, ImportSummary
from shequn.ingest.registry import FORMATS, detect, get_importer
from shequn.model.blueprint import DEFAULT_LANGUAGE, Blueprint, valid_slug
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store.append import AppendResult
from shequn.store.bindings import bindings_by_platform
from shequn.store.db import Store
from shequn.store.queries import get_community, list_communities


def _community(store: Store, slug: str | None, path: Path) -> tuple[str, str | None]:
    """(slug, time zone) of the community to import into: the one named, or the only one; on
    a fresh database (no community yet) a new one named after the export (zone None)."""
    with store.read() as conn:
        fresh = not list_communities(conn)
    if fresh:
        return slug or _slug(path.stem), None
    chosen = pick_community(store, slug)
    with store.read() as conn:
        return chosen, get_community(conn, chosen).timezone


def _slug(text: str) -> str:
    """A community slug from a file name (ASCII words, else a short hash)."""
    words = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-")[:40].strip("-")
    if not slug or len(slug) < len(text) // 2:
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        slug = f"{slug}-{digest}".strip("-") if slug else f"community-{digest}"
    return slug


def _is_slug(text: str) -> bool:
    try:
        valid_slug(text)
    except ValueError:
        return False
    return True


def machine_zone() -> str:
    """This machine's IANA time zone (``TZ``, ``/etc/timezone``, ``/etc/localtime``), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    with contextlib.suppress(OSError):
        candidates.append(str(Path("/etc/localtime").resolve()).partition("zoneinfo/")[2])
    for name in candidates:
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
            if name:
                ZoneInfo(name)
                return name
    return "UTC"


def _founding(
    path: Path, importer: Importer, slug: str, zone: str, language: str
) -> Callable[[Event], Blueprint]:
    """What the community made from this export looks like, given its first event."""

    def make(first: Event) -> Blueprint:
        chat = first.source.partition(":")[2] or path.stem
        name = chat if not chat.lstrip("-").isdigit() else path.stem
        group = first.group if first.group and _is_slug(first.group) else "imported"
        return provisional_blueprint(
            slug, name or slug, platform=importer.name, timezone=zone, group=group,
            group_name=name or group, start=first.occurred_at, language=language,
        )  # fmt: skip

    return make


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ShequnError(
            Said("unknown time zone {name!r} (use an IANA name such as Asia/Shanghai)", name=name),
            field="tz",
        ) from None


def import_command(
    path: Annotated[Path, typer.Argument(help="Export file, directory or .zip.")],
    group: Annotated[
        str | None,
        typer.Option(help="Put every event in this group (default: one group per chat)."),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", help=f"Format, when detection guesses wrong: {', '.join(FORMATS)}."
        ),
    ] = None,
    community: Annotated[
        str | None, typer.Option(help="Community slug (default: the only one in the store).")
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            help="Time zone for exports whose times carry none (default: the community's)."
        ),
    ] = None,
    skip_bad: Annotated[
        Path | None,
        typer.Option(
            "--skip-bad",
            help="Write records that cannot be imported to this JSONL file (with the "
            "reason) and go on, instead of stopping at the first.",
        ),
    ] = None,
    mapping: Annotated[
        str | None,
        typer.Option(
            "--map",
            help="Columns of a table in no known format: target=column,… (targets: at, "
            "actor, name, text, id, reply_to, group, kind, media; see docs/import/csv.md).",
        ),
    ] = None,
    delimiter: Annotated[
        str | None,
        typer.Option(help="Table delimiter: , ; | or tab (default: detected; .tsv means tab)."),
    ] = None,
    time_format: Annotated[
        str | None,
        typer.Option(
            "--time-format", help="strptime pattern for table times, e.g. %d.%m.%Y %H:%M."
        ),
    ] = None,
    platform: Annotated[
        str, typer.Option(help="Platform of the user ids in a mapped table (actor = PLATFORM:ID).")
    ] = "chat",
    batch_size: Annotated[int, typer.Option(min=1, help="Events per transaction.")] = BATCH_SIZE,
    max_line: Annotated[
        str | None,
        typer.Option(
            "--max-line",
            help="Longest line a text export may have, e.g. 64M (default 16M; "
            "env SHEQUN_IMPORT_MAX_LINE).",
        ),
    ] = None,
    max_unpacked: Annotated[
        str | None,
        typer.Option(
            "--max-unpacked",
            help="Most bytes to unpack from a .zip, e.g. 8G (default 2G; "
            "env SHEQUN_IMPORT_MAX_UNPACKED).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Import a chat export into the event log. Safe to repeat or to resume after a crash:
    events already stored are recognised and skipped."""
    limits = Limits.from_env(
        line_bytes=parse_size(max_line, "--max-line") if max_line else None,
        total_bytes=parse_size(max_unpacked, "--max-unpacked") if max_unpacked else None,
    )
    table_options = mapping or delimiter or time_format or platform != "chat"
    if table_options and fmt in (None, "csv"):
        from shequn.ingest.table import TableImporter, parse_mapping

        importer: Importer = TableImporter(
            mapping=parse_mapping(mapping) if mapping else None,
            delimiter=delimiter,
            time_format=time_format,
            platform=platform,
        )
    else:
        importer = get_importer(fmt) if fmt else detect(path)
    with ExitStack() as stack:
        stack.enter_context(bulk_gc())
        store = stack.enter_context(open_store())
        slug, zone = _community(store, community, path)
        fresh = zone is None
        zone = zone or tz or machine_zone()
        if fresh:  # the community made from the export speaks --lang (default: the blueprint's)
            state.spoken = state.lang or DEFAULT_LANGUAGE
        bad = stack.enter_context(skip_bad.open("w", encoding="utf-8")) if skip_bad else None
        job = ImportJob.for_path(
            path,
            community=slug,
            tz=_zone(tz or zone),
            group=group,
            importer=importer,
            skip_bad=bad,
            limits=limits,
            bindings=_bindings(store, slug),
            known=KnownStretches(store, slug),
        )
        ctx = job.ctx
        bar = stack.enter_context(byte_progress(hidden=as_json))
        task = bar.add_task(
            say(Said("importing {file} ({format})", file=path.name, format=importer.name)),
            total=ctx.bytes_total,
            events=0,
        )

        def advance(result: AppendResult) -> None:
            keep_stretches(store, slug, job.committed())
            bar.update(
                task,
                completed=ctx.bytes_read,
                events=bar.tasks[task].fields["events"] + result.new + result.duplicate,
            )

        events: Iterable[Event] = job.events()
        if fresh:
            make = _founding(path, importer, slug, zone, state.spoken or DEFAULT_LANGUAGE)
            events = with_community(events, make)
        result = record(store, events, batch_size=batch_size, on_batch=advance)
        keep_stretches(store, slug, job.committed())
    summary = job.finish(result.new, result.duplicate)
    if fresh and summary.events:
        summary.community_created = True
        founding = 2  # community.configured and the one group.configured (with_community)
        summary.new -= min(founding, summary.new)
        summary.notes.append(
            Said(
                "a fresh database: created community {slug!r} from this export (time zone "
                "{zone}); load your blueprint with `shequn blueprint load FILE` to set it up",
                slug=slug,
                zone=zone,
            )
        )
    _show(summary, as_json)


def _show(s: ImportSummary, as_json: bool) -> None:
    if as_json:
        print_json(s.to_dict())
        return
    span = (
        Said("{first} … {last} (UTC)", first=f"{s.first_at:%Y-%m-%d}", last=f"{s.last_at:%Y-%m-%d}")
        if s.first_at and s.last_at
        else Said("no events")
    )
    echo(
        Said(
            "{path} ({format}): {new} new, {duplicate} already stored, {skipped} skipped; "
            "{people} people in {groups} group(s); {span}",
            path=s.path,
            format=s.format,
            new=s.new,
            duplicate=s.duplicate,
            skipped=s.skipped,
            people=s.members_seen,
            groups=len(s.groups),
            span=span,
        )
    )
    for note in s.notes:
        echo(Said("  note: {note}", note=note))


def _bindings(store: Store, community: str) -> dict[str, dict[str, str]]:
    """The community's bound chats, so an export of one lands in its group."""
    with store.read() as conn:
        return bindings_by_platform(conn, community)
