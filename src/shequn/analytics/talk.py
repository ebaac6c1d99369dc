"""Noise versus value, over-activity and concentration of talk (P-MEA-5, P-RUL-3).

Seed 003: over-activity is "why 90% of groups die" — a few members chat to be seen, others
follow, the valuable information is buried and the key members leave. These metrics measure
it from ``message.posted`` events.

The definitions live in ``model/talk.py`` (the engine's over-activity damping uses them too);
this module is their SQL; the classification they share is ``analytics/talk_classes.py``
(computed once per replica watermark). Every message in scope is classified (replies resolve
``data.reply_to`` to a message's ``source_ref`` in the same ``source``, at sync: the reply
keeps its message's id and author, ``to_id`` / ``to_person``, ``analytics/materialise.py``;
a *reply drawn* is a reply by someone else):

valuable
    a question (``is_question``) that got an answer (a reply by someone else), or a message
    with ``has_link``, or a reply (has ``reply_to``) with ``length`` ≥ L [50], or a message
    that drew ≥ 1 reply.
chatter
    ``length`` < S [15] (unknown length is not short), no ``reply_to``, no link, no media,
    drew no reply, and sent within a burst: ≥ B [5] messages of the group within M [3]
    minutes (some window of M minutes containing the message holds ≥ B messages).
neutral
    everything else (chatter and valuable are disjoint by construction).

Merged identities are one person. Replies are looked for up to the as-of day.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from shequn.analytics import portable
from shequn.analytics.leaders import key_behaviour_leaders
from shequn.analytics.registry import Metric
from shequn.analytics.scope import DEFAULT_ACTIVE_KINDS, Scope, as_of
from shequn.analytics.talk_classes import hourly
from shequn.model.i18n import Said
from shequn.model.talk import BURST_MESSAGES, BURST_MINUTES, LONG_REPLY, SHORT

PERIODS = ("day", "week", "month")


@dataclass(frozen=True, slots=True)
class TalkMix:
    period_start: date  # local day; Monday for weeks, the 1st for months
    messages: int
    valuable: int
    chatter: int
    chatter_share: float | None  # chatter / messages; None when no messages


@dataclass(frozen=True, slots=True)
class OverActivityAlert:
    group: str
    hour: datetime  # start of the community-local hour (naive local time)
    messages: int
    chatter_share: float
    quieting_key_members: list[str]  # key members whose activity dropped in the week after


@dataclass(frozen=True, slots=True)
class Concentration:
    group: str
    posters: int
    messages: int
    gini: float  # 0 = everyone posts equally; → 1 = one poster says everything
    top10_share: float  # share of messages by the top ceil(10% of posters)
    half_of_messages_by: int  # fewest posters who together wrote ≥ 50% of messages


def noise_vs_value(
    con: Any,
    scope: Scope,
    *,
    period: str = "day",
    long_reply: int = LONG_REPLY,
    short: int = SHORT,
    burst_messages: int = BURST_MESSAGES,
    burst_minutes: int = BURST_MINUTES,
) -> list[TalkMix]:
    """Messages, valuable, chatter and chatter share per local ``period`` (day, week, month).

    ``chatter_share = chatter / messages`` (P-MEA-5, P-RUL-3). Defined once for both engines
    (``analytics/portable.py``): the engine counts, the share is taken here."""
    mixes = _mixes(con, scope, period, False, long_reply, short, burst_messages, burst_minutes)
    return mixes.get(None, [])


def noise_by_group(
    con: Any,
    scope: Scope,
    *,
    period: str = "day",
    long_reply: int = LONG_REPLY,
    short: int = SHORT,
    burst_messages: int = BURST_MESSAGES,
    burst_minutes: int = BURST_MINUTES,
) -> dict[str, list[TalkMix]]:
    """:func:`noise_vs_value` of every group in scope, in one pass over the messages: for a
    scope with an as-of day, ``noise_by_group(con, s)[g] == noise_vs_value(con,
    s.with_group(g))`` (bursts are within a group, and replies are looked for community-wide
    either way). What the diagnosis asks of each group (``plan/facts.py``)."""
    mixes = _mixes(con, scope, period, True, long_reply, short, burst_messages, burst_minutes)
    return {g: rows for g, rows in mixes.items() if g is not None}


def _mixes(
    con: Any,
    scope: Scope,
    period: str,
    by_group: bool,
    long_reply: int,
    short: int,
    burst_messages: int,
    burst_minutes: int,
) -> dict[str | None, list[TalkMix]]:
    """Talk mixes per period, under the key ``None``, or per group."""
    if period not in PERIODS:
        raise ValueError(
            Said(
                "period must be one of {names}, not {period!r}",
                names=", ".join(PERIODS),
                period=period,
            )
        )
    last = as_of(con, scope)
    if last is None:
        return {}
    h = hourly(con, scope, last, long_reply, short, burst_messages, burst_minutes)
    keys = {"p": portable.period(h.day, period)}
    if by_group:
        keys = {"g": h.grp, **keys}
    counts = h.group_by(**keys).aggregate(
        n=h.messages.sum(), v=h.valuable.sum(), ch=h.chatter.sum()
    )
    out: dict[str | None, list[TalkMix]] = {}
    for *g, p, n, v, ch in portable.fetch(con, counts.order_by(list(keys))):
        n, v, ch = int(n), int(v), int(ch)
        out.setdefault(g[0] if g else None, []).append(
            TalkMix(p, n, v, ch, round(ch / n, 4) if n else None)
        )
    return out


def over_activity(
    con: Any,
    scope: Scope,
    *,
    messages_per_hour: int = 30,
    factor: float = 3.0,
    chatter_share: float = 0.6,
    key_members: int = 10,
    quiet_days: int = 7,
    quiet_drop: float = 0.5,
    long_reply: int = LONG_REPLY,
    short: int = SHORT,
    burst_messages: int = BURST_MESSAGES,
    burst_minutes: int = BURST_MINUTES,
) -> list[OverActivityAlert]:
    """Group-hours that are far above the group's own median and mostly chatter (P-RUL-3).

    Alert when ``messages ≥ messages_per_hour`` [30] and ``messages ≥ factor`` [3] ×
    the median of the group's hourly message counts (over local hours with ≥ 1 message), and
    ``chatter / messages ≥ chatter_share`` [0.6].

    ``quieting_key_members``: of the group's ``key_members`` [10] top key behaviour leaders
    (scored over the scope without decay), those with ≥ 3 active events in the ``quiet_days``
    [7] before the alert hour and at most ``quiet_drop`` [0.5] × that many in the
    ``quiet_days`` after it. Empty when that after-window runs past the as-of day.

    Defined once for both engines (``analytics/portable.py``): the engine counts messages and
    chatter per group-hour and takes each group's median (of integers: a whole or half number,
    exact on both engines — DuckDB's ``quantile_cont``, Spark's ``median``); it returns only
    the hours with ≥ ``messages_per_hour`` messages (an integer bound). The thresholds are
    compared here: in SQL, a float parameter is DECIMAL on one engine and DOUBLE on the other.
    (Fetching every group-hour to take the medians in Python cost 2× the old query at 1M
    events: hundreds of thousands of rows.)
    """
    last = as_of(con, scope)
    if last is None:
        return []
    h = hourly(con, scope, last, long_reply, short, burst_messages, burst_minutes)
    hours = h.group_by(["grp", "hour"]).aggregate(
        messages=h.messages.sum(), chatter=h.chatter.sum()
    )
    medians = hours.group_by("grp").aggregate(med=hours.messages.median())
    busy = hours.filter(hours.messages >= math.ceil(messages_per_hour)).join(medians, "grp")
    rows = [
        (g, h, int(n), int(ch))
        for g, h, n, ch, med in portable.fetch(con, busy.order_by(["grp", "hour"]))
        if n >= messages_per_hour and n >= factor * float(med) and ch >= chatter_share * n
    ]
    if not rows:
        return []
    quieting = _quieting(con, scope, last, rows, key_members, quiet_days, quiet_drop)
    return [
        OverActivityAlert(g, h, n, round(ch / n, 4), sorted(quieting.get((g, h), ())))
        for g, h, n, ch in rows
    ]


def _quieting(
    con: Any,
    scope: Scope,
    last: date,
    alerts: list[tuple[Any, ...]],
    key_members: int,
    quiet_days: int,
    quiet_drop: float,
) -> dict[tuple[str, datetime], list[str]]:
    """(group, hour) -> key members whose activity dropped after the alert hour.

    The engine counts the key members' active events per local hour, over the span the
    alerts' windows cover; the windows are sums of those hours here (they start and end on
    local hours, so this is exact)."""
    end = datetime.combine(last + timedelta(days=1), datetime.min.time())
    window, hour = timedelta(days=quiet_days), timedelta(hours=1)
    full = [(g, h) for g, h, *_ in alerts if h + hour + window <= end]
    leaders = key_behaviour_leaders(con, scope, top=key_members, half_life_days=None)
    keys: dict[str, list[str]] = {}
    for x in leaders:
        keys.setdefault(x.group, []).append(x.person)
    full = [(g, h) for g, h in full if g in keys]
    if not full:
        return {}
    t = portable.ev()
    acts = t.filter(
        t.community == scope.community,
        t.grp.isin(sorted(keys)),
        t.person.isin(sorted({p for ps in keys.values() for p in ps})),
        t.kind.isin(DEFAULT_ACTIVE_KINDS),
        t.local_at >= min(h for _, h in full) - window,
        t.local_at < max(h for _, h in full) + hour + window,
    )
    per = acts.group_by(["grp", "person", acts.local_at.truncate("h").name("hour")]).aggregate(
        n=acts.count()
    )
    active: dict[tuple[str, str], _Hours] = {}
    for g, person, h, n in portable.fetch(con, per.order_by(["grp", "person", "hour"])):
        active.setdefault((g, person), _Hours()).add(h, int(n))
    none = _Hours()
    out: dict[tuple[str, datetime], list[str]] = {}
    for g, h in full:
        for person in keys[g]:
            seen = active.get((g, person), none)
            before = seen.between(h - window, h)
            after = seen.between(h + hour, h + hour + window)
            if before >= 3 and after <= quiet_drop * before:
                out.setdefault((g, h), []).append(person)
    return out


class _Hours:
    """One key member's active events per hour, added in time order, answering how many fall
    in ``[start, end)`` by two binary searches over running totals: with many alerts (every
    busier hour, as looser parameters give) summing each member's hours per alert was the
    metric's whole cost (380,843 alerts at 2M events: > 117 CPU s, now 9; docs/scale.md)."""

    def __init__(self) -> None:
        self.at: list[datetime] = []
        self.total = [0]  # total[i]: events in the first i hours

    def add(self, at: datetime, n: int) -> None:
        self.at.append(at)
        self.total.append(self.total[-1] + n)

    def between(self, start: datetime, end: datetime) -> int:
        return self.total[bisect_left(self.at, end)] - self.total[bisect_left(self.at, start)]


