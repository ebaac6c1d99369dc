"""``/communities/{community}/imports``: upload an export file; it is imported at once.

The upload is saved to a temporary file and run through the same pipeline as ``shequn
import`` (detect the format, ``ImportJob``, ``engine.record``); the response is the import
summary. The request lasts as long as the import, so this suits exports up to some tens of
megabytes (the limit is ``SHEQUN_API_MAX_UPLOAD_BYTES``); import larger files with the CLI,
which streams them with a progress bar and can set bad records aside (``--skip-bad``).

A scoped token must name one of its groups (every event goes there). Every event then passes
the write guard (``engine/guard.py``) like ``POST /events``: the community in the path, the
kinds the token's role may write, its groups; only an owner keeps the sources the file names,
everyone else's events are recorded under ``api:<token id>:<source>``. An upload that strays
stops before the stray event.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, File, Form, Request, UploadFile
from sqlalchemy.exc import SQLAlchemyError

from shequn.api.deps import ApiSettings, CommunityPath, StoreDep, WriterDep
from shequn.api.deps import access_community as _access_community
from shequn.api.errors import BadParameter, TooLarge
from shequn.api.schemas import ImportOut
from shequn.engine.guard import guarded
from shequn.engine.record import record
from shequn.errors import InputFormatError, NotFound, ShequnError
from shequn.ingest.job import ImportJob
from shequn.ingest.registry import FORMATS
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store.bindings import bindings_by_platform

router = APIRouter(tags=["imports"])
log = logging.getLogger("shequn.api")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise BadParameter(
            Said("unknown time zone {name!r} (use an IANA name such as Asia/Shanghai)", name=name),
            field="tz",
        ) from None


def _safe_name(name: str | None) -> str:
    """The upload's base name with only harmless characters (the suffix helps detection)."""
    base = re.sub(r"[^\w.\-]+", "_", Path(name or "").name).strip("._")[-100:]
    return base or "upload"


@router.post("/communities/{community}/imports", response_model=ImportOut)
def post_import(
    community: CommunityPath,
    op: WriterDep,
    store: StoreDep,
    request: Request,
    file: Annotated[UploadFile, File(description="The export: a file or a .zip.")],
    fmt: Annotated[
        str | None,
        Form(alias="format", description=f"One of {', '.join(FORMATS)}; default: detected."),
    ] = None,
    group: Annotated[
        str | None,
        Form(description="Put every event in this group (a scoped token must give one)."),
    ] = None,
    tz: Annotated[
        str | None,
        Form(description="Time zone for times without one (default: the community's)."),
    ] = None,
) -> ImportOut:
    """Import an uploaded chat export into the log (as ``shequn import``). Safe to repeat."""
    with store.read() as conn:
        found = _access_community(conn, op, community)
    if op.scoped and group is None:
        raise BadParameter(Said("a scoped token must name the group to import into"), field="group")
    if not op.covers(group):
        raise NotFound(
            Said("no group {slug!r} in {community!r}", slug=group, community=community),
            community=community,
            group=group,
        )
    if fmt is not None and fmt not in FORMATS:
        raise BadParameter(
            Said("unknown format {fmt!r}; one of {known}", fmt=fmt, known=", ".join(FORMATS)),
            field="format",
        )
    settings: ApiSettings = request.app.state.settings
    if file.size is not None and file.size > settings.max_upload_bytes:
        raise TooLarge(
            Said(
                "the file is larger than {limit} bytes; use `shequn import`",
                limit=settings.max_upload_bytes,
            ),
            field="file",
        )
    zone = _zone(tz or found.timezone)
    name = _safe_name(file.filename)
    with tempfile.TemporaryDirectory(prefix="shequn-upload-") as tmp:
        path = Path(tmp) / name
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, length=1 << 20)
        writer = op.as_writer(keep_sources=True)
        with store.read() as conn:  # a bound chat's export lands in its group
            bound = bindings_by_platform(conn, community)

        def checked(job: ImportJob) -> Iterator[Event]:
            return guarded(store, writer, job.events(), label="file events")

        try:
            # A first pass reads and checks the whole file, so a refused or broken upload
            # records nothing; the second records it (the file is at most the upload limit).
            for _ in checked(
                ImportJob.for_path(
                    path, community=community, tz=zone, group=group, fmt=fmt, bindings=bound
                )
            ):
                pass
            job = ImportJob.for_path(
                path, community=community, tz=zone, group=group, fmt=fmt, bindings=bound
            )
            result = record(store, checked(job))
        except InputFormatError as e:  # name the upload, not the temporary file
            raise InputFormatError(name, e.line, e.problem) from None
        except (ShequnError, SQLAlchemyError):
            raise
        except Exception as e:  # an importer tripped on a malformed upload: bad input
            log.warning("import of an uploaded %s failed", fmt or "file", exc_info=True)
            raise InputFormatError(
                name,
                None,
                Said(
                    "cannot read this file ({error}); is the format right?",
                    error=type(e).__name__,
                ),
            ) from None
    summary = job.finish(result.new, result.duplicate)
    summary.path = name
    request.state.audit_summary = {
        "file": name,
        "format": summary.format,
        "new": result.new,
        "duplicate": result.duplicate,
    }
    return ImportOut.model_validate(summary.to_dict())
