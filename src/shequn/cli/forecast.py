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
    echo,
    err,
    out,
    print_json,
    print_table,
    say,
    state,
)
from shequn.cli.engines import replica_scope
from shequn.errors import NotFound, ShequnError
from shequn.model.blueprint import load_blueprint
from shequn.model.i18n import N_, Said
from shequn.plan.compare import Comparison, compare
from shequn.plan.forecast import SERIES, Band, Forecast, forecast
from shequn.plan.sim_params import sim_params

plan_app = typer.Typer(
    help="Plan versus actual: compare a saved forecast with the log (P-PLAN-1).",
    no_args_is_help=True,
)

_HEADERS = {
    "members": N_("members"),
    "wau": "WAU",
    "paid": N_("paid members"),
    "revenue": N_("revenue"),
}


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
    state.spoken = state.spoken or bp.community.language  # the blueprint's, with no store
    with count_progress(hidden=as_json) as bar:
        task = bar.add_task(say(Said("forecasting {slug}", slug=bp.community.slug)), total=runs)
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
        err.print(say(Said("saved to {path}", path=str(save))), style="dim", markup=False)
    if as_json:
        print_json(result.to_dict())
        return
    out.print(
        say(
            Said(
                "{community} — {runs} simulated futures from {start}, median [10%–90%] per week",
                community=result.community,
                runs=runs,
                start=str(result.start),
            )
        ),
        markup=False,
    )
    print_table(
        N_("forecast"),
        [N_("week"), N_("from"), *(_HEADERS[s] for s in SERIES)],
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
        raise NotFound(Said("no forecast file {path}", path=str(forecast_file)))
    try:
        fc = Forecast.load(forecast_file)
    except (ValueError, KeyError, TypeError) as e:
        raise ShequnError(
            Said("{path}: not a saved forecast ({error})", path=str(forecast_file), error=str(e))
        ) from e
    spinner = err.status(say(N_("refitting the assumptions…"))) if refit else nullcontext()
    with replica_scope(community or fc.community, None, None, None) as (con, scope), spinner:
        result = compare(fc, con, scope, refit=refit, budget_seconds=budget)
    if as_json:
        print_json(result.to_dict())
        return
    _render(fc, result)


def _render(fc: Forecast, r: Comparison) -> None:
    if not r.weeks:
        echo(
            Said(
                "{community}: no complete week of events since {start} yet.",
                community=r.community,
                start=str(r.start),
            )
        )
        return
    out.print(
        say(
            Said(
                "{community} — plan from {start} vs the log up to {as_of} ({n} complete weeks)",
                community=r.community,
                start=str(r.start),
                as_of=str(r.as_of),
                n=len(r.weeks),
            )
        ),
        markup=False,
    )
    print_table(
        N_("weeks outside the 10–90% band"),
        [N_("week"), N_("from"), *(_HEADERS[s] for s in SERIES)],
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
            say(
                Said(
                    "{series}: {below} below, {inside} inside, {above} above",
                    series=Said(_HEADERS[s]),
                    below=c["below"],
                    inside=c["inside"],
                    above=c["above"],
                )
            )
            for s, c in counts.items()
        ),
        markup=False,
    )
    if not r.refits:
        return
    print_table(
        Said(
            "refits ({runs} runs per value, {seconds} s)",
            runs=r.refit_runs,
            seconds=f"{r.seconds:.0f}",
        ),
        [N_("assumption"), N_("planned"), N_("fitted"), N_("error reduction")],
        [(f.knob, _values(f.planned), _values(f.fitted), f"{f.reduction:.0%}") for f in r.refits],
    )
    best = r.explanation
    if best is None:
        echo(Said("No single assumption explains the gap: the plan fits as well as any refit."))
    else:
        echo(
            Said(
                "Best explanation: {knob} — {planned} planned, {fitted} fits the log "
                "(error −{reduction}).",
                knob=best.knob,
                planned=_values(best.planned),
                fitted=_values(best.fitted),
                reduction=f"{best.reduction:.0%}",
            )
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
