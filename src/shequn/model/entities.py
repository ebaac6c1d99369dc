"""The things events are about, as plain read-only values.

These are what queries return and what engine rules take as input. They are snapshots of
projections, never written back: to change one, the engine records an event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Community:
    id: int
    slug: str
    name: str
    timezone: str


@dataclass(frozen=True, slots=True)
class Group:
    id: int
    community: str
    slug: str
    name: str
    platform: str | None = None
    theme: str | None = None
    region: str | None = None
    capacity: int | None = None
    stage: str | None = None
    configured: bool = False
    active_members: int = 0


@dataclass(frozen=True, slots=True)
class Identity:
    """One account on one platform: ``key`` is ``platform:user_id``."""

    key: str
    display_name: str | None = None
    first_seen_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Membership:
    community: str
    group: str
    identity: str
    status: str  # active | left | removed
    joined_at: datetime | None = None
    left_at: datetime | None = None
    join_channel: str | None = None
    inviter: str | None = None
    times_joined: int = 0


@dataclass(frozen=True, slots=True)
class Role:
    community: str
    group: str | None  # None: community-wide
    identity: str
    role: str
    since: datetime


@dataclass(frozen=True, slots=True)
class Member:
    """A person. ``key`` is the identity that first created them and never changes.

    ``merged_into`` is set when this member was found to be the same person as another;
    such members keep their history but are not counted.
    """

    id: int
    key: str
    display_name: str | None
    first_seen_at: datetime
    merged_into: str | None = None
    identities: tuple[Identity, ...] = ()
    memberships: tuple[Membership, ...] = ()
    roles: tuple[Role, ...] = field(default=())

    @property
    def active_groups(self) -> list[str]:
        return sorted(
            {f"{m.community}/{m.group}" for m in self.memberships if m.status == "active"}
        )
