"""The connector protocol: what the worker hands a connector and what it gets back.

A connector maps every platform error onto one of three classes, in one place, so nothing
above it sees a platform's error codes:

    ConnectorError (a ShequnError)
    ├── Transient   not done; try again later (rate limit, server busy) — ``retry_after``
    ├── Permanent   not done and never will be (bot not admin, user blocked the bot)
    └── Uncertain   maybe done: a send timed out after the request left — a person decides
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from shequn.errors import ShequnError


class ConnectorError(ShequnError):
    """A platform call did not succeed; the subclass says whether trying again can help."""

    status = 502

    def __init__(self, reason: str, **fields: object) -> None:
        super().__init__(reason, **fields)
        self.reason = reason


class Transient(ConnectorError):
    """Not done this time; may work later. ``retry_after``: seconds the platform asked for."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason, retry_after=retry_after)
        self.retry_after = retry_after


class Permanent(ConnectorError):
    """Not done and retrying will not help; ``reason`` in plain words for the operator."""


class Uncertain(ConnectorError):
    """The call may have taken effect: a non-idempotent call must not simply be repeated."""


@dataclass(frozen=True, slots=True)
class Call:
    """One action as a connector sees it: what to do, where, and the text to send."""

    action_id: int
    kind: str
    community: str
    group: str | None
    target: str | None
    payload: dict[str, Any]
    idempotency_key: str
    text: str | None = None
    """The message rendered in the community's language (message kinds only)."""
    photo: bytes | None = None
    """The image to send, drawn at send time (``poster.send``: the member's poster PNG)."""


@dataclass(frozen=True, slots=True)
class Performed:
    """The platform's answer: its id for what was done (message id, link URL) and details."""

    platform_ref: str | None = None
    result: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rate:
    """At most ``count`` calls per ``per`` seconds, in bursts of up to ``count``."""

    count: int
    per: float

    @property
    def interval(self) -> float:
        return self.per / self.count


@dataclass(frozen=True, slots=True)
class Limits:
    """A connector's rate limits: per target chat (or person) and for the whole connector."""

    per_target: Rate | None = None
    overall: Rate | None = None
    per_target_kinds: frozenset[str] | None = None
    """The action kinds ``per_target`` counts (``None``: all): WeCom caps message tasks per
    customer, not the edits of a live code."""
    unpaced_templates: frozenset[str] = frozenset()
    """Message templates ``per_target`` does not count: WeCom's welcomes edit the group
    welcome template instead of sending a message task."""
    unpaced_keys: frozenset[str] = frozenset()
    """Payload keys that, when set, put an action outside ``per_target``: a reply to a
    member's command (``command``) through WeCom's app is no message task."""

    def paces(self, kind: str, payload: Mapping[str, object] | None = None) -> bool:
        """Whether an action of ``kind`` (with ``payload``) waits for its target's slot."""
        if self.per_target_kinds is not None and kind not in self.per_target_kinds:
            return False
        if any((payload or {}).get(key) for key in self.unpaced_keys):
            return False
        template = (payload or {}).get("template")
        return not (isinstance(template, str) and template in self.unpaced_templates)


class Connector(Protocol):
    """What the worker needs of a platform connector."""

    name: str
    kinds: frozenset[str]
    """The action kinds it performs; the others become operator tasks."""
    limits: Limits
    can_check: bool
    """Whether :meth:`check` can tell if an uncertain call took effect."""

    def perform(self, call: Call) -> Performed:
        """Do it, or raise :class:`Transient`, :class:`Permanent` or :class:`Uncertain`."""
        ...

    def check(self, call: Call) -> Performed | None:
        """Did an earlier attempt take effect? ``None``: certainly not (safe to repeat)."""
        ...

    def close(self) -> None: ...


DRY_RUN_KINDS = frozenset(
    {
        "message.send",
        "payment.request",
        "poster.send",
        "member.admit",
        "member.admit.cancel",
        "reward.revoke",
    }
)
"""What the dry-run connectors carry out; refunds, reviews and new groups need a person."""


def describe(call: Call) -> str:
    """One line saying what the call does, for people reading a dry run."""
    where = f"{call.community}/{call.group}" if call.group else call.community
    to = call.payload.get("to")
    whom = f" → {', '.join(to) if isinstance(to, list) else to}" if to else ""
    photo = f" [photo: {len(call.photo):,} bytes]" if call.photo is not None else ""
    if call.text is not None:
        return f"[{where}]{whom} {call.kind}:{photo} {call.text}"
    detail = " ".join(f"{k}={v}" for k, v in sorted(call.payload.items()) if k != "to")
    return f"[{where}]{whom} {call.kind} {detail}".rstrip()
