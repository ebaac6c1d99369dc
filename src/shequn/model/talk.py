"""What counts as *valuable* and as *chatter* in a group (P-MEA-5, P-RUL-3): one definition
for the metrics (``analytics/talk.py``, in DuckDB SQL over the replica) and for the engine's
over-activity damping (``engine/rules/damping.py``, in Python over a group's last minutes).

Seed 003: over-activity is "why 90% of groups die" — a few members chat to be seen, the
valuable information is buried and the key members leave.

valuable
    a question that got an answer (a reply by someone else), or a message with a link, or a
    reply of ``LONG_REPLY`` characters or more, or a message that drew a reply.
chatter
    shorter than ``SHORT`` (unknown length is not short), no reply-to, no link, no media, drew
    no reply, and sent within a burst: ``BURST_MESSAGES`` messages of the group within
    ``BURST_MINUTES`` minutes (some window of that length containing the message holds them).

The SQL in ``analytics/talk.py`` implements exactly these predicates with these defaults;
``tests/test_talk_definitions.py`` classifies the log ``tests/test_analytics_talk.py`` worked
out by hand with these functions and expects the same counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

LONG_REPLY = 50
SHORT = 15
BURST_MESSAGES = 5
BURST_MINUTES = 3


@dataclass(frozen=True, slots=True)
class Said:
    """One message as the definitions see it."""

    at: datetime
    author: str
    length: int | None = None
    reply: bool = False
    link: bool = False
    media: bool = False
    question: bool = False
    drew: bool = False  # someone else replied to it
    source: str = ""
    ref: str = ""
    text: str = ""


def valuable(m: Said, long_reply: int = LONG_REPLY) -> bool:
    return (
        (m.question and m.drew) or m.link or m.drew or (m.reply and (m.length or 0) >= long_reply)
    )


def short_and_plain(m: Said, short: int = SHORT) -> bool:
    """Chatter but for the burst: short, not a reply, no link or media, drew no reply."""
    return (
        m.length is not None and m.length < short and not (m.reply or m.link or m.media or m.drew)
    )


def in_bursts(
    times: Sequence[datetime],
    burst_messages: int = BURST_MESSAGES,
    burst_minutes: float = BURST_MINUTES,
) -> list[bool]:
    """For each message of a group (times in order), whether it is within a burst: some run of
    ``burst_messages`` consecutive messages containing it spans at most ``burst_minutes``."""
    n, b, span = len(times), burst_messages, timedelta(minutes=burst_minutes)
    opens = [i + b - 1 < n and times[i + b - 1] - times[i] <= span for i in range(n)]
    return [any(opens[max(0, i - b + 1) : i + 1]) for i in range(n)]


def chatter(messages: Sequence[Said]) -> list[bool]:
    """Which of a group's messages (in time order) are chatter."""
    bursts = in_bursts([m.at for m in messages])
    return [short_and_plain(m) and burst for m, burst in zip(messages, bursts, strict=True)]
