"""The dead-group test as pure decisions (P-ENG-4, seed 001 Q&A 1: "send red envelopes to
test the waters; if they are not grabbed within one or two hours, the group is dead").

- :func:`decide_request` — the operator (or the diagnosis's move) asks for a test: an
  ``envelope.test_requested`` and an operator task to send the envelope, since no bot can
  send a red envelope on WeChat or QQ. Once per group and local day.
- :func:`decide_verdict` — ``test_hours`` after a test envelope (``redenvelope.sent`` with
  ``purpose = "dead_group_test"``) was sent, the grabs within the window are counted against
  its shares (its ``count``, else ``test_shares``): fewer members than shares → ``dead``,
  else ``alive``; ``envelope.judged`` keyed on the envelope makes it once. The life-cycle
  metric (analytics) reads the same envelope events.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shequn.engine.decisions import ENGINE_SOURCE, Decision, capped_ref
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event

PURPOSE = "dead_group_test"
"""``redenvelope.sent`` ``purpose`` of a test envelope (kinds.py lists it)."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """A test envelope as sent: where, when, its id and shares (None: not reported)."""

    group: str
    envelope: str
    sent_at: datetime
    shares: int | None
    sender: str | None = None


def decide_request(bp: Blueprint, group: str, now: datetime, actor: str | None) -> Decision:
    """Pure: ask for a test envelope in ``group`` — once a local day however often asked."""
    bp.group(group)
    cfg = bp.engagement.envelopes
    day = now.astimezone(ZoneInfo(bp.community.timezone)).date().isoformat()
    community = bp.community.slug
    data: dict[str, Any] = {"shares": cfg.test_shares, "hours": _number(cfg.test_hours), "day": day}
    event = Event("envelope.test_requested", now, community, ENGINE_SOURCE,
                  capped_ref(f"envelope-test:{community}:{group}:{day}"), group=group,
                  actor=actor, data=data)  # fmt: skip
    task = Action("redenvelope.send", community, now, group, {"purpose": PURPOSE, **data})
    return Decision([event], [task])


def decide_verdict(
    bp: Blueprint, test: Envelope, grabs: Collection[tuple[str, datetime]], now: datetime
) -> Decision:
    """Pure: the verdict on a test envelope once its window has passed (none before).
    ``grabs`` are (member, time) of its ``redenvelope.grabbed``; a member counts once and
    only within the window."""
    cfg = bp.engagement.envelopes
    closes = test.sent_at + timedelta(hours=cfg.test_hours)
    if now < closes:
        return Decision.none()
    shares = test.shares or cfg.test_shares
    grabbed = len({who for who, at in grabs if test.sent_at <= at <= closes})
    verdict = "dead" if grabbed < shares else "alive"
    community = bp.community.slug
    data = {"envelope": test.envelope, "verdict": verdict, "grabbed": grabbed, "shares": shares,
            "hours": _number(cfg.test_hours), "sent_at": test.sent_at.isoformat()}  # fmt: skip
    event = Event("envelope.judged", closes, community, ENGINE_SOURCE,
                  capped_ref(f"envelope-judged:{community}:{test.group}:{test.envelope}"),
                  group=test.group, subject=test.sender, data=data)  # fmt: skip
    return Decision(events=[event])


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


__all__ = ["PURPOSE", "Envelope", "decide_request", "decide_verdict"]
