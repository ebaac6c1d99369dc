"""``shequn worker`` (carry out the outbox) and ``shequn tasks`` (what only a person can do).

The worker prints what the console connector sends on stdout and its progress on stderr, so
``shequn worker --once --connector console > sent.txt`` keeps exactly the messages.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from shequn.cli.bulk_gc import freeze_startup
from shequn.cli.common import (
    JsonFlag,
    echo,
    err,
    open_store,
    pick_community,
    print_json,
    print_table,
    say,
    show_time,
)
from shequn.connectors.base import Connector, Limits, Rate
from shequn.connectors.registry import CONNECTORS, connector
from shequn.errors import InvalidEvent
from shequn.model.actions import RetryPolicy, said_status
from shequn.model.i18n import N_, Said
from shequn.store.db import Store

tasks_app = typer.Typer(
    help="Operator tasks: what only a person can do (create a group, refund, decide a send).",
    no_args_is_help=True,
)


def parse_rate(text: str | None, option: str) -> Rate | None:
    """``20/60`` → 20 calls per 60 seconds."""
    if not text:
        return None
    try:
        count, per = text.split("/")
        rate = Rate(int(count), float(per))
    except ValueError:
        raise InvalidEvent(
            Said("{option} must look like 20/60 (calls/seconds)", option=option), field=option
        ) from None
    if rate.count < 1 or rate.per <= 0:
        raise InvalidEvent(
            Said("{option}: both numbers must be positive", option=option), field=option
        )
    return rate


def make_connector(
    name: str,
    file: Path | None,
    rate_chat: str | None = None,
    rate_all: str | None = None,
    api_url: str | None = None,
) -> Connector:
    """The named connector with its options and rate limits from the command line."""
    options: dict[str, Any] = {
        "limits": Limits(parse_rate(rate_chat, "--rate-chat"), parse_rate(rate_all, "--rate-all"))
    }
    if name == "file":
        if file is None:
            raise InvalidEvent(Said("--connector file needs --file PATH"), field="file")
        options["path"] = file
    if name == "telegram":  # the token and the bindings come from the environment and store
        from shequn.cli.telegram_options import telegram_options

        options |= telegram_options()
        if api_url:
            options["api_url"] = api_url
    if name == "wecom":  # the settings from SHEQUN_WECOM_*, the chats from the bindings
        from shequn.cli.wecom import wecom_options

        options |= wecom_options(api_url)
    if api_url and name not in ("telegram", "wecom"):
        raise InvalidEvent(
            Said("--api-url is for telegram and wecom, not {name}", name=name), field="api_url"
        )
    return connector(name, options)


def log(line: str) -> None:
    """A line of the worker's progress (a failed action and why, a tick that broke) on stderr,
    in the command's language."""
    err.print(say(line), markup=False)


def start_worker(store: Store, conn: Connector, **config: Any) -> tuple[Any, threading.Thread]:
    """A worker running in a thread (``shequn serve --worker``); stop it with ``.stop()``."""
    from shequn.worker.loop import Config, Worker

    w = Worker(store, conn, config=Config(**config), say=log)
    thread = threading.Thread(target=w.run, name="shequn-worker", daemon=True)
    thread.start()
    return w, thread


def worker_command(
    once: Annotated[bool, typer.Option("--once", help="Do what is due now, then exit.")] = False,
    connector_name: Annotated[
        str, typer.Option("--connector", help=f"One of: {', '.join(CONNECTORS)}.")
    ] = "console",
    file: Annotated[
        Path | None, typer.Option("--file", help="The JSONL file of --connector file.")
    ] = None,
    rate_chat: Annotated[
        str | None, typer.Option(help="Per chat: CALLS/SECONDS, e.g. 20/60 (Telegram groups).")
    ] = None,
    rate_all: Annotated[
        str | None, typer.Option(help="For the connector: CALLS/SECONDS, e.g. 30/1.")
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option(help="The platform's API base URL (telegram, wecom): a proxy, a test server."),
    ] = None,
    max_attempts: Annotated[
        int, typer.Option(min=1, help="Tries of a transient failure before it is dead.")
    ] = 5,
    ticks: Annotated[
        bool, typer.Option(help="Run the engine's ticks (waves, seats, campaigns).")
    ] = True,
    as_json: JsonFlag = False,
) -> None:
    """Carry out the outbox through a connector until stopped (SIGTERM/SIGINT finish the
    action in hand, then exit)."""
    from shequn.worker.loop import Config, Worker

    conn = make_connector(connector_name, file, rate_chat, rate_all, api_url)
    config = Config(retry=RetryPolicy(max_attempts=max_attempts), ticks=ticks)
    with open_store() as store:
        w = Worker(store, conn, config=config, say=log)
        previous = {
            s: signal.signal(s, lambda *_: w.stop()) for s in (signal.SIGTERM, signal.SIGINT)
        }
        started = (
            Said("worker {name}: {connector} connector, once", name=w.name, connector=conn.name)
            if once
            else Said("worker {name}: {connector} connector", name=w.name, connector=conn.name)
        )
        err.print(say(started), markup=False)
        if not once:
            freeze_startup()  # what the worker loaded lives as long as it runs
        try:
            counts = w.run(once=once)
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            conn.close()
    summary = {k: n for k, n in sorted(counts.items()) if n}
    print_json(summary) if as_json else err.print(worker_summary(counts), markup=False)


def worker_summary(counts: Mapping[str, int]) -> str:
    """What a worker run did, for a person: ``3 done, 1 paced`` (``nothing was due``)."""
    done = {k: n for k, n in sorted(counts.items()) if n}
    return ", ".join(f"{n} {say(said_status(k))}" for k, n in done.items()) or say(
        N_("nothing was due")
    )


@tasks_app.command("list")
def tasks_list(
    status: Annotated[str, typer.Option(help="open, done or all.")] = "open",
    community: Annotated[str | None, typer.Option(help="Community slug.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Tasks waiting for a person, oldest first."""
    from shequn.store.tasks import list_tasks

    with open_store() as store:
        slug = pick_community(store, community)
        with store.read() as conn:
            rows = list_tasks(conn, slug, status=None if status == "all" else status, limit=1000)
    if as_json:
        print_json(rows)
        return
    print_table(
        Said("{n} tasks ({status})", n=len(rows), status=Said(status)),
        [N_("id"), N_("group"), N_("action"), N_("created"), N_("instruction")],
        [
            (r["id"], r["group_slug"], r["action_id"], show_time(r["created_at"]), r["instruction"])
            for r in rows
        ],
    )


@tasks_app.command("done")
def tasks_done(
    task_id: Annotated[int, typer.Argument(help="The task's id.")],
    note: Annotated[str | None, typer.Option(help="What you did, kept with the task.")] = None,
    by: Annotated[str, typer.Option(help="Who did it.")] = "operator",
    as_json: JsonFlag = False,
) -> None:
    """Mark a task done; the action waiting for it is done too."""
    from datetime import UTC, datetime

    from shequn.store.tasks import task_done

    with open_store() as store, store.transaction() as conn:
        row = task_done(conn, task_id, by=by, now=datetime.now(UTC), note=note)
    print_json(row) if as_json else echo(Said("task {id}: done", id=task_id))


COUNTS = (N_("paced"), N_("retried"), N_("recovered"))
"""What a worker run counts besides the outbox states (``worker/loop.py``)."""