def concentration(con: Any, scope: Scope) -> list[Concentration]:
    """How concentrated each group's talk is among its posters (P-MEA-5).

    With message counts per poster x₁ ≤ … ≤ xₙ (posters = members with ≥ 1 message),
    ``gini = 2·Σ i·xᵢ / (n·Σ xᵢ) − (n + 1)/n``; ``top10_share`` = messages of the
    ceil(0.1·n) biggest posters / all messages; ``half_of_messages_by`` = the smallest m such
    that the m biggest posters wrote ≥ 50% of the messages. Defined once for both engines
    (``analytics/portable.py``): the engine returns integer sums, the ratios are taken here.

    The three sums depend only on the sorted counts, never on which of two equal counts comes
    first, so posters with the same count are taken together (:func:`_by_count`): the ranks
    are windows over a group's distinct counts, a few hundred rows, not over every poster
    (two sorts of 193k posters were 0.2 of the query's 0.34 CPU s at 2M events; docs/scale.md).
    """
    last = as_of(con, scope)
    if last is None:
        return []
    t, who = portable.ev(con), portable.who(con)
    posts = t.filter(
        *portable.in_scope(t, replace(scope, until=last)),
        t.kind == "message.posted",
        t[who].notnull(),
        t.grp.notnull(),
    )
    per = posts.group_by(["grp", who]).aggregate(n=posts.count())
    sums = _by_count(per.group_by(["grp", "n"]).aggregate(c=per.count()))
    return [
        Concentration(
            g,
            int(p),
            int(total),
            round(2.0 * int(w) / (p * total) - (p + 1.0) / p, 4),
            round(int(top) / total, 4),
            int(half),
        )
        for g, p, total, w, top, half in portable.fetch(con, sums.order_by("grp"))
    ]


