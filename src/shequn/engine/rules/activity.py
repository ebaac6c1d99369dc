"""Activities must be reported first (seed 004, 活动必须报备): the announcement detector and
the rule — pure.

An announcement names an event (聚会, 沙龙, meetup, workshop …) and gives what a reader needs
to come: a call to sign up, a time, a place. A message that only mentions an event ("was the
meetup fun?") scores below the threshold; an event word is required. The rule is broken when
the author announces one without an ``activity.reported`` for the group within
``report_days`` before the message (``reported``: the times of their reports).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from shequn.engine.rules.normalize import Folded
from shequn.engine.rules.verdict import Evidence, Verdict, clean
from shequn.model.blueprint_rules import Activities

RULE = "activity"

_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight|weekend"
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
# (signal, view, pattern, weight); Chinese on the folded ``compact`` view, English on ``text``.
SIGNALS: tuple[tuple[str, str, re.Pattern[str], float], ...] = (
    ("event", "compact", re.compile(
        "聚会|聚餐|沙龙|线下活动|活动|讲座|分享会|读书会|见面会|团建|徒步|爬山|约饭|组局|饭局"
        "|茶话会|研讨会|工作坊|露营|骑行|桌游|观影|直播课"), 0.6),
    ("event", "text", re.compile(
        r"\b(?:meetup|meet-up|meet up|party|workshop|webinar|gathering|hike|picnic|event"
        r"|get-together|dinner|drinks|seminar|talk night|book club)s?\b"), 0.6),
    ("signup", "compact", re.compile(
        "报名|名额|接龙|欢迎参加|欢迎大家|一起来|私信报名|扫码报名|限额|人均|aa制|费用"), 0.4),
    ("signup", "text", re.compile(
        r"\b(?:sign up|signup|register|rsvp|join us|tickets?|spots? left|places left"
        r"|come along|all welcome)\b"), 0.4),
    ("time", "compact", re.compile(
        r"(?:周|星期|礼拜)[一二三四五六日天末]|明天|后天|今晚|明晚|本周|下周"
        r"|\d{1,2}月\d{1,2}[日号]|[上下]午[\d一二三四五六七八九十]{1,3}点|\d{1,2}点"),
     0.3),
    ("time", "text", re.compile(
        rf"\b(?:{_DAYS})\b|\b\d{{1,2}}(?::\d{{2}})?\s?(?:am|pm)\b|\b\d{{1,2}}:\d{{2}}\b"
        rf"|\b(?:{_MONTHS})[a-z]*\.? \d{{1,2}}(?:st|nd|rd|th)?\b"), 0.3),
    ("place", "compact", re.compile("地点|地址|集合|场地|会场"), 0.3),
    ("place", "text", re.compile(r"\b(?:venue|location|address|meet at|meeting point)\b"), 0.3),
)  # fmt: skip


def announcement(folded: Folded, threshold: float) -> Verdict:
    """Does the folded message announce an event? Evidence: each signal's first match. A
    question ("明天有活动吗？") asks about one, it does not announce it."""
    found: dict[str, Evidence] = {}
    for signal, view, pattern, weight in SIGNALS:
        m = pattern.search(getattr(folded, view))
        if m is not None and signal not in found:
            found[signal] = Evidence(signal, m.group(), weight)
    score = round(sum(e.weight for e in found.values()), 3)
    asks = folded.text.rstrip().endswith("?")
    hit = "event" in found and score >= threshold and not asks
    return Verdict(RULE, hit, score, tuple(found.values()))


def unreported(
    folded: Folded, reported: Sequence[datetime], at: datetime, cfg: Activities
) -> Verdict:
    """The rule: an announcement at ``at`` with no report in the ``report_days`` before."""
    v = announcement(folded, cfg.threshold)
    since = at - timedelta(days=cfg.report_days)
    if not v.hit or any(since <= t <= at for t in reported):
        return clean(RULE)
    return v
