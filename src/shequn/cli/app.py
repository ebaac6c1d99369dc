"""The ``shequn`` command: a Typer app assembled from one module per area.

``main`` is the console-script entry point. It turns every :class:`ShequnError` into one line
on stderr and exit code 1 (``--debug`` shows the traceback instead).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import typer

from shequn import __version__
from shequn.cli.actions import actions_app
from shequn.cli.bindings import bind_command, bindings_command, unbind_command, unbound_command
from shequn.cli.blueprint import blueprint_app, init_command
from shequn.cli.bot import bot_app
from shequn.cli.calendar import calendar_app
from shequn.cli.campaign import campaign_app, fraud_app
from shequn.cli.checkin import checkin_app
from shequn.cli.common import state
from shequn.cli.content import content_app
from shequn.cli.diagnose import diagnose_command
from shequn.cli.elections import election_app
from shequn.cli.envelope import envelope_app
from shequn.cli.export import export_app
from shequn.cli.failure import error_line
from shequn.cli.forecast import forecast_command, plan_app
from shequn.cli.growth import applications_app, entry_app, intake_app, link_app
from shequn.cli.honour_stories import honours_app
from shequn.cli.honours import badges_app, care_app, points_app
from shequn.cli.imports import import_command
from shequn.cli.log import db_app, events_app, rebuild_command
from shequn.cli.meetup import meetup_app
from shequn.cli.money import commission_app, memberships_app, offers_app, payments_app
from shequn.cli.organization import levels_app, motion_app, orgtask_app, roles_app
from shequn.cli.people import groups_app, members_app
from shequn.cli.plan import demo_command, simulate_command
from shequn.cli.poster import poster_command
from shequn.cli.qa import qa_app
from shequn.cli.report import metrics_command, report_command
from shequn.cli.rules import moderation_app, rules_app
from shequn.cli.serve import serve_command, token_app
from shequn.cli.session import session_app
from shequn.cli.templates import templates_app
from shequn.cli.usage import UsageGroup
from shequn.cli.wecom import wecom_app
from shequn.cli.worker import tasks_app, worker_command
from shequn.errors import ShequnError

app = typer.Typer(
    name="shequn",
    help="shequn (社群): run chat-group communities by the playbook, on an event log.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Plain help: with Rich markup on, "[default: …]" or "[diagnosis.<rule id>]" in a help
    # text vanished as if it were a style tag (tests/test_cli_help.py).
    rich_markup_mode=None,
    cls=UsageGroup,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"shequn {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="SHEQUN_DATABASE_URL",
            show_envvar=True,
            help="Database URL [default: sqlite:///shequn.db].",
        ),
    ] = None,
    debug: Annotated[bool, typer.Option(help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """shequn (社群): run chat-group communities by the playbook, on an event log."""
    state.db_url = db
    state.debug = debug
    state.reset()  # each run resolves its own (tests run many in-process)


app.command("init")(init_command)
app.add_typer(blueprint_app, name="blueprint")
app.add_typer(db_app, name="db")
app.add_typer(groups_app, name="groups")
groups_app.command("bind")(bind_command)
groups_app.command("unbind")(unbind_command)
groups_app.command("bindings")(bindings_command)
groups_app.command("unbound")(unbound_command)
app.add_typer(members_app, name="members")
app.add_typer(events_app, name="events")
app.add_typer(export_app, name="export")
app.command("import")(import_command)
app.command("report")(report_command)
app.command("metrics")(metrics_command)
app.command("diagnose")(diagnose_command)
app.command("simulate")(simulate_command)
app.command("demo")(demo_command)
app.command("forecast")(forecast_command)
app.add_typer(link_app, name="link")
app.add_typer(entry_app, name="entry")
app.add_typer(applications_app, name="applications")
app.add_typer(intake_app, name="intake")
app.add_typer(campaign_app, name="campaign")
app.add_typer(fraud_app, name="fraud")
app.add_typer(actions_app, name="actions")
app.add_typer(rules_app, name="rules")
app.add_typer(moderation_app, name="moderation")
app.add_typer(tasks_app, name="tasks")
app.command("worker")(worker_command)
app.add_typer(bot_app, name="bot")
app.add_typer(wecom_app, name="wecom")
app.add_typer(templates_app, name="templates")
app.add_typer(session_app, name="session")
app.add_typer(meetup_app, name="meetup")
app.add_typer(calendar_app, name="calendar")
app.add_typer(content_app, name="content")
app.add_typer(checkin_app, name="checkin")
app.add_typer(qa_app, name="qa")
app.add_typer(envelope_app, name="envelope")
app.add_typer(care_app, name="care")
app.add_typer(points_app, name="points")
app.add_typer(badges_app, name="badges")
app.add_typer(honours_app, name="honours")
app.add_typer(payments_app, name="payments")
app.add_typer(memberships_app, name="memberships")
app.add_typer(offers_app, name="offers")
app.add_typer(commission_app, name="commission")
app.add_typer(levels_app, name="levels")
app.add_typer(orgtask_app, name="orgtask")
app.add_typer(motion_app, name="motion")
app.add_typer(roles_app, name="roles")
app.add_typer(election_app, name="election")
app.command("poster")(poster_command)
app.add_typer(plan_app, name="plan")
app.command("serve")(serve_command)
app.add_typer(token_app, name="token")
app.command("rebuild")(rebuild_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (the console script exits with it)."""
    state.reset()
    try:
        app(args=list(argv) if argv is not None else None, prog_name="shequn")
    except ShequnError as e:
        if state.debug:
            raise
        # one line, never wrapped; in the community's language once the command knew it
        typer.echo(error_line(e), err=True)
        return 1
    except SystemExit as e:  # Typer/Click end every run this way, success included
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0
