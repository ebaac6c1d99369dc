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
from shequn.model.i18n import Said


def check_config(event: Event) -> None:
    """Raise :class:`InvalidEvent` (naming the field) unless ``event``'s configuration is whole."""
    data = event.data
    if event.kind == "community.configured":
        bp = _valid(Blueprint, data["blueprint"], "data.blueprint")
        if bp.community.slug != event.community:
            raise InvalidEvent(
                Said(
                    "data.blueprint is the blueprint of {slug!r}, not {community!r}",
                    slug=bp.community.slug,
                    community=event.community,
                ),
                field="data.blueprint.community.slug",
            )
        try:
            ZoneInfo(data["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidEvent(
                Said("data.timezone {tz!r} is not an IANA time zone", tz=data["timezone"]),
                field="data.timezone",
            ) from None
    elif event.kind == "campaign.configured":
        campaign = _valid(Campaign, data["config"], "data.config")
        if campaign.slug != data["campaign"]:
            raise InvalidEvent(
                Said(
                    "data.config is campaign {slug!r}, not {campaign!r}",
                    slug=campaign.slug,
                    campaign=data["campaign"],
                ),
                field="data.campaign",
            )
    elif event.kind == "group.configured":
        capacity = data.get("capacity")
        if capacity is not None and capacity < 1:
            raise InvalidEvent(Said("data.capacity must be at least 1"), field="data.capacity")


def _valid(model: Any, value: Any, where: str) -> Any:
    try:
        return model.model_validate(value)
    except ValidationError as e:
        err = e.errors()[0]
        path = ".".join(str(p) for p in err["loc"])
        raise InvalidEvent(
            Said(
                "{where}: {problem} ({n} problem(s); check it with `shequn blueprint check`)",
                where=where + "." + path,
                problem=err["msg"],
                n=e.error_count(),
            ),
            field=f"{where}.{path}",
        ) from None
