"""The group life cycle's queries (``analytics/lifecycle.py``) as Ibis expressions over ``ev``
(``analytics/portable.py``): one definition for the DuckDB replica and for Spark.

Two queries answer everything the stages need:

- :func:`groups` — one row per group: its birth, its meaningful activity in the windows and
  in its first days, and its members now and a window ago (people whose latest join, leave
  or removal up to that day was a join);
- :func:`envelopes` — per group, its latest dead-group test (``redenvelope.sent`` with
  ``purpose = "dead_group_test"``) and the engine's latest verdict (``envelope.judged``),
  each with the first grab of that envelope and the group's last meaningful event other
  than a grab; whether the envelope was grabbed in time and whether anything happened since
  is decided in Python (:func:`tests_and_verdicts`).

The replica's SQL asked the last two with a correlated ``EXISTS`` per envelope; here they are
aggregated joins (a grab at or before the deadline exists exactly when the first grab is at
or before it; something meaningful after the envelope exists exactly when the last such event
is after it), which both engines plan the same way. "Latest" never ties: the sent test is the
one with the largest event id, the verdict the latest by time and then by the larger id (ids
are unique), so both engines pick the same row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from shequn.analytics import portable
from shequn.analytics.scope import MEANINGFUL_KINDS, Scope

MEMBERSHIP_KINDS = ("member.joined", "member.left", "member.removed")
SINCE_KINDS = tuple(k for k in MEANINGFUL_KINDS if k != "redenvelope.grabbed")
"""What counts as activity after a dead-group test: meaningful, its own grabs aside."""

SENT, JUDGED = "redenvelope.sent", "envelope.judged"


def queries(
    con: Any, scope: Scope, *, last: date, cut: date, prev_cut: date, first_week: int
) -> tuple[str, str]:
    """The SQL of :func:`groups` and :func:`envelopes` for the engine behind ``con``.

    Built and compiled once per process for the same arguments: Ibis takes longer to build
    and compile the two than DuckDB takes to answer them on a small community (0.1–0.4 s,
    more on a loaded machine), and the dashboard and the report ask again on every page,
    before the replica's reused results (``results.Reusing``) can answer."""
    return _compiled(portable.dialect(con), scope, last, cut, prev_cut, first_week)


@dataclass(frozen=True, slots=True)
class _Engine:
    """All the expressions read of a connection: its SQL dialect."""

    dialect: str


@lru_cache(maxsize=64)
def _compiled(
    dialect: str, scope: Scope, last: date, cut: date, prev_cut: date, first_week: int
) -> tuple[str, str]:
    on = _Engine(dialect)
    chosen = groups(on, scope, last=last, cut=cut, prev_cut=prev_cut, first_week=first_week)
    return portable.sql(on, chosen), portable.sql(on, envelopes(on, scope))


def groups(
    con: Any, scope: Scope, *, last: date, cut: date, prev_cut: date, first_week: int
) -> Any:
    """Per group in scope (those with a join or a meaningful event), ordered by group:
    ``grp``, ``born`` (first such day), ``last_meaningful`` (day), ``events_last`` and
    ``active_last`` (meaningful events and people after ``cut``), ``active_prev`` (people in
    ``(prev_cut, cut]``), ``first_events`` and ``first_people`` (in the ``first_week`` days
    from birth), ``members_now`` and ``members_then`` (at the end of ``last`` and ``cut``).

    Counted per person first, then per group: a person was active in a window when they
    had an event in it, so the distinct counts are counts of people (the replica's SQL took
    three ``count(DISTINCT person) FILTER …`` over every event: three times slower)."""
    t = portable.ev()
    scoped = t.filter(*portable.in_scope(t, scope), t.grp.notnull())
    lives = scoped.filter(scoped.kind.isin((*MEANINGFUL_KINDS, "member.joined")))
    born = lives.group_by("grp").aggregate(born=lives.day.min())
    acts = scoped.filter(scoped.kind.isin(MEANINGFUL_KINDS)).select("grp", "person", "day")
    b = acts.join(born, "grp")
    first = b.day < portable.plus_days(b.born, first_week)
    each = b.group_by("grp", "person").aggregate(
        last=b.day.max(),
        late=b.count(where=b.day > cut),
        before=b.count(where=(b.day > prev_cut) & (b.day <= cut)),
        early=b.count(where=first),
    )
    someone = each.person.notnull()  # events without a person count, but as nobody
    activity = each.group_by("grp").aggregate(
        last_meaningful=each["last"].max(),
        events_last=each.late.sum(),
        active_last=each.count(where=someone & (each.late > 0)),
        active_prev=each.count(where=someone & (each.before > 0)),
        first_events=each.early.sum(),
        first_people=each.count(where=someone & (each.early > 0)),
    )
    members = _members(scoped, last, cut)
    out = born.left_join(activity, "grp").left_join(members, "grp")
    out = out.select(
        "grp",
        "born",
        "last_meaningful",
        *(
            out[c].fill_null(0).name(c)
            for c in ("events_last", "active_last", "active_prev", "first_events", "first_people")
        ),
        members_now=out.now.fill_null(0),
        members_then=out.then.fill_null(0),
    )
    return out.order_by("grp")


