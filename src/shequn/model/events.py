"""The event: one fact about a community, validated on the way in.

Events name everything by stable text keys — the community slug, the group slug, identity
keys ``platform:user_id`` — never by database ids. The log therefore means the same thing
after a rebuild, an export, or a move to another store.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from shequn.errors import InvalidEvent
from shequn.model.i18n import Said
from shequn.model.kinds import COMMON_FIELDS, KINDS
from shequn.model.kindspec import DataField, KindSpec

_IDENTITY = re.compile(r"^[a-z][a-z0-9_.-]{0,31}:\S.*$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
_COMMON = {f.name: f for f in COMMON_FIELDS}
MAX_KEY = 255
"""Longest source, source_ref and identity key the store holds."""
TOP_LEVEL = (
    "kind",
    "occurred_at",
    "community",
    "group",
    "actor",
    "subject",
    "source",
    "source_ref",
    "data",
)

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
"""No chat platform has a message older than this: an earlier time is a broken clock or a
broken export, and would stretch every chart back to it."""


def _future_margin() -> timedelta:
    raw = os.environ.get("SHEQUN_FUTURE_MARGIN_HOURS", "24")
    try:
        hours = float(raw)
    except ValueError:
        hours = -1.0
    if not 0 <= hours <= 24 * 366:
        raise InvalidEvent(
            Said(
                "SHEQUN_FUTURE_MARGIN_HOURS={raw!r} is not a number of hours between 0 and 8784",
                raw=raw,
            ),
            field="SHEQUN_FUTURE_MARGIN_HOURS",
        )
    return timedelta(hours=hours)


FUTURE_MARGIN = _future_margin()
"""How far ahead of this machine's clock an event may be (clocks drift; time zones get
mislabelled). Further is refused: the log is append-only, and one event in 2099 would move
"today" of every report there. ``SHEQUN_FUTURE_MARGIN_HOURS`` sets it [24]."""


def _too_long(field_name: str) -> Said:
    return Said("{field} is longer than {n} characters", field=field_name, n=MAX_KEY)


def identity_key(platform: str, user_id: str | int) -> str:
    """The text key of an identity: ``telegram:12345``, ``wechat:wxid_abc``."""
    return f"{platform.strip().lower()}:{user_id}"


def check_identity_key(value: str, field_name: str) -> str:
    if len(value) > MAX_KEY:
        raise InvalidEvent(_too_long(field_name), field=field_name)
    if not _is_identity(value):
        raise InvalidEvent(
            Said(
                "{field} {value!r} is not an identity key like 'wechat:wxid_abc' "
                "(lower-case platform, a colon, the platform's user id)",
                field=field_name,
                value=value,
            ),
            field=field_name,
        )
    return value


def hash_phone(phone: str) -> str:
    """SHA-256 of the phone's digits: equal phones compare equal, the number is not stored."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 5:
        raise InvalidEvent(
            Said("data.phone {phone!r} has too few digits", phone=phone), field="data.phone"
        )
    return hashlib.sha256(digits.encode()).hexdigest()


# Keys repeat across millions of events (a few slugs, thousands of people): remember the
# ones already checked instead of running the regex each time.
@lru_cache(maxsize=65_536)
def _is_identity(value: str) -> bool:
    return _IDENTITY.match(value) is not None


@lru_cache(maxsize=4_096)
def _is_slug(value: str) -> bool:
    return _SLUG.match(value) is not None


