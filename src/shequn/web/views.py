"""What each dashboard page shows, gathered from the services: analytics, plan and store
queries. Pages call these and hand the result to a template; nothing here decides anything
(the report's alerts and the diagnosis come from ``build_report`` and ``diagnose``).

Functions take the analytics connection (the replica) or a store connection and a scope,
and return plain dicts of values and ECharts options, so ``standalone`` can reuse them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from functools import partial
from typing import Any

from sqlalchemy import Connection

from shequn.analytics import together
from shequn.analytics.activity import activity
from shequn.analytics.funnel import funnel
from shequn.analytics.leaders import key_behaviour_leaders
from shequn.analytics.lifecycle import life_cycle
from shequn.analytics.report import build_report
from shequn.analytics.retention import retention
from shequn.analytics.scope import Scope
from shequn.analytics.talk import concentration, noise_vs_value, over_activity
from shequn.api.deps import Operator, visible
from shequn.api.queries import member_ids_page
from shequn.model.entities import Member
from shequn.model.events import Event
from shequn.model.kinds import ROLES
from shequn.model.kinds_org import SECRET_KINDS
from shequn.plan.diagnose import Diagnosis, diagnose
from shequn.store.queries import list_members, tail_events
from shequn.web import charts
from shequn.web.charts import Label

MEMBERS_PER_PAGE = 50
PYRAMID_LIMIT = 20_000
"""Members counted for the role pyramid; beyond this the chart shows the first ones only."""
TIMELINE = 30
"""Events shown on a member's page, newest first."""


def overview(con: Any, scope: Scope, _: Label) -> dict[str, Any]:
    """The health report's headline and alerts, with the overview's three charts."""
    report = build_report(con, scope)
    rows = funnel(con, scope)
    return {
        "report": report,
        "charts": {
            "activity": charts.activity_lines(activity(con, scope), _),
            "funnel": charts.aarrr_funnel(rows, _),
            "channels": charts.channel_bars(rows, _),
        },
    }


def group_table(con: Any, scopes: list[Scope]) -> list[dict[str, Any]]:
    """One row per group: life-cycle stage, 7-day rule, and the dead / over-active flags."""
    jobs: dict[str, together.Job] = {}
    for n, scope in enumerate(scopes):
        jobs[f"noisy {n}"] = partial(over_activity, scope=scope)
        jobs[f"life {n}"] = partial(life_cycle, scope=scope)
    found = together.run(con, jobs)
    rows: list[dict[str, Any]] = []
    for n in range(len(scopes)):
        noisy = {a.group for a in found[f"noisy {n}"]}
        for life in found[f"life {n}"]:
            row = asdict(life)
            row["dead"] = life.stage == "dead"
            row["over_active"] = life.group in noisy
            rows.append(row)
    return sorted(rows, key=lambda r: str(r["group"]))


def group_detail(con: Any, scope: Scope, _: Label) -> dict[str, Any]:
    """Activity, concentration, key behaviour leaders and noise vs value of one group."""
    found = together.run(
        con,
        {
            "leaders": lambda c: key_behaviour_leaders(c, scope),
            "concentration": lambda c: concentration(c, scope),
            "activity": lambda c: activity(c, scope),
            "talk": lambda c: noise_vs_value(c, scope, period="week"),
        },
    )
    leaders = found["leaders"]
    return {
        "concentration": [asdict(c) for c in found["concentration"] if c.group == scope.group],
        "leaders": leaders,
        "charts": {
            "activity": charts.activity_lines(found["activity"], _),
            "leaders": charts.leader_bars(leaders, _),
            "talk": charts.noise_value_bars(found["talk"], _),
        },
    }


def retention_page(con: Any, scope: Scope, _: Label) -> dict[str, Any]:
    rows = retention(con, scope, period="week", periods=8)
    return {"rows": rows, "charts": {"heatmap": charts.retention_heatmap(rows, _)}}


def highest_role(member: Member) -> str:
    """The member's highest role among those shown (``member`` when none)."""
    held = {r.role for r in member.roles}
    return next((r for r in ROLES if r in held), "member")


def members_page(
    conn: Connection,
    op: Operator,
    community: str,
    *,
    search: str | None,
    after: int | None,
    _: Label,
    levels: Mapping[str, dict[str, Any]] | None = None,
    level_names: Sequence[str] = (),
) -> dict[str, Any]:
    """A page of members matching ``search`` with their level and tags (``levels``: member key
    → standing), and the role and level pyramids of everyone visible (``level_names``: the
    blueprint's names, level 0 first)."""
    standing = levels or {}
    ids = member_ids_page(
        conn,
        community=community,
        groups=op.groups,
        search=search,
        after=after,
        limit=MEMBERS_PER_PAGE + 1,
    )
    page = list_members(conn, ids=ids[:MEMBERS_PER_PAGE]) if ids else []
    shown = [m for m in (visible(op, community, x) for x in page) if m is not None]
    everyone = member_ids_page(
        conn, community=community, groups=op.groups, search=None, after=None, limit=PYRAMID_LIMIT
    )
    counts: Counter[str] = Counter()
    by_level: Counter[int] = Counter()
    for m in list_members(conn, ids=everyone) if everyone else []:
        seen = visible(op, community, m)
        if seen is not None:
            counts[highest_role(seen)] += 1
            by_level[int(standing.get(m.key, {}).get("level", 0))] += 1
    more = len(ids) > MEMBERS_PER_PAGE
    found = {  # category axes draw bottom-up: level 0 at the base, the top level on top
        "pyramid": charts.role_pyramid(dict(counts), _),
        "levels": charts.level_pyramid(
            [by_level[n] for n in range(len(level_names))], level_names, _
        ),
    }
    return {
        "members": [(m, highest_role(m), standing.get(m.key)) for m in shown],
        "next_cursor": ids[MEMBERS_PER_PAGE - 1] if more else None,
        "charts": found,
    }


def timeline(conn: Connection, op: Operator, community: str, member: Member) -> list[Event]:
    """The member's newest events (as actor or subject, any of their identities) in the
    groups the operator covers; community-wide events only for unscoped operators."""
    found: dict[int, Event] = {}
    for identity in member.identities:
        for role in ("actor", "subject"):
            rows = tail_events(conn, limit=TIMELINE, community=community, **{role: identity.key})
            found.update((i, e) for i, e in rows if _covers(op, e.group) and _may_read(op, e))
    newest = sorted(found.items(), key=lambda kv: (kv[1].occurred_at, kv[0]), reverse=True)
    return [e for _, e in newest[:TIMELINE]]


def _may_read(op: Operator, e: Event) -> bool:
    """Ballots are secret: only the owner sees who voted for whom (P-ORG-3)."""
    return e.kind not in SECRET_KINDS or op.role == "owner"


def _covers(op: Operator, group: str | None) -> bool:
    return op.covers(group) if group is not None else not op.scoped


def moves(con: Any, scopes: list[Scope]) -> list[Diagnosis]:
    """Every move ``shequn diagnose`` suggests for the groups in scope, by priority."""
    jobs = {str(n): partial(diagnose, scope=scope) for n, scope in enumerate(scopes)}
    found = [d for found in together.run(con, jobs).values() for d in found]
    return sorted(found, key=lambda d: (d.priority, d.group, d.rule_id))
