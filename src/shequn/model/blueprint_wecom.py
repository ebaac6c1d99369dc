"""The ``[wecom]`` part of the blueprint: what shequn asks of WeCom's group live codes.

A WeCom group live code (群活码) can open the next group itself when every group it lists is
full (``auto_create_room``): WeCom names it ``room_base_name`` followed by a number counted
from ``room_base_id``, and the scan goes there. shequn's own answer to a full matrix is an
operator task (``group.create``), so it is off unless the blueprint turns it on — for every
live code, or for one link under ``[wecom.live_codes.<link code>]``. The group WeCom makes is a
chat nobody bound yet: its owner is recorded under ``unbound:wecom:<chat>`` (``shequn groups
unbound``) until an operator binds it to a group of the matrix.

No secret goes here (the blueprint is exported and shown): the corp app's settings are
``SHEQUN_WECOM_*`` in the environment (docs/wecom.md).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ROOM_NAME_MAX = 40
"""WeCom: ``room_base_name`` is at most 40 characters."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rooms(_Section):
    """Whether a live code opens a new group when its groups are full, and how it names it."""

    auto_create_room: bool = False
    room_base_name: str | None = Field(None, min_length=1, max_length=ROOM_NAME_MAX)
    room_base_id: int = Field(1, ge=1)

    def join_way(self) -> dict[str, Any]:
        """The ``add_join_way`` / ``update_join_way`` parameters these settings mean."""
        if not self.auto_create_room:
            return {"auto_create_room": 0}
        way: dict[str, Any] = {"auto_create_room": 1, "room_base_id": self.room_base_id}
        if self.room_base_name:
            way["room_base_name"] = self.room_base_name
        return way


class WeCom(Rooms):
    """``[wecom]``: the live codes' defaults, and ``live_codes`` per link code."""

    live_codes: dict[str, Rooms] = Field(default_factory=dict)

    def rooms_for(self, link: str) -> Rooms:
        """The settings of ``link``'s live code: its own table, else the defaults."""
        return self.live_codes.get(link) or Rooms(
            auto_create_room=self.auto_create_room,
            room_base_name=self.room_base_name,
            room_base_id=self.room_base_id,
        )