def _by_count(blocks: Any) -> Any:
    """Per group (``grp``): posters, total and concentration's three integer sums, from
    ``blocks``: ``c`` posters wrote ``n`` messages each (one row per group and count).

    In ascending order a block holds ranks ``below + 1 … below + c``, so it adds
    ``n·(c·below + c(c+1)/2)`` to Σ i·xᵢ. Of the top ``k = ceil(posters/10)`` (descending)
    it holds ``clamp(k − above, 0, c)``, ``above`` being the posters with more messages. Its
    j-th poster (j = 0 … c−1) in descending order has ``before = above_sum + j·n`` messages
    ahead of it and counts in ``half`` while ``2·before < total``: ``clamp(ceil(a / 2n), 0,
    c)`` of them, ``a = total − 2·above_sum``. Integer divisions of numbers below 2⁵³ (Ibis
    may divide in floating point there: exact for them)."""
    import ibis  # lazy: only metrics need it

    whole = {"group_by": "grp"}
    up_to = ibis.cumulative_window(order_by="n", **whole)  # counts are distinct in a group
    weight = blocks.c * blocks.n
    r = blocks.mutate(
        below=blocks.c.sum().over(up_to) - blocks.c,
        below_sum=weight.sum().over(up_to) - weight,
        posters=blocks.c.sum().over(**whole),
        total=weight.sum().over(**whole),
    )
    above = r.posters - r.below - r.c
    above_sum = r.total - r.below_sum - r.c * r.n

    def clamp(x: Any) -> Any:
        return ibis.greatest(ibis.least(x, r.c), 0)

    return r.group_by(["grp", "posters", "total"]).aggregate(
        weighted=(r.n * (r.c * r.below + r.c * (r.c + 1) // 2)).sum(),
        top=(r.n * clamp((r.posters + 9) // 10 - above)).sum(),
        half=clamp((r.total - 2 * above_sum + 2 * r.n - 1) // (2 * r.n)).sum(),
    )


_CLASSIFY = {
    "long_reply": LONG_REPLY,
    "short": SHORT,
    "burst_messages": BURST_MESSAGES,
    "burst_minutes": BURST_MINUTES,
}

METRICS = (
    Metric(
        "noise_vs_value",
        "Messages per period classified valuable / chatter, and the chatter share",
        ("P-MEA-5", "P-RUL-3"),
        noise_vs_value,
        {"period": "day", **_CLASSIFY},
    ),
    Metric(
        "over_activity",
        "Group-hours far above the group's median and mostly chatter, with key members who "
        "went quiet afterwards",
        ("P-RUL-3", "P-MEA-5"),
        over_activity,
        {
            "messages_per_hour": 30,
            "factor": 3.0,
            "chatter_share": 0.6,
            "key_members": 10,
            "quiet_days": 7,
            "quiet_drop": 0.5,
            **_CLASSIFY,
        },
    ),
    Metric(
        "concentration",
        "Concentration of talk per group: Gini of messages per poster, top-10% share, "
        "posters who write half the messages",
        ("P-MEA-5",),
        concentration,
        {},
    ),
)
