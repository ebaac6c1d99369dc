"""``shequn report`` (the health report) and ``shequn metrics`` (one metric at a time)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from shequn.analytics.configured import configured_language
from shequn.analytics.report import Report, build_report
from shequn.cli.common import (
    CommunityOpt,
    GroupOpt,
    JsonFlag,
    LangOpt,
    echo,
    err,
    named,
    open_store,
    out,
    print_json,
    print_table,
    say,
)
from shequn.cli.engines import (
    EngineOpt,
    MasterOpt,
    ParquetOpt,
    open_engine,
)
from shequn.errors import NotFound, ShequnError
from shequn.model.i18n import N_, Said, translator
from shequn.model.words import SEVERITY

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


HEADLINE = (
    N_("members"),
    "DAU",
    "WAU",
    "MAU",
    N_("stickiness"),
    N_("messages (7 d)"),
    N_("messages / active"),
)
GROUP_COLUMNS = (
    N_("group"),
    N_("stage"),
    N_("why"),
    N_("members"),
    N_("age (days)"),
    N_("7-day rule"),
)
SECTION_TITLES = {
    "retention": N_("retention"),
    "funnel": N_("funnel"),
    "k_factor": N_("K-factor"),
    "concentration": N_("concentration"),
    "key_behaviour_leaders": N_("key behaviour leaders"),
    "churn_risk": N_("churn risk"),
}

ELSEWHERE = {"coverage": N_("leadership coverage alerts")}
"""Report parts other than sections that ``--engine spark`` leaves out."""
NOT_ON_SPARK = N_(
    "{what}: not computed on Spark — its metrics run on DuckDB only so far "
    "(run the report without --engine spark for it)"
)


def report_command(
    community: CommunityOpt = None,
    group: GroupOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    html: HtmlOpt = None,
    lang: LangOpt = None,
    engine: EngineOpt = "duckdb",
    parquet: ParquetOpt = None,
    master: MasterOpt = "local[2]",
    as_json: JsonFlag = False,
) -> None:
    """The community's health: activity, group life cycles, and the moves the playbook
    suggests for what the numbers show — in the community's language (or --lang). With
    --engine spark: the portable metrics, computed by Spark over a Parquet export."""
    spark = engine == "spark"
    if spark and html is not None:
        raise ShequnError(
            Said("--html renders from the DuckDB replica: drop --engine"), field="html"
        )
    opened = open_engine(engine, None, parquet, master, community, group, since, until)
    with opened as (con, scope):
        report = build_report(con, scope, portable_only=spark)
        lang = lang or configured_language(con, scope.community)
        if html is not None:
            from shequn.web.standalone import render_report_html  # lazy: Jinja2

            html.write_text(render_report_html(con, scope, lang=lang), encoding="utf-8")
            err.print(f"wrote {html}")
    if as_json:
        print_json(report.to_dict())
        return
    if spark:  # the store need not be reachable from where Spark runs: people by key
        render_report(report, translator(lang))
        return
    with open_store() as store:
        who = named(store, report.community, _people(report))
    render_report(report, translator(lang), who)


PEOPLE = ("person", "member", "inviter")
"""Report columns that name a person: shown by display name (``--json`` keeps the key)."""
WORDS = ("segment", "stage", "seven_day_rule")
"""Report columns whose values are words kept as data (the funnel's join channels, a group's
life-cycle stage and its seven-day rule: ``model/words``)."""


def _people(r: Report) -> list[str]:
    return [
        str(row[c]) for rows in r.sections.values() for row in rows for c in PEOPLE if row.get(c)
    ]


def render_report(r: Report, _: Callable[[Any], str], who: Callable[[Any], str] = str) -> None:
    """The report as Rich tables, every word through ``_`` (the reader's language), people
    by ``who`` (their display names)."""
    where = f"{r.community}" + (f" / {r.group}" if r.group else "")
    if r.empty:
        typer.echo(
            _(
                Said(
                    "{where}: no events yet — import a chat export (shequn import FILE) or "
                    "add events (shequn events add FILE.jsonl).",
                    where=where,
                )
            )
        )
        return
    out.print(f"[bold]{where}[/bold] — " + _(Said("health report as of {day}", day=r.as_of)))
    h = r.headline
    print_table(
        _("Activity"),
        [_(c) for c in HEADLINE],
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
        _("groups"),
        [_(c) for c in GROUP_COLUMNS],
        [
            (
                g["group"],
                _(g["stage"]),
                _(g["reason"]),
                g["members"],
                g["age_days"],
                _(g["seven_day_rule"]),
            )
            for g in r.groups
        ],
    )
    for name, rows in r.sections.items():
        if rows:
            cols = list(rows[0])
            print_table(
                _(SECTION_TITLES.get(name, name)),
                [_(c) for c in cols],
                [[_shown(row[c], c, _, who) for c in cols] for row in rows[:10]],
            )
    for name in r.duckdb_only:
        what = _(ELSEWHERE.get(name) or SECTION_TITLES.get(name, name))
        typer.echo(_(Said(NOT_ON_SPARK, what=what)))
    if r.alerts:
        print_table(
            _("alerts and moves"),
            [_("group"), "", _("finding"), _("playbook move"), "id"],
            [
                (a.group or "", _(SEVERITY[a.severity]), _(a.finding), _(a.move), a.playbook)
                for a in r.alerts
            ],
        )
    else:
        typer.echo(_("no alerts"))


def _pct(x: float | None) -> str:
    return "" if x is None else f"{x:.0%}"


def _shown(v: Any, column: str, _: Callable[[Any], str], who: Callable[[Any], str]) -> str:
    if column in PEOPLE and v is not None:
        return who(v)
    if column in WORDS and isinstance(v, str):
        return _(v)
    return _cell(v, _)


def _cell(v: Any, _: Callable[[Any], str] = str) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, bool):
        return _("yes") if v else _("no")
    if isinstance(v, dict):
        return "; ".join(f"{_(k)} {_cell(x, _)}" for k, x in v.items())[:80]
    if isinstance(v, tuple):  # names (a member's groups)
        return ", ".join(map(str, v))
    if isinstance(v, list):  # a series (a cohort's retention): a gap is no number yet
        return ("[" + ", ".join("–" if x is None else _cell(x, _) for x in v) + "]")[:60]
    return "" if v is None else _(v) if isinstance(v, Said) else str(v)


def metrics_command(
    name: Annotated[str | None, typer.Argument(help="Metric name; omit to list them.")] = None,
    community: CommunityOpt = None,
    group: GroupOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    engine: EngineOpt = "duckdb",
    parquet: ParquetOpt = None,
    master: MasterOpt = "local[2]",
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
            with open_store():  # the language its communities speak
                pass
            print_table(  # a metric's title is in the catalogue (scripts/i18n.py: Metric)
                Said("{n} metrics", n=len(rows)),
                [N_("name"), N_("playbook"), N_("what")],
                [(n, p, say(t)) for n, p, t in rows],
            )
        return
    metric = metrics.get(name)
    if metric is None:
        raise NotFound(
            Said("no metric {name!r}; known: {names}", name=name, names=", ".join(sorted(metrics)))
        )
    params = metric.parse(_params(param or [], metric.params))  # ranges: analytics/params.py
    opened = open_engine(engine, name, parquet, master, community, group, since, until)
    with opened as (con, scope):
        result = metric.run(con, scope, params)
    items = result if isinstance(result, list) else [result]
    data: list[dict[str, Any]] = [
        dataclasses.asdict(r) if dataclasses.is_dataclass(r) and not isinstance(r, type) else r
        for r in items
    ]
    if as_json:
        print_json(data)
    elif not data:
        echo(Said("{name}: nothing to show for {community}", name=name, community=scope.community))
    else:
        cols = list(data[0])
        print_table(metric.title, cols, [[_shown(d[c], c, say, str) for c in cols] for d in data])


def _params(pairs: list[str], known: dict[str, Any]) -> dict[str, str]:
    """``key=value`` pairs as text, for :meth:`Metric.parse`."""
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or key not in known:
            raise ShequnError(
                Said(
                    "bad --param {pair!r}: use key=value with key one of {value}",
                    pair=pair,
                    value=", ".join(known) or "(none)",
                ),
                field="param",
            )
        params[key] = raw
    return params


__all__ = ["metrics_command", "render_report", "report_command"]
