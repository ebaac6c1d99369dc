"""Turning the model's facts into :class:`Event` objects, fast, in time order.

The simulator is also the benchmark data generator, so it must produce hundreds of thousands
of events a second. ``Event(...)`` validates every field (regexes, time-zone conversion,
the data schema) at roughly 90,000 events/s — slower than the whole model. The simulator's
events come from a handful of fixed templates whose validity a test checks, so by default they
are built without re-validation (``validate=False``); ``validate=True`` runs the full check on
every event for the paranoid. Nothing else changes: the objects are ordinary ``Event``s.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from shequn.model.events import Event

Row = tuple[float, int, str, str | None, str | None, str | None, str, dict[str, Any]]
"""(timestamp, sequence, kind, group, actor, subject, source_ref, data) — sortable by time."""

_new = object.__new__
_fromts = datetime.fromtimestamp


class DayBuffer:
    """One day's events; :meth:`flush` returns them sorted by time, as Events."""

    __slots__ = ("community", "n", "rows", "source", "validate")

    def __init__(self, community: str, source: str, *, validate: bool) -> None:
        self.community, self.source, self.validate = community, source, validate
        self.rows: list[Row] = []
        self.n = 0

    def emit(
        self,
        ts: float,
        kind: str,
        group: str | None,
        actor: str | None,
        data: dict[str, Any],
        subject: str | None = None,
    ) -> str:
        """Queue one event and return its ``source_ref`` (a reply or reaction points at it)."""
        self.n += 1
        ref = f"e{self.n}"
        self.rows.append((ts, self.n, kind, group, actor, subject, ref, data))
        return ref

    def flush(self) -> list[Event]:
        rows, self.rows = self.rows, []
        rows.sort()
        community, source = self.community, self.source
        if self.validate:
            return [
                Event(
                    kind=k,
                    occurred_at=_fromts(ts, UTC),
                    community=community,
                    source=source,
                    source_ref=ref,
                    group=g,
                    actor=a,
                    subject=s,
                    data=d,
                )
                for ts, _, k, g, a, s, ref, d in rows
            ]
        out = []
        for ts, _, k, g, a, s, ref, d in rows:
            e = _new(Event)
            e.kind, e.occurred_at, e.community, e.source, e.source_ref = (
                k,
                _fromts(ts, UTC),
                community,
                source,
                ref,
            )
            e.group, e.actor, e.subject, e.data = g, a, s, d
            out.append(e)
        return out


_ZH_FAMILY = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
)
_ZH_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "晓东",
    "思远",
    "雨桐",
    "子涵",
    "欣怡",
    "浩然",
    "梓萱",
    "一诺",
    "佳琪",
    "宇航",
    "诗雨",
    "俊杰",
    "晓雯",
    "文博",
    "嘉怡",
    "志强",
    "海燕",
    "晨曦",
]
_ZH_NICK = ("阿", "小", "老")
_EN_FIRST = [
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Ava",
    "Ethan",
    "Sophia",
    "Mason",
    "Mia",
    "Lucas",
    "Amelia",
    "Leo",
    "Harper",
    "James",
    "Ella",
    "Ben",
    "Chloe",
    "Sam",
    "Grace",
    "Daniel",
    "Zoe",
    "Ryan",
    "Nora",
    "Adam",
    "Lily",
    "Omar",
    "Priya",
    "Ravi",
    "Mei",
    "Kenji",
    "Ana",
    "Luis",
]
_EN_LAST = [
    "Smith",
    "Johnson",
    "Brown",
    "Garcia",
    "Miller",
    "Davis",
    "Wilson",
    "Taylor",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Patel",
    "Nguyen",
    "Kim",
    "Chen",
    "Singh",
    "Silva",
    "Rossi",
]


def display_name(rng: random.Random, language: str) -> str:
    """A plausible chat display name: 王芳 / 小雯 for ``zh``, Emma Clark / Ben for ``en``."""
    if language == "zh":
        given = rng.choice(_ZH_GIVEN)
        if rng.random() < 0.15:
            return rng.choice(_ZH_NICK) + given[-1]
        return rng.choice(_ZH_FAMILY) + given
    first = rng.choice(_EN_FIRST)
    return first if rng.random() < 0.2 else f"{first} {rng.choice(_EN_LAST)}"


EMOJI = ("👍", "❤️", "😂", "🙏", "👏", "🎉", "🤔")
TOPICS_ZH = ("读书笔记", "本周书单", "打卡心得", "讲座回放", "学习方法", "好文推荐")
TOPICS_EN = ("reading notes", "this week's list", "check-in tips", "talk replay", "how to study")
