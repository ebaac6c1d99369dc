"""Request and response bodies, as pydantic models, so the OpenAPI document describes them.

Entities (``Community``, ``Group``, ``Member``) are the store's own frozen dataclasses, used as
response models directly: one definition, no copy to drift. Events travel in their canonical
JSON shape (docs/events.md) with the log id added.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shequn.model.entities import Member


def jsonable(value: Any) -> Any:
    """Plain JSON from metric results: dataclasses as objects, times as ISO 8601, NaN and
    infinities (an empty ratio) as null — JSON has no NaN."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return jsonable(float(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


class MemberPage(BaseModel):
    items: list[Member]
    next_cursor: int | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class EventOut(BaseModel):
    id: int
    kind: str
    occurred_at: str
    community: str
    group: str | None
    actor: str | None
    subject: str | None
    source: str
    source_ref: str
    data: dict[str, Any]


class EventPage(BaseModel):
    items: list[EventOut]
    next_cursor: int | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class EventIn(BaseModel):
    """A canonical event (docs/events.md). ``community`` defaults to the one in the path;
    ``source`` is set to ``api:<token id>`` unless an owner token gives its own;
    ``source_ref`` may be left out when the request has an ``Idempotency-Key``."""

    model_config = ConfigDict(extra="forbid")
    kind: str
    occurred_at: str = Field(description="ISO 8601 with an offset, e.g. 2026-03-02T09:15:00+08:00")
    community: str | None = None
    group: str | None = None
    actor: str | None = None
    subject: str | None = None
    source: str | None = None
    source_ref: str | int | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class EventsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    events: list[EventIn] = Field(min_length=1, max_length=1000)


class AppendOut(BaseModel):
    new: int = Field(description="Events added to the log.")
    duplicate: int = Field(description="Events the log already had (same source, source_ref).")


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    keep: str = Field(description="The member that remains: member id or identity key.")
    absorb: str = Field(description="The member merged into it.")


class MetricInfo(BaseModel):
    name: str
    title: str
    playbook: list[str]
    params: dict[str, Any] = Field(description="Parameters and their defaults.")


class MetricScope(BaseModel):
    group: str | None = Field(description="The group measured; null for the whole community.")
    rows: list[Any]


class MetricOut(BaseModel):
    metric: str
    title: str
    params: dict[str, Any] = Field(description="Parameters overridden by the request.")
    results: list[MetricScope] = Field(
        description="One entry for the community (or the group asked for); a scoped token "
        "that names no group gets one per group it covers."
    )


class ReportsOut(BaseModel):
    community: str
    reports: list[dict[str, Any]] = Field(
        description="The health report (as `shequn report --json`), one per scope as for metrics."
    )


class DiagnosisOut(BaseModel):
    group: str
    move: str
    rule_id: str
    priority: int
    urgent: bool
    why: str
    evidence: dict[str, Any]
    targets: list[str]
    playbook: list[str]
    seed: str
    act: dict[str, str] = Field(
        default_factory=dict, description="how to carry the move out: command, api"
    )


class ImportOut(BaseModel):
    """What an import did (as ``shequn import --json``)."""

    path: str
    format: str
    new: int
    duplicate: int
    skipped: int
    events: int
    members_seen: int
    groups: list[str]
    first_at: str | None
    last_at: str | None
    timezone: str | None
    notes: list[str]
