"""Noise versus value, over-activity and concentration of talk (P-MEA-5, P-RUL-3).

Seed 003: over-activity is "why 90% of groups die" — a few members chat to be seen, others
follow, the valuable information is buried and the key members leave. These metrics measure
it from ``message.posted`` events.

The definitions live in ``model/talk.py`` (the engine's over-activity damping uses them too);
this module is their SQL. Every message in scope is classified (replies resolve
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

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from shequn.analytics import portable
from shequn.analytics.leaders import key_behaviour_leaders
from shequn.analytics.registry import Metric
from shequn.analytics.scope import DEFAULT_ACTIVE_KINDS, Scope, as_of, kinds_sql
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


def _classified(
    scope: Scope, last: date, long_reply: int, short: int, burst_messages: int, burst_minutes: int
) -> tuple[str, list[Any]]:
    """CTEs ending in ``classified`` (one row per message in scope, with ``valuable`` and
    ``chatter``), and their parameters. Integers are interpolated after ``int()``.

    Bursts: a window of M minutes holding ≥ B messages and containing message i exists
    exactly when some run of B consecutive messages (in time order) that includes i spans
    ≤ M minutes — two cheap ROWS windows instead of RANGE frames."""
    if burst_messages < 1:
        raise ValueError(Said("burst_messages must be at least 1"))
    where, params = replace(scope, until=last).where("x")
    everywhere, eparams = Scope(scope.community, until=last).where("x")
    b, minutes = int(burst_messages), int(burst_minutes)
    runs = " OR ".join(  # the run of B messages ending `ahead` rows after this one
        f"{_shifted('lead', ahead)} - {_shifted('lag', b - 1 - ahead)} <= INTERVAL {minutes} MINUTE"
        for ahead in range(b)
    )
    sql = f"""
    msgs AS (
        SELECT x.id, x.grp, x.person, x.occurred_at, x.local_at,
               x.length AS len, x.to_key IS NOT NULL AS reply, x.has_link AS link,
               x.has_media AS media, x.is_question AS question
        FROM ev x
        WHERE {where} AND x.kind = 'message.posted' AND x.grp IS NOT NULL
    ),
    drawn AS (  -- the messages replied to by someone else than their author, by id
        SELECT x.to_id FROM ev x
        WHERE {everywhere} AND x.kind = 'message.posted' AND x.to_id IS NOT NULL
          AND x.person IS DISTINCT FROM x.to_person
    ),
    drawing AS (
        SELECT m.*, m.id IN (SELECT to_id FROM drawn) AS drew FROM msgs m
    ),
    flagged AS (  -- everything but the burst, so that the window sorts few columns
        SELECT id, grp, occurred_at, local_at,
               (question AND drew) OR link OR drew
                 OR (reply AND coalesce(len, 0) >= {int(long_reply)}) AS valuable,
               coalesce(len < {int(short)}, false) AND NOT reply AND NOT link
                 AND NOT media AND NOT drew AS quiet
        FROM drawing
    ),
    classified AS (
        SELECT m.id, m.grp, m.local_at, m.valuable,
               m.quiet AND coalesce({runs}, false) AS chatter
        FROM flagged m
        WINDOW w AS (PARTITION BY m.grp ORDER BY m.occurred_at, m.id)
    )"""  # noqa: S608  # only placeholders and int()-checked numbers
    return sql, [*params, *eparams]


def _shifted(fn: str, rows: int) -> str:
    """``occurred_at`` ``rows`` messages later (``lead``) or earlier (``lag``) in the group."""
    return "m.occurred_at" if rows == 0 else f"{fn}(m.occurred_at, {rows}) OVER w"


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

    ``chatter_share = chatter / messages`` (P-MEA-5, P-RUL-3)."""
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
    ctes, params = _classified(scope, last, long_reply, short, burst_messages, burst_minutes)
    key = "grp" if by_group else "NULL"
    sql = f"""WITH {ctes}
        SELECT {key} AS g, CAST(date_trunc('{period}', local_at) AS DATE) AS p, count(*),
               count(*) FILTER (WHERE valuable), count(*) FILTER (WHERE chatter)
        FROM classified GROUP BY g, p ORDER BY g, p"""  # noqa: S608  # checked period, fixed key
    out: dict[str | None, list[TalkMix]] = {}
    for g, p, n, v, c in con.execute(sql, params).fetchall():
        out.setdefault(g, []).append(TalkMix(p, n, v, c, round(c / n, 4) if n else None))
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
    """
    last = as_of(con, scope)
    if last is None:
        return []
    ctes, params = _classified(scope, last, long_reply, short, burst_messages, burst_minutes)
    sql = f"""WITH {ctes},
        hours AS (
            SELECT grp, date_trunc('hour', local_at) AS hour, count(*) AS messages,
                   count(*) FILTER (WHERE chatter) AS chatter
            FROM classified GROUP BY grp, hour
        ),
        medians AS (SELECT grp, median(messages) AS med FROM hours GROUP BY grp)
        SELECT h.grp, h.hour, h.messages, h.chatter FROM hours h JOIN medians USING (grp)
        WHERE h.messages >= ? AND h.messages >= ? * medians.med
          AND h.chatter >= ? * h.messages
        ORDER BY h.grp, h.hour"""  # noqa: S608  # only placeholders and fixed SQL
    rows = con.execute(sql, [*params, messages_per_hour, factor, chatter_share]).fetchall()
    if not rows:
        return []
    quieting = _quieting(con, scope, last, rows, key_members, quiet_days, quiet_drop)
    return [
        OverActivityAlert(g, h, n, round(c / n, 4), sorted(quieting.get((g, h), ())))
        for g, h, n, c in rows
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
    """(group, hour) -> key members whose activity dropped after the alert hour."""
    end = datetime.combine(last + timedelta(days=1), datetime.min.time())
    window = timedelta(days=quiet_days)
    full = [(g, h) for g, h, *_ in alerts if h + timedelta(hours=1) + window <= end]
    leaders = key_behaviour_leaders(con, scope, top=key_members, half_life_days=None)
    keys = [(x.group, x.person) for x in leaders]
    if not full or not keys:
        return {}
    kinds, kparams = kinds_sql(DEFAULT_ACTIVE_KINDS)
    sql = f"""
        WITH a(grp, hour) AS (VALUES {", ".join("(?, CAST(? AS TIMESTAMP))" for _ in full)}),
        k(grp, person) AS (VALUES {", ".join("(?, ?)" for _ in keys)})
        SELECT a.grp, a.hour, k.person,
               count(x.id) FILTER (WHERE x.local_at < a.hour) AS before,
               count(x.id) FILTER (WHERE x.local_at >= a.hour + INTERVAL 1 HOUR) AS after
        FROM a JOIN k ON k.grp = a.grp
        LEFT JOIN ev x ON x.community = ? AND x.grp = a.grp AND x.person = k.person
             AND x.{kinds} AND x.local_at >= a.hour - to_days(CAST(? AS INTEGER))
             AND x.local_at < a.hour + INTERVAL 1 HOUR + to_days(CAST(? AS INTEGER))
        GROUP BY a.grp, a.hour, k.person"""  # noqa: S608  # only placeholders are interpolated
    args = [
        *[v for pair in full for v in pair],
        *[v for pair in keys for v in pair],
        scope.community,
        *kparams,
        quiet_days,
        quiet_days,
    ]
    out: dict[tuple[str, datetime], list[str]] = {}
    for g, h, person, before, after in con.execute(sql, args).fetchall():
        if before >= 3 and after <= quiet_drop * before:
            out.setdefault((g, h), []).append(person)
    return out


def concentration(con: Any, scope: Scope) -> list[Concentration]:
    """How concentrated each group's talk is among its posters (P-MEA-5).

    With message counts per poster x₁ ≤ … ≤ xₙ (posters = members with ≥ 1 message),
    ``gini = 2·Σ i·xᵢ / (n·Σ xᵢ) − (n + 1)/n``; ``top10_share`` = messages of the
    ceil(0.1·n) biggest posters / all messages; ``half_of_messages_by`` = the smallest m such
    that the m biggest posters wrote ≥ 50% of the messages. Defined once for both engines
    (``analytics/portable.py``): the engine returns integer sums, the ratios are taken here."""
    import ibis  # lazy: only metrics need it

    last = as_of(con, scope)
    if last is None:
        return []
    t = portable.ev()
    posts = t.filter(
        *portable.in_scope(t, replace(scope, until=last)),
        t.kind == "message.posted",
        t.person.notnull(),
        t.grp.notnull(),
    )
    per = posts.group_by(["grp", "person"]).aggregate(n=posts.count())
    by_group = {"group_by": "grp"}
    down_by = [per.n.desc(), per.person]
    down = ibis.window(order_by=down_by, **by_group)
    ranked = per.mutate(
        i_asc=ibis.row_number().over(order_by=[per.n, per.person], **by_group) + 1,
        i_desc=ibis.row_number().over(down) + 1,
        before=per.n.sum().over(ibis.cumulative_window(order_by=down_by, **by_group)) - per.n,
        posters=per.count().over(**by_group),
        total=per.n.sum().over(**by_group),
    )
    # ceil(0.1·n) = (n + 9) // 10 and before < total / 2 in integers: no float rounding
    sums = ranked.group_by(["grp", "posters", "total"]).aggregate(
        weighted=(ranked.i_asc * ranked.n).sum(),
        top=ranked.n.sum(where=ranked.i_desc * 10 <= ranked.posters + 9),
        half=ranked.count(where=ranked.before * 2 < ranked.total),
    )
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
