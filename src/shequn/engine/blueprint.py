"""Loading a blueprint into the store (P-POS): the community and its group matrix as events.

A blueprint becomes ``community.configured`` plus one ``group.configured`` per group. Their
``source_ref`` is a hash of the content, so loading the same blueprint again records nothing,
and loading a changed one records exactly what changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from shequn.engine.record import record
from shequn.model.blueprint import DEFAULT_LANGUAGE, Blueprint
from shequn.model.events import Event
from shequn.store.append import AppendResult
from shequn.store.db import Store


def _digest(obj: Any) -> str:
    return hashlib.sha256(orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def blueprint_events(bp: Blueprint, *, now: datetime) -> list[Event]:
    """Pure: the events that describe this blueprint."""
    slug = bp.community.slug
    source = f"blueprint:{slug}"
    whole = bp.to_dict()
    events = [
        Event(
            kind="community.configured",
            occurred_at=now,
            community=slug,
            source=source,
            source_ref=f"community:{_digest(whole)}",
            data={"name": bp.community.name, "timezone": bp.community.timezone, "blueprint": whole},
        )
    ]
    for g in bp.groups:
        data = {
            "name": g.name,
            "platform": g.platform,
            "theme": g.theme,
            "region": g.region,
            "capacity": g.capacity,
            "stage": g.stage,
        }
        events.append(
            Event(
                kind="group.configured",
                occurred_at=now,
                community=slug,
                group=g.slug,
                source=source,
                source_ref=f"group:{g.slug}:{_digest(data)}",
                data={k: v for k, v in data.items() if v is not None},
            )
        )
    return events


def load_into_store(store: Store, bp: Blueprint, *, now: datetime | None = None) -> AppendResult:
    """Record the blueprint; returns how many of its events were new."""
    return record(store, blueprint_events(bp, now=now or datetime.now(UTC)))


IMPORT_PLATFORMS = {"telegram", "discord", "slack", "whatsapp", "wechat", "qq"}
"""Import formats named like the blueprint platform they come from (csv, jsonl: ``other``)."""


def provisional_blueprint(
    slug: str, name: str, *, platform: str, timezone: str, group: str, group_name: str,
    start: datetime, language: str = DEFAULT_LANGUAGE,
) -> Blueprint:  # fmt: skip
    """A valid, minimal blueprint for a community made from an export on a fresh database: the
    operator sees their groups first and loads a real blueprint later (``shequn blueprint
    load`` replaces it: a later ``community.configured`` wins). The answers shequn cannot know
    are marked as such, so ``shequn blueprint show`` makes plain that they are placeholders."""
    kind = platform if platform in IMPORT_PLATFORMS else "other"
    return Blueprint.model_validate(
        {
            "community": {
                "slug": slug,
                "name": name,
                "timezone": timezone,
                "start_date": start.date().isoformat(),
                "language": language,
            },
            "purpose": {
                "focus": "retain",
                "value": ["information"],
                "pain_point": "(not set: community created by `shequn import`)",
            },
            "people": {"founder": "(not set)"},
            "realization": {"model": "membership"},
            "platforms": [kind],
            "groups": [{"slug": group, "name": group_name, "platform": kind}],
        }
    )


def with_community(events: Iterable[Event], make: Callable[[Event], Blueprint]) -> Iterator[Event]:
    """``events`` preceded by the ``community.configured`` (and ``group.configured``) of the
    blueprint ``make`` builds from the first event: so the community exists in the same batch
    as the first import events, and an empty export creates nothing."""
    it = iter(events)
    first = next(it, None)
    if first is None:
        return
    bp = make(first)
    yield from blueprint_events(bp, now=first.occurred_at)
    yield first
    yield from it
