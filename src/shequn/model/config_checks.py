"""Configuration events must describe a configuration shequn can run.

``community.configured`` carries the whole blueprint and ``campaign.configured`` a whole
campaign; the engine reads them back on every decision. The log is append-only, so one event
with an empty or broken blueprint would break every later entry for everyone (the attacker's
probe did exactly that through ``POST /events``). :func:`check_config` is what the write guard
runs on them; blueprints loaded with ``shequn blueprint load`` are validated on the way in
anyway.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from shequn.errors import InvalidEvent
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_growth import Campaign
from shequn.model.events import Event


def check_config(event: Event) -> None:
    """Raise :class:`InvalidEvent` (naming the field) unless ``event``'s configuration is whole."""
    data = event.data
    if event.kind == "community.configured":
        bp = _valid(Blueprint, data["blueprint"], "data.blueprint")
        if bp.community.slug != event.community:
            raise InvalidEvent(
                f"data.blueprint is the blueprint of {bp.community.slug!r}, "
                f"not {event.community!r}",
                field="data.blueprint.community.slug",
            )
        try:
            ZoneInfo(data["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidEvent(
                f"data.timezone {data['timezone']!r} is not an IANA time zone",
                field="data.timezone",
            ) from None
    elif event.kind == "campaign.configured":
        campaign = _valid(Campaign, data["config"], "data.config")
        if campaign.slug != data["campaign"]:
            raise InvalidEvent(
                f"data.config is campaign {campaign.slug!r}, not {data['campaign']!r}",
                field="data.campaign",
            )
    elif event.kind == "group.configured":
        capacity = data.get("capacity")
        if capacity is not None and capacity < 1:
            raise InvalidEvent("data.capacity must be at least 1", field="data.capacity")


def _valid(model: Any, value: Any, where: str) -> Any:
    try:
        return model.model_validate(value)
    except ValidationError as e:
        err = e.errors()[0]
        path = ".".join(str(p) for p in err["loc"])
        raise InvalidEvent(
            f"{where}.{path}: {err['msg']} ({e.error_count()} problem(s); check it with "
            "`shequn blueprint check`)",
            field=f"{where}.{path}",
        ) from None
