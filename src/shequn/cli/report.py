"""``shequn report`` (the health report) and ``shequn metrics`` (one metric at a time)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from shequn.analytics.replica import Replica
from shequn.analytics.report import Report, build_report
from shequn.analytics.scope import Scope
from shequn.cli.common import (
    CommunityOpt,
    GroupOpt,
    JsonFlag,
    err,
    open_store,
    out,
    pick_community,
    print_json,
    print_table,
)
from shequn.errors import NotFound, ShequnError

SinceOpt = Annotated[
    datetime | None, typer.Option(formats=["%Y-%m-%d"], help="First local day (YYYY-MM-DD).")
]
HtmlOpt = Annotated[
    Path | None,
    typer.Option(
        "--html",
        dir_okay=False,
        help="Also write the report as one self-contained HTML file (charts inlined).",
    ),
]
UntilOpt = Annotated[
    datetime | None,
    typer.Option(
        formats=["%Y-%m-%d"], help="Last local day (default: the day of the newest event)."
    ),
]


@contextmanager
def replica_scope(
    community: str | None, group: str | None, since: datetime | None, until: datetime | None
) -> Iterator[tuple[Any, Scope]]:
    """Open the store, bring the analytics replica up to date, and resolve the scope."""
    with open_store() as store:
        community = pick_community(store, community)
        with err.status("bringing the analytics replica up to date…"):
            replica = Replica.open(store)
        try:
            yield (
                replica.con,
                Scope(
                    community,
                    group,
                    since.date() if since else None,
                    until.date() if until else None,
                ),
            )
        finally:
            replica.close()


def report_command(
    community: CommunityOpt = None,
    group: GroupOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    html: HtmlOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """The community's health: activity, group life cycles, and the moves the playbook
    suggests for what the numbers show."""
    with replica_scope(community, group, since, until) as (con, scope):
        report = build_report(con, scope)
        if html is not None:
            from shequn.web.standalone import render_report_html  # lazy: Jinja2

            html.write_text(render_report_html(con, scope), encoding="utf-8")
            err.print(f"wrote {html}")
    if as_json:
        print_json(report.to_dict())
        return
    _render(report)


def _render(r: Report) -> None:
    where = f"{r.community}" + (f" / {r.group}" if r.group else "")
    if r.empty:
        typer.echo(
            f"{where}: no events yet — import a chat export (shequn import FILE) or add "
            "events (shequn events add FILE.jsonl)."
        )
        return
    out.print(f"[bold]{where}[/bold] — health report as of {r.as_of}")
    h = r.headline
    print_table(
        "activity",
        ["members", "DAU", "WAU", "MAU", "stickiness", "messages (7 d)", "messages / active"],
        [
            (
                h.get("members"),
                h.get("dau"),
                h.get("wau"),
                h.get("mau"),
                _pct(h.get("stickiness")),
                h.get("messages_last_7_days"),
                h.get("messages_per_active_member"),
            )
        ],
    )
    print_table(
        "groups",
        ["group", "stage", "why", "members", "age (days)", "7-day rule"],
        [
            (g["group"], g["stage"], g["reason"], g["members"], g["age_days"], g["seven_day_rule"])
            for g in r.groups
        ],
    )
    for name, rows in r.sections.items():
        if rows:
            cols = list(rows[0])
            print_table(
                name.replace("_", " "), cols, [[_cell(row[c]) for c in cols] for row in rows[:10]]
            )
    if r.alerts:
        print_table(
            "alerts and moves",
            ["group", "", "finding", "playbook move", "id"],
            [(a.group or "", a.severity, a.finding, a.move, a.playbook) for a in r.alerts],
        )
    else:
        typer.echo("no alerts")


def _pct(x: float | None) -> str:
    return "" if x is None else f"{x:.0%}"


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False, default=str)[:60]
    return "" if v is None else str(v)


def metrics_command(
    name: Annotated[str | None, typer.Argument(help="Metric name; omit to list them.")] = None,
    community: CommunityOpt = None,
    group: GroupOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help="Override a parameter: key=value (value as JSON when it parses, "
            "e.g. -p window_days=14).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Compute one metric (or list the metrics with their playbook ids)."""
    from shequn.analytics.registry import all_metrics

    metrics = all_metrics()
    if name is None:
        rows = [(m.name, ", ".join(m.playbook), m.title) for m in metrics.values()]
        if as_json:
            print_json([{"name": n, "playbook": p, "title": t} for n, p, t in rows])
        else:
            print_table("metrics", ["name", "playbook", "what"], rows)
        return
    metric = metrics.get(name)
    if metric is None:
        raise NotFound(f"no metric {name!r}; known: {', '.join(sorted(metrics))}")
    params = metric.parse(_params(param or [], metric.params))  # ranges: analytics/params.py
    with replica_scope(community, group, since, until) as (con, scope):
        result = metric.run(con, scope, params)
    items = result if isinstance(result, list) else [result]
    data: list[dict[str, Any]] = [
        dataclasses.asdict(r) if dataclasses.is_dataclass(r) and not isinstance(r, type) else r
        for r in items
    ]
    if as_json:
        print_json(data)
    elif not data:
        typer.echo(f"{name}: nothing to show for {scope.community}")
    else:
        cols = list(data[0])
        print_table(metric.title, cols, [[_cell(d[c]) for c in cols] for d in data])


def _params(pairs: list[str], known: dict[str, Any]) -> dict[str, str]:
    """``key=value`` pairs as text, for :meth:`Metric.parse`."""
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or key not in known:
            raise ShequnError(
                f"bad --param {pair!r}: use key=value with key one of "
                f"{', '.join(known) or '(none)'}",
                field="param",
            )
        params[key] = raw
    return params


__all__ = ["metrics_command", "report_command"]
