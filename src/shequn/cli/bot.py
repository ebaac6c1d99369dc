"""``shequn bot run|check|webhook``: a live Telegram bot for a community.

The token comes from ``$SHEQUN_TELEGRAM_TOKEN`` or ``--token-file`` and nothing else (never
an argument, never the blueprint), and is never printed. ``bot run`` long-polls: it records
each batch of updates before asking for the next one (Telegram forgets an update only once a
later ``getUpdates`` passes its id), so a bot killed mid-stream loses nothing on restart and
records nothing twice (events are keyed on the update).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from shequn.cli.common import (
    CommunityOpt,
    JsonFlag,
    echo,
    err,
    open_store,
    pick_community,
    print_json,
    say,
)
from shequn.cli.telegram_options import chat_of
from shequn.errors import InvalidEvent
from shequn.model.i18n import N_, Said
from shequn.store.db import Store

bot_app = typer.Typer(help="A live chat bot (Telegram): run, check, webhook.", no_args_is_help=True)
webhook_app = typer.Typer(help="Telegram's webhook: set or delete.", no_args_is_help=True)
bot_app.add_typer(webhook_app, name="webhook")

ALLOWED_UPDATES = [
    "message",
    "chat_member",
    "my_chat_member",
    "chat_join_request",
    "message_reaction",
]
"""What the bot asks Telegram for: ``chat_member`` (joins, leaves) is only sent when asked."""

Platform = Annotated[str, typer.Argument(help="The platform: telegram.")]
ApiUrl = Annotated[
    str | None,
    typer.Option(help="Bot API base URL ending in /bot (a self-hosted Bot API server)."),
]
TokenFile = Annotated[
    Path | None,
    typer.Option(help="File holding the bot token [default: $SHEQUN_TELEGRAM_TOKEN]."),
]


def _platform(platform: str) -> None:
    if platform != "telegram":
        raise InvalidEvent(
            Said("no live bot for {platform!r}; known: telegram", platform=platform),
            field="platform",
        )


def _client(token_file: Path | None, api_url: str | None) -> tuple[str, Any]:
    from shequn.connectors.telegram.client import BotClient, load_token

    token = load_token(token_file)
    return token, BotClient(token, api_url=api_url)


@bot_app.command("run")
def run_command(
    platform: Platform = "telegram",
    api_url: ApiUrl = None,
    token_file: TokenFile = None,
    worker: Annotated[
        bool, typer.Option("--worker", help="Run the worker in this process.")
    ] = False,
    exit_when_idle: Annotated[
        float | None,
        typer.Option(min=0.1, help="Stop after this many seconds with no updates and nothing due."),
    ] = None,
    community: CommunityOpt = None,
) -> None:
    """Run the bot by long polling: updates become events (and, with --worker, the outbox's
    actions go out through it). 以长轮询运行机器人。"""
    from shequn.api.telegram_updates import record_updates
    from shequn.store.bindings import due_actions

    _platform(platform)
    token, client = _client(token_file, api_url)
    stop = threading.Event()
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGTERM, signal.SIGINT)}
    with open_store() as store:
        slug = pick_community(store, community)
        me = client.raw("getMe")
        bot = Said("bot @{username} ({id})", username=me.get("username"), id=me["id"])
        err.print(
            say(Said("{bot} for {community}: polling", bot=bot, community=slug)), markup=False
        )
        w, thread = _start_worker(store, token, api_url) if worker else (None, None)
        offset, idle_since = None, time.monotonic()
        wait = 25 if exit_when_idle is None else max(1, min(25, int(exit_when_idle)))
        try:
            while not stop.is_set():
                updates = client.raw(
                    "getUpdates", offset=offset, timeout=wait, allowed_updates=ALLOWED_UPDATES
                )
                if updates:
                    result = record_updates(store, slug, int(me["id"]), updates)
                    offset = int(updates[-1]["update_id"]) + 1
                    idle_since = time.monotonic()
                    got = Said("{n} updates: {new} new events", n=len(updates), new=result.new)
                    err.print(say(got), markup=False)
                    continue
                if exit_when_idle is not None and time.monotonic() - idle_since >= exit_when_idle:
                    if not _worker_looked(w, thread):
                        continue  # its first round (the ticks) may still queue something
                    with store.read() as conn:
                        if due_actions(conn, datetime.now(UTC)) == 0:
                            break
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            if w is not None and thread is not None:
                w.stop()
                thread.join()
            client.close()


def _worker_looked(w: Any, thread: threading.Thread | None) -> bool:
    """Whether the worker (if any) has finished a round in this run, or stopped: until then
    its ticks may not have run yet, and an idle exit would leave what they queue undone."""
    return w is None or thread is None or w.rounds > 0 or not thread.is_alive()


def _start_worker(store: Store, token: str, api_url: str | None) -> tuple[Any, Any]:
    from shequn.cli.worker import start_worker
    from shequn.connectors.telegram.connector import TelegramConnector

    connector = TelegramConnector(token, chat_of=chat_of(store), api_url=api_url)
    return start_worker(store, connector)


@bot_app.command("check")
def check_command(
    platform: Platform = "telegram",
    api_url: ApiUrl = None,
    token_file: TokenFile = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Who the bot is, each bound chat, whether it is an admin there with the rights it needs,
    and whether privacy mode hides group messages — each problem with its fix. 检查机器人。"""
    from shequn.connectors.telegram.check import check
    from shequn.store.bindings import list_bindings

    _platform(platform)
    _, client = _client(token_file, api_url)
    try:
        with open_store() as store:
            slug = pick_community(store, community)
            with store.read() as conn:
                bound = [
                    (b.group, b.chat)
                    for b in list_bindings(conn, slug, platform="telegram", active_only=True)
                ]
        report = check(client, bound, polling=True)
    finally:
        client.close()
    if as_json:
        print_json(report)
    else:
        _show(report, bound=bool(bound))
    if report.problems:
        raise typer.Exit(1)


