"""The talk metrics' message classification, computed once and shared (P-MEA-5, P-RUL-3).

``noise_vs_value``, ``noise_by_group`` and ``over_activity`` (``analytics/talk.py``, whose
module doc defines valuable, chatter and bursts) all start from the same classification of
every message in scope — a semi-join for the replies each message drew and eight
``lead`` / ``lag`` over each group's messages for the bursts, 0.7–1.0 CPU s at 2M events each
time. What they read of it fits in counts per group and local hour (:func:`hourly`): per
period is a sum of hours (a local hour lies within one local day), and over-activity is about
hours. So that is computed once for the replica's watermark and shared
(``portable.shared``); on Spark each metric computes it as before, from the same definition.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from shequn.analytics import portable
from shequn.analytics.scope import Scope
from shequn.model.i18n import Said


def hourly(
    con: Any,
    scope: Scope,
    last: date,
    long_reply: int,
    short: int,
    burst_messages: int,
    burst_minutes: int,
) -> Any:
    """Messages in scope counted per group and local hour: ``grp``, ``day`` (the hour's
    local day), ``hour`` (its start, naive local time), ``messages``, ``valuable``,
    ``chatter``; one row per hour with ≥ 1 message. Computed once per watermark, scope and
    parameters on the replica; queries built on it sum the counts."""
    c = classified(scope, last, long_reply, short, burst_messages, burst_minutes)
    hours = c.group_by(["grp", "day", c.local_at.truncate("h").name("hour")]).aggregate(
        messages=c.count(), valuable=c.count(where=c.valuable), chatter=c.count(where=c.chatter)
    )
    return portable.shared(con, hours)


def classified(
    scope: Scope, last: date, long_reply: int, short: int, burst_messages: int, burst_minutes: int
) -> Any:
    """One row per message in scope (``grp``, ``local_at``, ``day``, ``valuable``,
    ``chatter``), as an expression for both engines (``analytics/portable.py``).

    Bursts: a window of M minutes holding ≥ B messages and containing message i exists
    exactly when some run of B consecutive messages (in time order, ties by id) that includes
    i spans ≤ M minutes — lead/lag over ROWS instead of RANGE frames. The span is compared as
    ``first + M minutes >= last`` (a timestamp plus an interval, the same on both engines and
    exact to the microsecond; no timestamp subtraction, whose type differs between them)."""
    import ibis  # lazy: only metrics need it

    if burst_messages < 1:
        raise ValueError(Said("burst_messages must be at least 1"))
    t = portable.ev()
    posted = t.kind == "message.posted"
    msgs = t.filter(*portable.in_scope(t, replace(scope, until=last)), posted, t.grp.notnull())
    everywhere = t.filter(
        *portable.in_scope(t, Scope(scope.community, until=last)),
        posted,
        t.to_id.notnull(),
        ~t.person.identical_to(t.to_person),
    )
    # drew: replied to by someone else than its author (one semi-join, read three times)
    msgs = msgs.mutate(drew=msgs.id.isin(everywhere.to_id), reply=msgs.reply_to.notnull())
    drew, reply = msgs.drew, msgs.reply
    flagged = msgs.select(
        "id",
        "grp",
        "occurred_at",
        "local_at",
        "day",
        valuable=(msgs.is_question & drew)
        | msgs.has_link
        | drew
        | (reply & (msgs.length.fill_null(0) >= int(long_reply))),
        quiet=(msgs.length < int(short)).fill_null(False)
        & ~reply
        & ~msgs.has_link
        & ~msgs.has_media
        & ~drew,
    )
    w = ibis.window(group_by=flagged.grp, order_by=[flagged.occurred_at, flagged.id])
    b, span = int(burst_messages), ibis.interval(minutes=int(burst_minutes))

    def shifted(ahead: int) -> Any:  # occurred_at `ahead` rows later (< 0: earlier)
        at = flagged.occurred_at
        return at if ahead == 0 else (at.lead(ahead) if ahead > 0 else at.lag(-ahead)).over(w)

    runs = [shifted(ahead) <= shifted(ahead - b + 1) + span for ahead in range(b)]
    burst = ibis.or_(*runs) if len(runs) > 1 else runs[0]
    return flagged.select(
        "grp", "local_at", "day", "valuable", chatter=flagged.quiet & burst.fill_null(False)
    )
