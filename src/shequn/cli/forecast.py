"""``shequn forecast`` and ``shequn plan compare``: the plan in bands, then plan vs actual.

``forecast`` runs the simulator many times on a blueprint (``shequn.plan.forecast``) and prints
weekly 10/50/90% bands; ``--out`` saves them for later. ``plan compare`` lines a saved forecast
up against the real log in the analytics replica (``shequn.plan.compare``) and names the
assumption that explains where reality left the band.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from shequn.cli.common import (
    CommunityOpt,
    JsonFlag,
    count_progress,
    err,
    out,
    print_json,
    print_table,
)
from shequn.cli.engines import replica_scope
from shequn.errors import NotFound, ShequnError
from shequn.model.blueprint import load_blueprint
from shequn.plan.compare import Comparison, compare
from shequn.plan.forecast import SERIES, Band, Forecast, forecast
from shequn.plan.sim_params import sim_params

plan_app = typer.Typer(
    help="Plan versus actual: compare a saved forecast with the log (P-PLAN-1).",
    no_args_is_help=True,
)

_HEADERS = {"members": "members", "wau": "WAU", "paid": "paid members", "revenue": "revenue"}


def forecast_command(
    blueprint: Annotated[Path, typer.Argument(help="The community blueprint (TOML).")],
    days: Annotated[int, typer.Option(min=7, help="Days to forecast from the start date.")] = 180,
    runs: Annotated[int, typer.Option(min=1, help="Simulations (more: smoother bands).")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same bands.")] = 1,
    scale: Annotated[
        float, typer.Option(min=0.01, help="Multiply the recruitment waves of every run.")
    ] = 1.0,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes [default: one per core].")
    ] = None,
    save: Annotated[
        Path | None, typer.Option("--out", help="Save the forecast (JSON) for plan compare.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Forecast members, WAU, paid members and revenue per week with 10-90% bands, by
    simulating the blueprint many times (Monte Carlo, in parallel)."""
    bp = load_blueprint(blueprint)
    with count_progress(hidden=as_json) as bar:
        task = bar.add_task(f"forecasting {bp.community.slug}", total=runs)
        result = forecast(
            bp,
            sim_params(bp, scale=scale),
            days=days,
            runs=runs,
            seed=seed,
            workers=workers,
            progress=lambda done: bar.update(task, completed=done),
        )
    if save is not None:
        result.save(save)
        err.print(f"[dim]saved to {save}[/dim]")
    if as_json:
        print_json(result.to_dict())
        return
    out.print(
        f"[bold]{result.community}[/bold] — {runs} simulated futures from {result.start}, "
        "median [10%–90%] per week"
    )
    print_table(
        "forecast",
        ["week", "from", *(_HEADERS[s] for s in SERIES)],
        [(w.week + 1, w.start, *(_band(w.band(s)) for s in SERIES)) for w in result.weeks],
    )


def compare_command(
    forecast_file: Annotated[Path, typer.Argument(help="A forecast saved with --out.")],
    community: CommunityOpt = None,
    refit: Annotated[
        bool, typer.Option(help="Refit invite rate, retention and conversion to the actuals.")
    ] = True,
    budget: Annotated[
        float, typer.Option(min=1, help="Seconds the refit may take (about).")
    ] = 60.0,
    as_json: JsonFlag = False,
) -> None:
    """Line a saved forecast up against the log: where reality leaves the 10-90% band, and
    which assumption (invite rate, retention, conversion) explains the gap."""
    if not forecast_file.is_file():
        raise NotFound(f"no forecast file {forecast_file}")
    try:
        fc = Forecast.load(forecast_file)
    except (ValueError, KeyError, TypeError) as e:
        raise ShequnError(f"{forecast_file}: not a saved forecast ({e})") from e
    spinner = err.status("refitting the assumptions…") if refit else nullcontext()
    with replica_scope(community or fc.community, None, None, None) as (con, scope), spinner:
        result = compare(fc, con, scope, refit=refit, budget_seconds=budget)
    if as_json:
        print_json(result.to_dict())
        return
    _render(fc, result)


def _render(fc: Forecast, r: Comparison) -> None:
    if not r.weeks:
        typer.echo(f"{r.community}: no complete week of events since {r.start} yet.")
        return
    out.print(
        f"[bold]{r.community}[/bold] — plan from {r.start} vs the log up to {r.as_of} "
        f"({len(r.weeks)} complete weeks)"
    )
    print_table(
        "weeks outside the 10–90% band",
        ["week", "from", *(_HEADERS[s] for s in SERIES)],
        [
            (
                w.week + 1,
                w.start,
                *(_cell(w.actual[s], w.where[s], fc.weeks[w.week].band(s)) for s in SERIES),
            )
            for w in r.weeks
            if any(v != "inside" for v in w.where.values())
        ],
    )
    counts = r.counts()
    out.print(
        "; ".join(
            f"{_HEADERS[s]}: {c['below']} below, {c['inside']} inside, {c['above']} above"
            for s, c in counts.items()
        )
    )
    if not r.refits:
        return
    print_table(
        f"refits ({r.refit_runs} runs per value, {r.seconds:.0f} s)",
        ["assumption", "planned", "fitted", "error reduction"],
        [(f.knob, _values(f.planned), _values(f.fitted), f"{f.reduction:.0%}") for f in r.refits],
    )
    best = r.explanation
    if best is None:
        out.print("No single assumption explains the gap: the plan fits as well as any refit.")
    else:
        out.print(
            f"Best explanation: [bold]{best.knob}[/bold] — {_values(best.planned)} planned, "
            f"{_values(best.fitted)} fits the log (error −{best.reduction:.0%})."
        )


def _band(b: Band) -> str:
    return f"{_num(b.p50)} [{_num(b.p10)}–{_num(b.p90)}]"


def _cell(value: float, where: str, b: Band) -> str:
    mark = {"below": "↓", "above": "↑"}.get(where, "")
    return f"{_num(value)}{mark} ({_num(b.p10)}–{_num(b.p90)})"


def _num(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() or abs(x) >= 100 else f"{x:.1f}"


def _values(v: dict[str, float]) -> str:
    return ", ".join(f"{k} {x:.3g}" for k, x in v.items())


plan_app.command("compare")(compare_command)

__all__ = ["compare_command", "forecast_command", "plan_app"]