STATUSES = {
    "creator": N_("creator"),
    "administrator": N_("administrator"),
    "member": N_("member"),
    "restricted": N_("restricted"),
    "left": N_("left"),
    "kicked": N_("kicked"),
    "unreachable": N_("unreachable"),
}
"""The bot's standing in a chat, as Telegram's ``getChatMember`` names it."""


def _show(report: Any, *, bound: bool) -> None:
    """``bot check`` for a person: the bot, each chat, each problem with its fix."""
    bot = report.bot
    echo(Said("bot @{username} ({id})", username=bot.get("username"), id=bot.get("id")))
    for chat in report.chats:
        status = chat["status"]
        shown = Said(STATUSES[status]) if status in STATUSES else str(status)
        echo(Said("  {group}: chat {chat}, {status}", group=chat["group"], chat=chat["chat"],
                  status=shown))  # fmt: skip
    if not bound:
        echo(Said("  no chat bound yet: shequn groups bind GROUP --chat -100…"))
    for problem in report.problems:
        echo(Said("problem: {problem}", problem=problem))
    n = len(report.problems)
    echo(Said("ok") if not n else Said("{n} problem(s)", n=n))


@webhook_app.command("set")
def webhook_set(
    url: Annotated[str, typer.Argument(help="The public HTTPS URL of POST /hooks/telegram.")],
    api_url: ApiUrl = None,
    token_file: TokenFile = None,
) -> None:
    """Have Telegram push updates to URL, with the secret of
    $SHEQUN_TELEGRAM_WEBHOOK_SECRET (the server checks it). 设置 webhook。"""
    from shequn.api.routes.hooks_telegram import SECRET_ENV

    secret = os.environ.get(SECRET_ENV, "")
    if not secret:
        raise InvalidEvent(
            Said("set {variable} (here and on the server) first", variable=SECRET_ENV),
            field="secret",
        )
    _, client = _client(token_file, api_url)
    try:
        client.raw("setWebhook", url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
    finally:
        client.close()
    echo(Said("webhook set: {url}", url=url))


@webhook_app.command("delete")
def webhook_delete(api_url: ApiUrl = None, token_file: TokenFile = None) -> None:
    """Stop the webhook (then `shequn bot run` can poll); pending updates are kept.
    删除 webhook。"""
    _, client = _client(token_file, api_url)
    try:
        client.raw("deleteWebhook", drop_pending_updates=False)
    finally:
        client.close()
    echo(Said("webhook deleted"))
