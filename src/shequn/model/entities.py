"""The things events are about, as plain read-only values.

These are what queries return and what engine rules take as input. They are snapshots of
projections, never written back: to change one, the engine records an event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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
    community: str = ""  # the one community this member belongs to

    @property
    def active_groups(self) -> list[str]:
        return sorted(
            {f"{m.community}/{m.group}" for m in self.memberships if m.status == "active"}
        )


@dataclass(frozen=True, slots=True)
class Link:
    """An entry link (P-IN-4, P-FIS-1): a referral link, a live code or an invitation code."""

    code: str
    community: str
    purpose: str  # referral | live_code | code
    groups: tuple[str, ...]
    fill: str = "in_order"
    owner: str | None = None  # identity key whose referral link it is
    channel: str | None = None
    campaign: str | None = None
    max_uses: int | None = None
    uses: int = 0
    expires_at: datetime | None = None
    url: str = ""  # what a QR code of it encodes: the blueprint's link_url, or the code


@dataclass(frozen=True, slots=True)
class EntryState:
    """Where one newcomer stands at one group's door."""

    community: str
    group: str | None
    identity: str
    status: str  # requested | pending | queued | admitted | joined | rejected | waitlisted
    reason: str | None = None
    link: str | None = None
    approvals: int = 0
    rejections: int = 0
    reviews: tuple[dict[str, Any], ...] = ()
    gates: tuple[str, ...] = ()  # still to pass (pending) or failed (rejected)
    checkins: int = 0
    wave: int | None = None
    requested_at: datetime | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """Intake facts about a newcomer (P-IN-2): card, survey, tasks done, money paid, class."""

    identity: str
    card: dict[str, Any] = field(default_factory=dict)
    survey: dict[str, Any] = field(default_factory=dict)
    tasks: tuple[str, ...] = ()
    paid: float = 0.0
    care: str | None = None
    stake: str | None = None
    classified_by: str | None = None


def shown_name(key: str, names: Mapping[str, str | None] | None = None) -> str:
    """How a person is named in a message to people: their display name when known, else the
    platform's user id without the platform prefix (never ``wechat:wxid_…``)."""
    name = (names or {}).get(key)
    if name:
        return name
    return key.split(":", 1)[1] if ":" in key else key
