"""The baselines the metric suite is measured against (``bench_metrics.py``): hand-written
DuckDB SQL for three figures, the same figures one ORM object per event, and shequn's own
three timed beside the hand-written SQL (:func:`same_figures`).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.clock import clocked, timed
from sqlalchemy import DateTime, String, create_engine, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from shequn.analytics import materialise
from shequn.analytics.activity import activity
from shequn.analytics.retention import retention
from shequn.analytics.scope import DEFAULT_ACTIVE_KINDS, Scope
from shequn.analytics.talk import concentration

HANDWRITTEN = {
    "activity": """
        WITH act AS (
            SELECT DISTINCT actor AS person,
                   CAST(timezone('Asia/Shanghai', occurred_at::TIMESTAMPTZ) AS DATE) AS day
            FROM {log} WHERE kind IN ('message.posted', 'message.reacted', 'checkin.done',
                                        'content.shared')
        ),
        seg AS (SELECT day, lead(day) OVER (PARTITION BY person ORDER BY day) AS nxt FROM act),
        deltas AS (
            SELECT day AS d, 1 AS a, 1 AS b, 1 AS c FROM seg
            UNION ALL SELECT day + 1, -1, 0, 0 FROM seg
            UNION ALL SELECT least(day + 7, coalesce(nxt, day + 7)), 0, -1, 0 FROM seg
            UNION ALL SELECT least(day + 30, coalesce(nxt, day + 30)), 0, 0, -1 FROM seg
        )
        SELECT d, sum(sum(a)) OVER w, sum(sum(b)) OVER w, sum(sum(c)) OVER w
        FROM deltas GROUP BY d WINDOW w AS (ORDER BY d) ORDER BY d
    """,
    "retention": """
        WITH local AS (
            SELECT kind, actor,
                   CAST(date_trunc('week', timezone('Asia/Shanghai', occurred_at::TIMESTAMPTZ))
                        AS DATE) AS wk
            FROM {log}
        ),
        cohort AS (SELECT actor, min(wk) AS c FROM local WHERE kind = 'member.joined'
                   GROUP BY actor),
        act AS (SELECT DISTINCT actor, wk FROM local WHERE kind <> 'member.joined')
        SELECT cohort.c, count(DISTINCT cohort.actor) AS size,
               count(DISTINCT act.actor) FILTER (WHERE date_diff('week', cohort.c, act.wk) = 1)
        FROM cohort LEFT JOIN act USING (actor)
        WHERE act.wk IS NULL OR date_diff('week', cohort.c, act.wk) BETWEEN 0 AND 7
        GROUP BY cohort.c ORDER BY cohort.c
    """,
    "concentration": """
        WITH per AS (SELECT grp, actor, count(*) AS n FROM {log}
                     WHERE kind = 'message.posted' GROUP BY ALL),
        ranked AS (SELECT grp, n, row_number() OVER (PARTITION BY grp ORDER BY n) AS r,
                          count(*) OVER (PARTITION BY grp) AS k,
                          sum(n) OVER (PARTITION BY grp) AS total FROM per)
        SELECT grp, 2 * sum(r * n) / (max(k) * max(total)) - (max(k) + 1) / max(k) AS gini
        FROM ranked GROUP BY grp
    """,
}


def hand_three(con: Any, source: str) -> None:
    for q in HANDWRITTEN.values():
        con.execute(q.format(log=source)).fetchall()


class Base(DeclarativeBase):
    pass


class Row(Base):
    """One event, one Python object: the naive loop's unit."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String)
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    grp: Mapped[str] = mapped_column(String)
    actor: Mapped[str] = mapped_column(String)


def naive(con: Any, n: int, tmp: str) -> tuple[float, float]:
    """The three figures one ORM object per event, on a sample of ``n`` rows: wall and CPU
    seconds (CPU too: on a shared machine the loop's one thread and DuckDB's two wait for
    cores differently, so the wall ratio moves with the load and the CPU ratio does not)."""
    engine = create_engine(f"sqlite:///{tmp}/naive.db")
    Base.metadata.create_all(engine)
    rows = con.execute(
        f"SELECT id, kind, occurred_at, grp, actor FROM raw USING SAMPLE {n} ROWS (reservoir, 1)"
    ).fetchall()
    with Session(engine) as session:
        session.execute(
            insert(Row), [dict(zip(Row.__table__.c.keys(), r, strict=True)) for r in rows]
        )
        session.commit()
    tz, active = ZoneInfo("Asia/Shanghai"), set(DEFAULT_ACTIVE_KINDS)
    begin, cpu = time.perf_counter(), time.process_time()
    daily: dict[date, set[str]] = defaultdict(set)
    joined: dict[str, date] = {}
    weeks: dict[str, set[int]] = defaultdict(set)
    posts: dict[str, Counter[str]] = defaultdict(Counter)
    with Session(engine) as session:
        for row in session.scalars(select(Row)):
            day = row.occurred_at.replace(tzinfo=UTC).astimezone(tz).date()
            if row.kind == "member.joined":
                joined[row.actor] = min(day, joined.get(row.actor, day))
            else:
                weeks[row.actor].add(day.toordinal() // 7)
            if row.kind in active:
                daily[day].add(row.actor)
            if row.kind == "message.posted":
                posts[row.grp][row.actor] += 1
    first, last = min(daily), max(daily)
    for i in range((last - first).days + 1):
        d = first + timedelta(days=i)
        dau = len(daily.get(d, ()))
        wau = len(set().union(*(daily.get(d - timedelta(days=k), set()) for k in range(7))))
        mau = len(set().union(*(daily.get(d - timedelta(days=k), set()) for k in range(30))))
        _ = (dau, wau, mau)
    cohorts: dict[int, list[int]] = defaultdict(lambda: [0] * 8)
    for who, day in joined.items():
        for k in range(8):
            if day.toordinal() // 7 + k in weeks[who]:
                cohorts[day.toordinal() // 7][k] += 1
    for counts in posts.values():
        ns = sorted(counts.values())
        total, k = sum(ns), len(ns)
        _ = 2 * sum((i + 1) * x for i, x in enumerate(ns)) / (k * total) - (k + 1) / k
    elapsed = time.perf_counter() - begin, time.process_time() - cpu
    engine.dispose()
    return elapsed


def shequn_three(con: Any, scope: Scope) -> None:
    activity(con, scope)
    retention(con, scope, period="week", periods=8)
    concentration(con, scope)


def same_figures(con: Any, log: str, repeat: int, before: bool) -> dict[str, Any]:
    """shequn's three figures and the hand-written SQL's, interleaved, best of ``repeat``."""
    scope = Scope("bench")
    ref = materialise.reference(con) if before else None
    runs: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeat):
        for name, fn, arg in (
            ("shequn", shequn_three, scope),
            ("hand_parquet", hand_three, f"'{log}'"),
            ("hand_table", hand_three, "ev"),
        ):
            wall, cpu = clocked(fn, con, arg)
            runs[f"{name}_s"].append(wall)
            runs[f"{name}_cpu_s"].append(cpu)
        if ref is not None:
            runs["before_view_s"].append(timed(shequn_three, ref, scope)[0])
    if ref is not None:
        ref.close()
    out: dict[str, Any] = {k: round(min(v), 3) for k, v in runs.items()}
    out["ratio_vs_parquet"] = round(out["shequn_s"] / out["hand_parquet_s"], 2)
    out["ratio_vs_table"] = round(out["shequn_s"] / out["hand_table_s"], 2)
    out["ratio_vs_parquet_cpu"] = round(out["shequn_cpu_s"] / out["hand_parquet_cpu_s"], 2)
    return out