def parse_time(value: object, field_name: str = "occurred_at") -> datetime:
    """An aware datetime in UTC, from a datetime or an ISO 8601 string with an offset."""
    if isinstance(value, datetime) and value.tzinfo is UTC:
        return value
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidEvent(
                Said(
                    "{field} {value!r} is not an ISO 8601 time such as 2026-03-02T09:15:00+08:00",
                    field=field_name,
                    value=value,
                ),
                field=field_name,
            ) from None
    if not isinstance(value, datetime):
        raise InvalidEvent(
            Said("{field} must be an ISO 8601 string", field=field_name), field=field_name
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidEvent(
            Said(
                "{field} {value!r} has no time zone: add an offset such as +08:00 or Z",
                field=field_name,
                value=value.isoformat(),
            ),
            field=field_name,
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+14:00 has no UTC counterpart
        raise InvalidEvent(
            Said(
                "{field} {value!r} is out of the range of representable times",
                field=field_name,
                value=value.isoformat(),
            ),
            field=field_name,
        ) from None


def check_event_time(at: datetime, *, now: datetime | None = None) -> datetime:
    """``at`` if a real event can have happened then: not before :data:`EARLIEST`, not more
    than :data:`FUTURE_MARGIN` after ``now`` (this machine's clock by default)."""
    if at < EARLIEST:
        raise InvalidEvent(
            Said(
                "occurred_at {at} is before {earliest}: no chat platform has such a record (a "
                "broken clock or export?)",
                at=at.isoformat(),
                earliest=str(EARLIEST.date()),
            ),
            field="occurred_at",
        )
    latest = (now or datetime.now(UTC)) + FUTURE_MARGIN
    if at > latest:
        raise InvalidEvent(
            Said(
                "occurred_at {at} is in the future (later than {latest}; the margin is "
                "SHEQUN_FUTURE_MARGIN_HOURS)",
                at=at.isoformat(),
                latest=latest.isoformat(),
            ),
            field="occurred_at",
        )
    return at


@dataclass(slots=True)
class Event:
    """One fact. Construct it and it is validated; a bad event raises :class:`InvalidEvent`."""

    kind: str
    occurred_at: datetime
    community: str
    source: str
    source_ref: str
    group: str | None = None
    actor: str | None = None
    subject: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        spec = KINDS.get(self.kind)
        if spec is None:
            raise InvalidEvent(
                Said(
                    "unknown event kind {kind!r} (see docs/events.md for the vocabulary)",
                    kind=self.kind,
                ),
                field="kind",
            )
        self.occurred_at = check_event_time(parse_time(self.occurred_at))
        for name in ("community", "source", "source_ref"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise InvalidEvent(Said("{field} is missing", field=name), field=name)
            if len(value) > MAX_KEY:
                raise InvalidEvent(_too_long(name), field=name)
        if not _is_slug(self.community):
            raise InvalidEvent(
                Said("community {slug!r} is not a slug", slug=self.community), field="community"
            )
        if self.group is not None and not _is_slug(self.group):
            raise InvalidEvent(Said("group {slug!r} is not a slug", slug=self.group), field="group")
        if spec.group_required and self.group is None:
            raise InvalidEvent(Said("{kind} needs a group", kind=self.kind), field="group")
        self._check_party("actor", spec.actor_required)
        self._check_party("subject", spec.subject_required)
        if not isinstance(self.data, dict):
            raise InvalidEvent(Said("data must be a JSON object"), field="data")
        if "phone" in self.data:
            self.data["phone_sha256"] = hash_phone(str(self.data.pop("phone")))
        _check_data(spec, self.data)
        if self.kind == "member.joined" and self.data.get("inviter") is not None:
            check_identity_key(self.data["inviter"], "data.inviter")

    def _check_party(self, name: str, required: bool) -> None:
        value = getattr(self, name)
        if value is None:
            if required:
                raise InvalidEvent(
                    Said("{kind} needs an actor", kind=self.kind)
                    if name == "actor"
                    else Said("{kind} needs a subject", kind=self.kind),
                    field=name,
                )
            return
        if not isinstance(value, str):
            raise InvalidEvent(
                Said("{field} must be a string identity key", field=name), field=name
            )
        check_identity_key(value, name)

    @classmethod
    def checked_before(
        cls,
        kind: str,
        occurred_at: datetime,
        community: str,
        source: str,
        source_ref: str,
        group: str | None,
        actor: str | None,
        subject: str | None,
        data: dict[str, Any],
    ) -> Event:
        """An event that passed :meth:`__post_init__` already (in the import's reader process,
        whose events come back pickled): rebuilt without checking it a second time, which
        would cost more than storing it. ``occurred_at`` must be in UTC. Never for outside
        input: that goes through the constructor."""
        event = object.__new__(cls)
        event.kind, event.occurred_at, event.community = kind, occurred_at, community
        event.source, event.source_ref, event.group = source, source_ref, group
        event.actor, event.subject, event.data = actor, subject, data
        return event

    def sibling(
        self,
        kind: str,
        source_ref: str,
        group: str | None = None,
        actor: str | None = None,
        subject: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Event:
        """Another event of the same fact as this checked one: its time, community and
        source. Only what differs is checked — kind, ref, group and the identity keys — and
        ``data`` not at all: it must be the engine's own, built from checked values, never
        outside input (a knock at the door builds three events; issue 22). Anything the
        short check would let through wrongly goes through the constructor instead."""
        spec = KINDS.get(kind)
        if (
            spec is None
            or not source_ref
            or len(source_ref) > MAX_KEY
            or (group is None and spec.group_required)
            or (group is not None and not _is_slug(group))
        ):
            return Event(kind, self.occurred_at, self.community, self.source, source_ref,
                         group, actor, subject, data or {})  # fmt: skip  # says what is wrong
        event = Event.checked_before(kind, self.occurred_at, self.community, self.source,
                                     source_ref, group, actor, subject, data or {})  # fmt: skip
        event._check_party("actor", spec.actor_required)
        event._check_party("subject", spec.subject_required)
        return event

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> Event:
        """Build from the canonical JSON shape (docs/events.md); unknown top-level keys fail."""
        if not isinstance(obj, Mapping):
            raise InvalidEvent(Said("an event must be a JSON object"))
        extra = set(obj) - set(TOP_LEVEL)
        if extra:
            raise InvalidEvent(
                Said(
                    "unknown field(s) {extra}; an event has {fields}",
                    extra=", ".join(sorted(extra)),
                    fields=", ".join(TOP_LEVEL),
                ),
                field=sorted(extra)[0],
            )
        if "kind" not in obj:
            raise InvalidEvent(Said("{field} is missing", field="kind"), field="kind")
        if "occurred_at" not in obj:
            raise InvalidEvent(Said("{field} is missing", field="occurred_at"), field="occurred_at")
        return cls(
            kind=obj["kind"],
            occurred_at=obj["occurred_at"],
            community=obj.get("community"),  # type: ignore[arg-type]  # checked in __post_init__
            source=obj.get("source"),  # type: ignore[arg-type]
            source_ref=_ref(obj.get("source_ref")),
            group=obj.get("group"),
            actor=obj.get("actor"),
            subject=obj.get("subject"),
            data=dict(obj.get("data") or {}),
        )

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON shape; ``Event.from_dict(e.to_dict()) == e``."""
        return {
            "kind": self.kind,
            "occurred_at": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "community": self.community,
            "group": self.group,
            "actor": self.actor,
            "subject": self.subject,
            "source": self.source,
            "source_ref": self.source_ref,
            "data": self.data,
        }


def _ref(value: object) -> str:
    # Native ids are often numbers (Telegram message ids); keep them as text.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value  # type: ignore[return-value]  # validated in __post_init__


def _check_data(spec: KindSpec, data: dict[str, Any]) -> None:
    for req in spec.required_fields:
        if data.get(req.name) is None:
            raise InvalidEvent(
                Said(
                    "{kind} needs data.{name} ({doc})", kind=spec.kind, name=req.name, doc=req.doc
                ),
                field=f"data.{req.name}",
            )
    for name, value in data.items():
        f: DataField | None = spec.by_name.get(name) or _COMMON.get(name)
        if f is None or value is None:
            continue  # extra, platform-specific fields are kept as they are
        if not isinstance(value, f.types) or (bool not in f.types and isinstance(value, bool)):
            wanted = " or ".join(t.__name__ for t in f.types)
            raise InvalidEvent(
                Said(
                    "data.{name} must be {wanted}, got {got}",
                    name=name,
                    wanted=wanted,
                    got=type(value).__name__,
                ),
                field=f"data.{name}",
            )
        if f.choices and value not in f.choices:
            raise InvalidEvent(
                Said(
                    "data.{name} {value!r} is not one of {choices}",
                    name=name,
                    value=value,
                    choices=", ".join(f.choices),
                ),
                field=f"data.{name}",
            )
