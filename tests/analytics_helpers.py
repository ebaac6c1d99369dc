"""Build a replica from hand-written events, on any store, for metric tests.

    def test_something(replica_of):
        con = replica_of([join("li", day=1), post("li", day=1), ...])
        assert activity(con, Scope("c"))[0].dau == 1

Days are local days of the test community (time zone Asia/Shanghai, UTC+8); ``hour`` is a
local hour. Everything is in group "g" unless said otherwise.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from typing import Any

from shequn.analytics.results import KEPT
from shequn.model.events import Event

COMMUNITY = "c"
TZ = timezone(timedelta(hours=8))
DAY0 = datetime(2026, 1, 1, tzinfo=TZ)  # local midnight of "day 0"
_refs = itertools.count(1)


def at(day: float, hour: float = 12) -> datetime:
    return DAY0 + timedelta(days=day, hours=hour)


def event(
    kind: str,
    who: str | None,
    *,
    day: float,
    hour: float = 12,
    group: str | None = "g",
    subject: str | None = None,
    ref: str | None = None,
    **data: Any,
) -> Event:
    return Event(
        kind=kind,
        occurred_at=at(day, hour),
        community=COMMUNITY,
        group=group,
        actor=f"wechat:{who}" if who else None,
        subject=f"wechat:{subject}" if subject else None,
        source="metric-test",
        source_ref=ref or f"r{next(_refs)}",
        data=data,
    )


def configured(
    timezone_name: str = "Asia/Shanghai", blueprint: dict[str, Any] | None = None
) -> Event:
    return Event(
        kind="community.configured",
        occurred_at=at(-30),
        community=COMMUNITY,
        source="metric-test",
        source_ref="configured",
        data={"name": "C", "timezone": timezone_name, "blueprint": blueprint or {}},
    )


def join(who: str, *, day: float, hour: float = 12, group: str = "g", **data: Any) -> Event:
    return event("member.joined", who, day=day, hour=hour, group=group, **data)


def leave(who: str, *, day: float, hour: float = 12, group: str = "g") -> Event:
    return event("member.left", who, day=day, hour=hour, group=group)


def post(who: str, *, day: float, hour: float = 12, group: str = "g", **data: Any) -> Event:
    data.setdefault("length", 20)
    return event("message.posted", who, day=day, hour=hour, group=group, **data)


def merge(keep: str, absorb: str, *, day: float = 0, hour: float = 18) -> Event:
    """``absorb`` turns out to be ``keep`` (an operator's merge), recorded on ``day``."""
    return event(
        "identity.merged",
        None,
        day=day,
        hour=hour,
        group=None,
        subject=absorb,
        into=f"wechat:{keep}",
        identities=[f"wechat:{absorb}"],
    )


def kept(con: Any, *, temporary: bool, column: str) -> int:
    """How many results ``results.keep`` holds for ``con``'s replica that have a column named
    ``column``: in ``reused`` (through ``Reusing``) or, ``temporary``, a bare connection's (in
    the in-memory database ``results.KEPT``, gone with the connection)."""
    sql = (
        "SELECT count(DISTINCT table_oid) FROM duckdb_columns() WHERE starts_with(table_name,"
        " 'k_') AND (database_name = ?) = ? AND column_name = ?"
    )
    return int(con.execute(sql, [KEPT, temporary, column]).fetchall()[0][0])
