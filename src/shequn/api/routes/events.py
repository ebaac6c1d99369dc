"""``/communities/{community}/events``: read the log page by page; append canonical events.

Appending goes through ``engine.record`` like ``shequn events add``. Events are idempotent by
``(source, source_ref)``; on top of that an ``Idempotency-Key`` header makes a retried request
return the first answer instead of running again (the key is remembered in the audit log, per
token and path; the same key with a different body is a 409).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse

from shequn.api.deps import (
    CommunityPath,
    OperatorDep,
    StoreDep,
    WriterDep,
    access_community,
    access_group,
)
from shequn.api.errors import CONFLICT
from shequn.api.queries import events_page
from shequn.api.schemas import AppendOut, EventOut, EventPage, EventsIn
from shequn.engine.guard import check_scope, guarded
from shequn.engine.record import record
from shequn.errors import Conflict, InvalidEvent
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.model.kinds_org import SECRET_KINDS
from shequn.store.tokens import find_idempotent

router = APIRouter(tags=["events"])

Cursor = Annotated[
    int | None, Query(ge=0, le=2**63 - 1, description="`next_cursor` of the previous page.")
]


@router.get("/communities/{community}/events", response_model=EventPage)
def get_events(
    community: CommunityPath,
    op: OperatorDep,
    store: StoreDep,
    kind: Annotated[str | None, Query(max_length=64, description="e.g. member.joined")] = None,
    group: Annotated[str | None, Query(description="Only this group.")] = None,
    since: Annotated[
        datetime | None, Query(description="Only events at or after this time (ISO 8601).")
    ] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventPage:
    """Events in log order (by id). A scoped token sees its groups' events only, and no
    community-wide ones."""
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)  # a time without an offset is read as UTC
    with store.read() as conn:
        access_community(conn, op, community)
        groups = [access_group(conn, op, community, group).slug] if group else op.groups
        rows = events_page(
            conn,
            community=community,
            groups=groups,
            kind=kind,
            since=since,
            after=cursor,
            limit=limit + 1,
            hidden=() if op.role == "owner" else SECRET_KINDS,
        )
    items = [EventOut(id=i, **e.to_dict()) for i, e in rows[:limit]]
    return EventPage(items=items, next_cursor=rows[limit - 1][0] if len(rows) > limit else None)


def _event(community: str, i: int, raw: dict[str, Any], key: str | None) -> Event:
    """One incoming event as sent (the write guard then checks it against the token)."""
    where = f"events[{i}]"
    raw["community"] = raw.get("community") or community
    if raw.get("source_ref") is None:
        if key is None:
            raise InvalidEvent(
                Said(
                    "{where}: source_ref is missing (give one, or send an Idempotency-Key)",
                    where=where,
                ),
                field=f"{where}.source_ref",
            )
        raw["source_ref"] = f"{key}:{i}"
    try:
        return Event.from_dict(raw)
    except InvalidEvent as e:
        field = e.fields.get("field")
        raise InvalidEvent(
            Said("{where}: {problem}", where=where, problem=e.message),
            field=f"{where}.{field}" if field else where,
        ) from None


@router.post(
    "/communities/{community}/events",
    response_model=AppendOut,
    responses=CONFLICT,
)
def post_events(
    community: CommunityPath,
    body: EventsIn,
    op: WriterDep,
    store: StoreDep,
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=200,
            pattern=r"^[\x21-\x7e]+$",
            description="Retry safely: the same key and body returns the first answer.",
        ),
    ] = None,
) -> Any:
    """Append canonical events (docs/events.md). Safe to repeat: events already in the log
    are counted as duplicates and not stored again."""
    payload = body.model_dump(mode="json")
    try:
        orjson.dumps(payload)  # the store serialises event data with orjson
    except TypeError:
        raise InvalidEvent(
            Said("a number in the events does not fit in 64 bits"), field="events"
        ) from None
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    request.state.idempotency = (idempotency_key, digest)
    with store.read() as conn:
        access_community(conn, op, community)
        earlier = (
            find_idempotent(conn, token_id=op.token_id, path=request.url.path, key=idempotency_key)
            if idempotency_key
            else None
        )
    if earlier is not None:
        if earlier[0] != digest:
            raise Conflict(
                Said("this Idempotency-Key was already used with a different body"),
                field="Idempotency-Key",
            )
        answer = earlier[1].get("response", {})
        request.state.audit_summary = {"replayed": True, **answer}
        return JSONResponse(answer, headers={"Idempotent-Replayed": "true"})
    writer = op.as_writer(keep_sources=True)
    for i, raw in enumerate(payload["events"]):  # only an owner names the source it writes as
        if op.role != "owner" or not raw.get("source"):
            raw["source"] = op.source
        raw["community"] = raw.get("community") or community
        check_scope(writer, f"events[{i}]", kind=raw.get("kind"), community=raw["community"],
                    group=raw.get("group"))  # fmt: skip
    events = [_event(community, i, raw, idempotency_key) for i, raw in enumerate(payload["events"])]
    result = record(store, list(guarded(store, writer, events)))
    answer = {"new": result.new, "duplicate": result.duplicate}
    request.state.audit_summary = {"events": len(events), **answer, "response": answer}
    return answer
