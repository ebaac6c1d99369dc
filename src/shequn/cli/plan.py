"""``shequn simulate`` and ``shequn demo``: a community's log, made up by the simulator.

``simulate`` runs the model of ``shequn.plan.simulate`` on a blueprint and records the log
through the engine's append path (so a rerun with the same seed adds nothing). ``demo`` is the
first-run experience: one command builds a six-month community whose groups are at different
life-cycle stages in a local SQLite file and prints its health report.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from shequn.cli.common import (
    JsonFlag,
    count_progress,
    echo,
    err,
    named,
    open_store,
    print_json,
    say,
    state,
)
from shequn.engine.blueprint import load_into_store
from shequn.engine.record import record
from shequn.errors import Conflict, NotFound, ShequnError
from shequn.model.blueprint import Blueprint, load_blueprint
from shequn.model.events import Event
from shequn.model.i18n import Said, pick
from shequn.plan.sim_params import GroupPlan, SimParams, sim_params
from shequn.plan.simulate import Simulator
from shequn.store.db import Store, database_url
from shequn.store.queries import list_communities, tail_events

DEMO_URL = "sqlite:///shequn-demo.db"
DEMO_BLUEPRINT = Path(str(files("shequn.plan") / "demo_community.toml"))
"""The demo community ships inside the package, so `shequn demo` works from a wheel too."""

Days = Annotated[int, typer.Option(min=1, help="Days to simulate from the blueprint's start.")]


@dataclass
class SimSummary:
    """What a simulation recorded; ``--json`` prints it as is."""

    community: str
    source: str
    days: int
    scale: float
    events: int = 0
    new: int = 0
    duplicate: int = 0
    members: int = 0
    groups: list[str] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None

    def render(self) -> Said:
        """One line for a person (English as a ``str``, any language through ``say``)."""
        span = f"{self.first:%Y-%m-%d} … {self.last:%Y-%m-%d}" if self.first and self.last else "-"
        return Said(
            "{community} ({source}): {events} events ({new} new, {duplicate} already stored), "
            "{members} members in {groups} groups, {span} (UTC)",
            community=self.community,
            source=self.source,
            events=self.events,
            new=self.new,
            duplicate=self.duplicate,
            members=self.members,
            groups=len(self.groups),
            span=span,
        )


def run_simulation(
    store: Store, bp: Blueprint, params: SimParams, *, days: int, seed: int, hidden: bool
) -> SimSummary:
    """Load the blueprint, then record the simulated log with a progress bar per day."""
    load_into_store(store, bp)
    sim = Simulator(bp, params, seed=seed)
    summary = SimSummary(bp.community.slug, f"sim:{seed}", days, params.scale)
    members: set[str] = set()
    groups: set[str] = set()
    with count_progress(hidden=hidden) as bar:
        task = bar.add_task(say(Said("simulating {slug}", slug=bp.community.slug)), total=days)

        def events() -> Iterator[Event]:
            for day in range(days):
                batch = sim.run_day(day)
                if batch:
                    summary.first = summary.first or batch[0].occurred_at
                    summary.last = batch[-1].occurred_at
                    summary.events += len(batch)
                    for e in batch:
                        if e.kind == "member.joined":
                            members.add(e.actor or "")
                            groups.add(e.group or "")
                yield from batch
                bar.update(task, completed=day + 1)

        result = record(store, events())
    summary.new, summary.duplicate = result.new, result.duplicate
    summary.members, summary.groups = len(members), sorted(groups)
    return summary


def simulate_command(
    blueprint: Annotated[Path, typer.Argument(help="The community blueprint (TOML).")],
    days: Days = 180,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same log.")] = 1,
    scale: Annotated[
        float, typer.Option(min=0.01, help="Multiply the recruitment waves (members, events).")
    ] = 1.0,
    as_json: JsonFlag = False,
) -> None:
    """Simulate a community run by a blueprint and record its event log (P-PLAN-1).
    Repeating the same seed adds nothing; a new seed adds a second, independent log."""
    bp = load_blueprint(blueprint)
    with open_store() as store:
        state.spoken = pick(bp.community.language)  # the community it simulates speaks
        summary = run_simulation(
            store, bp, sim_params(bp, scale=scale), days=days, seed=seed, hidden=as_json
        )
    if as_json:
        print_json(summary)
    else:
        echo(summary.render())


def demo_params(days: int, blueprint: Blueprint | None = None) -> SimParams:
    """The demo's story: groups forced to different stages at the end of the run —
    ``main`` thrives, ``city-shanghai`` declines, ``night-owls`` dies in its first week,
    ``spring-newcomers`` opened three weeks before the end, camps and the paid circle run;
    every other figure the (demo) blueprint's."""
    return sim_params(
        blueprint or load_blueprint(DEMO_BLUEPRINT),
        groups={
            "main": GroupPlan(fate="thrives"),
            "camp-21": GroupPlan(fate="thrives", opens_day=min(14, days // 4)),
            "senior": GroupPlan(fate="thrives", opens_day=min(30, days // 3)),
            "city-shanghai": GroupPlan(fate="declines", decline_day=max(14, days - 75), size=1.5),
            "night-owls": GroupPlan(fate="dies_first_week", opens_day=days // 3),
            "spring-newcomers": GroupPlan(fate="thrives", opens_day=max(0, days - 21)),
        },
    )


def demo_command(
    days: Days = 180,
    seed: Annotated[int, typer.Option(help="Random seed of the demo community.")] = 7,
    db: Annotated[
        str | None,
        typer.Option("--db", help=f"Database URL [default: {DEMO_URL} in this directory]."),
    ] = None,
    fresh: Annotated[
        bool, typer.Option(help="Delete the demo database and build it anew.")
    ] = False,
    serve: Annotated[bool, typer.Option(help="Open the dashboard afterwards.")] = False,
) -> None:
    """Build a demo community (six months, groups at different life-cycle stages) in a
    local SQLite file and print its health report. Refuses to touch a non-demo database."""
    from shequn.cli.report import report_command  # the report's own rendering, reused
    from shequn.plan.demo_engage import run_engagement
    from shequn.plan.demo_growth import run_growth

    url = database_url(db or state.db_url or DEMO_URL)
    if not DEMO_BLUEPRINT.is_file():
        raise NotFound(Said("the demo blueprint is missing ({path})", path=str(DEMO_BLUEPRINT)))
    bp = load_blueprint(DEMO_BLUEPRINT)
    state.spoken = pick(bp.community.language)  # the demo community's, before it exists
    if fresh:
        _remove_demo(url, bp)
    with Store.open(url) as store:
        _check_demo(store, bp, seed)
        params = demo_params(days, bp)
        summary = run_simulation(store, bp, params, days=days, seed=seed, hidden=False)
        growth = run_growth(store, bp, seed=seed)
        engaged = run_engagement(store, bp)
    err.print(say(summary.render()), style="dim", markup=False)
    if growth.newcomers:
        err.print(say(growth.render()), style="dim", markup=False)
    state.db_url = url
    report_command(community=bp.community.slug, group=None, since=None, until=None, lang=state.lang)
    if engaged.session:
        _heading(Said("Routines"), "shequn session plan, shequn checkin board")
        with Store.open(url) as store:
            who = named(store, bp.community.slug, [s.member for s in engaged.board])
        for line in engaged.render(who):
            err.print(say(line), markup=False, highlight=False)
    _demo_worker(url)
    if serve:
        _serve_demo(url, bp.community.slug)


def _demo_worker(url: str) -> None:
    """End with the live loop: the worker run once through the console connector shows what
    the growth chapter sends (the wave welcome, a reward) in the community's language."""
    from shequn.cli.worker import worker_summary
    from shequn.connectors.console import ConsoleConnector
    from shequn.plan.demo_growth import story_end
    from shequn.worker.clock import SteppedClock
    from shequn.worker.loop import Config, Worker

    _heading(Said("What shequn sends now"), "shequn worker --once --connector console")
    with Store.open(url) as store:
        # the story's own "now": effects recorded at today's date would make today the
        # report's as-of day, and every demo group would look dead from then on
        with store.read() as conn:
            end = story_end(conn)
        clock = SteppedClock(end + timedelta(minutes=1)) if end else None
        worker = Worker(store, ConsoleConnector(), config=Config(ticks=False), clock=clock)
        counts = worker.run(once=True)
    err.print(worker_summary(counts), markup=False)


def _heading(title: Said, commands: str) -> None:
    """A chapter of the demo's story, with the commands that show it again."""
    err.print(f"\n[bold]{escape(say(title))}[/bold] ({escape(commands)}):")


def _serve_demo(url: str, community: str) -> None:
    """Open the demo in the dashboard: an owner token to log in with, then the server."""
    from shequn.cli.serve import serve_command
    from shequn.store.tokens import create_token

    with Store.open(url) as store:
        store.upgrade()  # the API's tables, if this demo database predates them
        _, secret = create_token(store, name="demo", role="owner", community=community, groups=[])
    echo(
        Said(
            "Dashboard: {url} — log in with this owner token (shown once):\n{secret}",
            url="http://127.0.0.1:8080/login",
            secret=secret,
        )
    )
    serve_command(host="127.0.0.1", port=8080)


def _check_demo(store: Store, bp: Blueprint, seed: int | None) -> None:
    """Only a database holding nothing but this demo may be written to (``seed=None``: any
    seed will do, for ``--fresh``)."""
    with store.read() as conn:
        others = [c.slug for c in list_communities(conn) if c.slug != bp.community.slug]
        newest = tail_events(conn, limit=1, kind="message.posted")
    if others:
        raise Conflict(
            Said(
                "{db} is not a demo database (it holds {others}); pass another --db",
                db=_shown(store),
                others=", ".join(others),
            )
        )
    if seed is not None and newest and newest[0][1].source != f"sim:{seed}":
        raise Conflict(
            Said(
                "{db} holds a demo made with another seed ({source}); use --fresh to rebuild it",
                db=_shown(store),
                source=newest[0][1].source,
            )
        )


def _remove_demo(url: str, bp: Blueprint) -> None:
    """``--fresh``: delete the SQLite file (and its WAL and analytics replica) — after
    checking it is a demo database."""
    from sqlalchemy.engine import make_url

    path = make_url(url).database
    if make_url(url).get_backend_name() != "sqlite" or not path or path == ":memory:":
        raise ShequnError(Said("--fresh rebuilds SQLite files only; drop the database yourself"))
    if Path(path).exists():
        with Store.open(url) as store:
            _check_demo(store, bp, None)
    base = Path(path)
    for p in (
        base,
        Path(f"{path}-wal"),
        Path(f"{path}-shm"),
        base.with_suffix(".analytics.duckdb"),
    ):
        p.unlink(missing_ok=True)


def _shown(store: Store) -> str:
    url: Any = store.engine.url
    return str(url.render_as_string(hide_password=True))


__all__ = ["demo_command", "demo_params", "run_simulation", "simulate_command"]