def _members(scoped: Any, last: date, cut: date) -> Any:
    """Per group, the people whose latest membership event (by id) up to ``last`` and up to
    ``cut`` was a join: ``grp``, ``now``, ``then``. A person is the subject of a removal,
    else the actor.

    The latest event is found as the largest ``2 × id + (1 if a join)``: ids are unique, so
    that number orders as the id does and its last bit says whether the event was a join.
    It is ``arg_max(kind, id)`` in integers: Ibis compiles ``argmax`` to DuckDB's ordered
    ``first(kind ORDER BY id DESC)``, which sorts within each person (four times the time
    here), and to Spark's ``max_by``."""
    import ibis

    moves = scoped.filter(scoped.kind.isin(MEMBERSHIP_KINDS), scoped.day <= last)
    key = moves.id * 2 + ibis.ifelse(moves.kind == "member.joined", 1, 0)
    who = moves.subject_person.fill_null(moves.person)
    latest = moves.group_by(grp=moves.grp, who=who).aggregate(
        now=key.max(), then=ibis.ifelse(moves.day <= cut, key, ibis.null("int64")).max()
    )
    return latest.group_by("grp").aggregate(
        now=(latest.now % 2 == 1).sum(), then=(latest.then % 2 == 1).sum()
    )


def envelopes(con: Any, scope: Scope) -> Any:
    """Per group in scope, its latest dead-group test and its latest verdict, one row each:
    ``grp``, ``kind``, ``occurred_at``, ``local_at``, the ``envelope`` and the verdict's
    fields (text, as in the event), ``first_grab`` (of that envelope in that group) and
    ``since`` (the group's last meaningful event other than a grab)."""
    import ibis

    t = portable.ev()
    scoped = t.filter(*portable.in_scope(t, scope), t.grp.notnull())
    test = (scoped.kind == SENT) & (
        portable.field(con, scoped.data, "purpose") == "dead_group_test"
    )
    picked = scoped.filter(test | (scoped.kind == JUDGED))
    # a test is the latest by id; a verdict by time, then id (its time key is NULL for tests)
    when = ibis.ifelse(picked.kind == JUDGED, picked.occurred_at, ibis.null("timestamp"))
    rank = ibis.row_number().over(
        group_by=[picked.grp, picked.kind], order_by=[ibis.desc(when), ibis.desc(picked.id)]
    )
    ranked = picked.mutate(rn=rank)
    latest = ranked.filter(ranked.rn == 0)

    def text(key: str) -> Any:
        return portable.field(con, latest.data, key)

    latest = latest.select(
        "grp",
        "kind",
        "occurred_at",
        "local_at",
        envelope=text("envelope"),
        verdict=text("verdict"),
        grabbed=text("grabbed"),
        shares=text("shares"),
        hours=text("hours"),
        sent_at=text("sent_at"),
    )
    around = t.filter(t.community == scope.community, t.grp.notnull())
    if scope.group is not None:
        around = around.filter(around.grp == scope.group)
    acted = around.filter(around.kind.isin(SINCE_KINDS))
    since = acted.group_by("grp").aggregate(since=acted.occurred_at.max())
    grabs = around.filter(around.kind == "redenvelope.grabbed")
    grabs = grabs.select("grp", "occurred_at", envelope=portable.field(con, grabs.data, "envelope"))
    first = grabs.group_by("grp", "envelope").aggregate(first_grab=grabs.occurred_at.min())
    out = latest.left_join(since, "grp").left_join(first, ["grp", "envelope"])
    return out.select(*latest.columns, "first_grab", "since").order_by("grp", "kind")


Test = tuple[str, str, bool, bool]
"""A metric's own reading of a test: (its local time, envelope, grabbed in time, followed by
meaningful activity)."""


def tests_and_verdicts(
    rows: list[tuple[Any, ...]], hours: float
) -> tuple[dict[str, Test], dict[str, dict[str, Any]]]:
    """The rows of :func:`envelopes` as each group's latest test (grabbed within ``hours``?)
    and the engine's latest verdict with its figures."""
    tests: dict[str, Test] = {}
    verdicts: dict[str, dict[str, Any]] = {}
    for (
        grp,
        kind,
        at,
        local,
        envelope,
        verdict,
        grabbed,
        shares,
        spent,
        sent_at,
        first,
        since,
    ) in rows:
        after = since is not None and since > at
        if kind == SENT:
            in_time = first is not None and first <= at + timedelta(seconds=hours * 3600)
            tests[grp] = (_minute(local), str(envelope), in_time, after)
            continue
        waited = float(spent or 0)
        verdicts[grp] = {
            "envelope": envelope,
            "sent": _minute(local - timedelta(hours=waited)),
            "sent_at": sent_at,
            "judged": _minute(local),
            "verdict": verdict,
            "grabbed": int(grabbed or 0),
            "shares": int(shares or 0),
            "hours": int(waited) if waited.is_integer() else waited,
            "activity_since": after,
        }
    return tests, verdicts


def _minute(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")
