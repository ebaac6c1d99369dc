"""Training camps (P-ENG-5, P-MEA-6): who checked in on most of a camp's days.

``checkin_completion`` is described with the other money-and-delivery figures in
``analytics/money.py`` with the other figures; it lives here to keep that module small.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from shequn.analytics import portable
from shequn.analytics.money import rate, scope_window
from shequn.analytics.registry import Metric
from shequn.analytics.scope import Scope


@dataclass(frozen=True, slots=True)
class CampCompletion:
    camp: str
    days: int  # highest day number seen
    participants: int  # checked in at least once
    completed: int  # checked in on at least threshold × days days
    rate: float | None  # completed / participants


def checkin_completion(con: Any, scope: Scope, *, threshold: float = 0.8) -> list[CampCompletion]:
    """Completion rate per training camp (P-ENG-5, P-MEA-6; ``analytics/money.py`` says how).

    Defined once for both engines (``analytics/portable.py``); who completed is judged in
    Python from the counts (a float threshold is not rendered the same by both engines)."""
    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, _ = setup
    t = portable.ev()
    done = t.filter(
        *portable.in_scope(t, replace(scope, until=last)),
        t.kind == "checkin.done",
        t.person.notnull(),
    )
    ci = done.select(
        "person",
        "day",
        camp=portable.field(con, done.data, "camp").fill_null(done.grp).fill_null("(none)"),
        n=portable.field(con, done.data, "day").try_cast("int64"),
    )
    since_first = ci.day.delta(ci.day.min().over(group_by="camp"), unit="day") + 1
    numbered = ci.select("person", "camp", n=ci.n.fill_null(since_first))
    days = dict(portable.fetch(con, numbered.group_by("camp").aggregate(days=numbered.n.max())))
    counted = numbered.filter(numbered.n >= 1)
    per = counted.group_by(["camp", "person"]).aggregate(done=counted.n.nunique())
    tally = per.group_by(["camp", "done"]).aggregate(people=per.count())
    camps: dict[str, list[int]] = {}
    for camp, n_done, people in portable.fetch(con, tally):
        totals = camps.setdefault(camp, [0, 0])
        totals[0] += int(people)
        totals[1] += int(people) if n_done >= threshold * days[camp] - 1e-9 else 0
    return [
        CampCompletion(camp, int(days[camp]), n, ok, rate(ok, n))
        for camp, (n, ok) in sorted(camps.items())
    ]


METRICS = (
    Metric(
        "checkin_completion",
        "Training-camp completion rate: members who checked in on most days",
        ("P-ENG-5", "P-MEA-6"),
        checkin_completion,
        {"threshold": 0.8},
    ),
)
