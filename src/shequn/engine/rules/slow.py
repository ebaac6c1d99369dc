"""Slow mode for a while, as two actions: on now, off when the while is over.

Used by over-activity damping (a buried post) and by the ladder (a step for a rule in
``[rules.ladder] slow_mode_rules``, e.g. ``flood``). No bot API sets slow mode — Telegram's Bot
API only reads ``slow_mode_delay`` — so ``group.slow_mode`` is an operator task everywhere, its
instruction naming the seconds; the second action, due at the end, turns it off.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shequn.model.actions import Action


def slow_mode(
    community: str, group: str, now: datetime, *, seconds: int, minutes: float, reason: str
) -> list[Action]:
    """``group.slow_mode`` with ``seconds`` now and with 0 after ``minutes``."""
    until = now + timedelta(minutes=minutes)
    on = {"seconds": seconds, "until": until.isoformat(), "reason": reason}
    off = {"seconds": 0, "reason": f"{reason} over"}
    return [
        Action("group.slow_mode", community, now, group, on),
        Action("group.slow_mode", community, until, group, off),
    ]
