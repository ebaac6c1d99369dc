"""Content entries over HTTP (P-CHN-3), like ``shequn content entry create|list|footer``: a
piece of content gets its own live code into a group (any writer, in a group the token covers),
the entries are listed with the members each brought in (every role, its groups' entries), and
the footer block is drawn as HTML or Markdown with the QR code. Another group's entry answers
404 like a missing one.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from shequn.api.deps import (
    CommunityPath,
    GroupQuery,
    OperatorDep,
    StoreDep,
    WriterDep,
    access_group,
    access_in_group,
    read_groups,
)
from shequn.engine.engagement import content_entries
from shequn.errors import NotFound
from shequn.store.growth_queries import get_blueprint

router = APIRouter(tags=["engagement"])
C = "/communities/{community}/content/entries"
EntryPath = Annotated[str, Path(max_length=48, description="the entry's id")]
MEDIA = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8"}


class NewEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=255, description="the piece's title")
    url: str = Field(min_length=1, max_length=2000, description="where it is published")
    group: str = Field(max_length=128, description="the group its readers join")
    entry: str | None = Field(
        None, min_length=1, max_length=48, description="your id of it (default: from the URL)"
    )


@router.get(C, response_model=list[dict[str, Any]])
def get_entries(
    community: CommunityPath, op: OperatorDep, store: StoreDep, group: GroupQuery = None
) -> list[dict[str, Any]]:
    """The entries of the groups this token covers, newest first, with ``joined`` (persons
    who joined through the piece) and ``staying`` (of them, still in the group)."""
    groups = read_groups(store, op, community, group)  # None: every group
    return [e.to_dict() for e in content_entries.list_entries(store, community, groups)]


@router.post(C, response_model=dict[str, Any])
def post_entry(
    community: CommunityPath, body: NewEntry, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Give a piece its live code into ``group``; ``new`` is false when the entry exists."""
    with store.read() as conn:
        access_group(conn, op, community, body.group)
    found, new = content_entries.create_entry(
        store, community, title=body.title, url=body.url, group=body.group, entry=body.entry,
        source=op.asked_source,
    )  # fmt: skip
    return {**found.to_dict(), "new": new}


@router.get(
    f"{C}/{{entry}}/footer",
    response_class=Response,
    responses={
        200: {"content": {"text/html": {}, "text/markdown": {}}, "description": "The footer."}
    },
)
def get_footer(
    community: CommunityPath,
    entry: EntryPath,
    op: OperatorDep,
    store: StoreDep,
    format: Annotated[Literal["html", "md"], Query()] = "html",
) -> Response:
    """The footer block for the piece, with its QR code embedded, in the community's language."""
    from shequn.api.content_footer import entry_footer  # Pillow and segno only when asked

    missing = NotFound(f"no content entry {entry!r} in {community!r}", entry=entry)
    show = lambda: content_entries.show(store, community, entry)  # noqa: E731
    found = access_in_group(store, op, community, missing, show, lambda e: e.group)
    with store.read() as conn:
        bp = get_blueprint(conn, community)
    return Response(entry_footer(bp, found, format), media_type=MEDIA[format])
