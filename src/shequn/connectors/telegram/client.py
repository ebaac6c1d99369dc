"""The Bot API client: python-telegram-bot's ``Bot`` behind a small synchronous façade.

What we take from python-telegram-bot (PTB): the HTTP layer (httpx), every method's request
encoding and typed answers, the ``base_url`` convention (``…/bot``, the token appended) and
its error classes, which :func:`map_error` turns into ours in one place. What we do ourselves:
pacing (the worker's token buckets per chat and per connector — PTB's optional rate limiter is
a simple global throttle that knows nothing of our queue), retries (the worker's backoff,
honouring ``retry_after``), and the update loop (``bot_run.py``: offsets committed only after
the events are recorded).

PTB is asynchronous and shequn's worker is not, so each client owns a private event loop and
runs one call at a time on it; a client belongs to one thread.

The token is a secret: it is never printed, and :func:`redact` rewrites any log record (httpx
logs request URLs, which contain it) before a handler sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from shequn.connectors.base import ConnectorError, Permanent, Transient, Uncertain
from shequn.errors import InvalidEvent
from shequn.model.i18n import N_, Said

DEFAULT_API_URL = "https://api.telegram.org/bot"
TOKEN_ENV = "SHEQUN_TELEGRAM_TOKEN"  # noqa: S105 — the variable's name, not a secret
T = TypeVar("T")

_REDACTED: set[str] = set()


def load_token(token_file: Path | None = None) -> str:
    """The bot token from ``--token-file`` or ``$SHEQUN_TELEGRAM_TOKEN`` (never the
    blueprint, never a command-line argument: both end up in shells' histories and logs)."""
    if token_file is not None:
        token = token_file.read_text(encoding="utf-8").strip()
    else:
        token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise InvalidEvent(
            Said(
                "no Telegram bot token: set {variable} or pass --token-file FILE",
                variable=TOKEN_ENV,
            ),
            field="token",
        )
    redact(token)
    return token


def redact(token: str) -> None:
    """From now on, no log record of this process carries ``token`` (once per token)."""
    if token in _REDACTED:
        return
    _REDACTED.add(token)
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        message = record.getMessage()
        if token in message:
            record.msg, record.args = message.replace(token, "<token>"), ()
        return record

    logging.setLogRecordFactory(factory)
    for name in ("httpx", "httpcore"):  # request URLs at INFO/DEBUG: not worth keeping
        logging.getLogger(name).setLevel(max(logging.getLogger(name).level, logging.WARNING))


def scrub(text: str) -> str:
    """``text`` without any token this process knows (error reasons end up in the database)."""
    for token in _REDACTED:
        text = text.replace(token, "<token>")
    return text


_PLAIN = (
    ("bot was blocked by the user", N_("the member blocked the bot; they must unblock it")),
    ("bot can't initiate conversation", N_("the member never opened a private chat with the bot "
     "(they must press Start in it first)")),
    ("bot was kicked", N_("the bot was removed from the group; add it back as an admin")),
    ("bot is not a member", N_("the bot is not in the group; add it as an admin")),
    ("not enough rights", N_("the bot is not an admin with the rights this needs (ban, invite, "
     "pin, delete, add new admins); `shequn bot check telegram` lists them")),
    ("chat not found", N_("the chat does not exist or the bot cannot see it; check the binding")),
    ("user not found", N_("Telegram does not know this member (wrong id?)")),
    ("hide_requester_missing", N_("there is no pending join request from this member")),
    ("invite_hash_expired", N_("the invite link was revoked or has expired: it cannot be edited "
     "(shequn makes a new one when the seats next change)")),
    ("user_not_participant", N_("the member is not in the group (they join first, then can be "
     "made its admin)")),
)  # fmt: skip


def plain(message: str) -> Said:
    """Telegram's terse reason in plain words, with Telegram's own words kept after it."""
    low = message.lower()
    for needle, words in _PLAIN:
        if needle in low:
            return Said("{words} (Telegram: {message})", words=Said(words), message=message)
    return Said("Telegram: {message}", message=message)


def map_error(exc: BaseException) -> ConnectorError:
    """Every PTB error as Transient, Permanent or Uncertain — the only place that knows
    Telegram's errors (429 → retry after; 400/403 → permanent; a timeout → maybe done)."""
    from telegram import error as tg

    reason = scrub(str(exc))
    if isinstance(exc, tg.RetryAfter):
        seconds = exc.retry_after
        wait = seconds.total_seconds() if hasattr(seconds, "total_seconds") else float(seconds)
        return Transient(
            Said("Telegram asked to wait {wait} s (flood control)", wait=f"{wait:g}"),
            retry_after=wait,
        )
    if isinstance(exc, tg.ChatMigrated):
        return Permanent(
            Said(
                "the group became a supergroup with id {chat}; bind that id: "
                "shequn groups unbind GROUP && shequn groups bind GROUP --chat {chat}",
                chat=exc.new_chat_id,
            )
        )
    if isinstance(exc, tg.InvalidToken):
        return Permanent(Said("Telegram refused the bot token (revoked or mistyped?)"))
    if isinstance(exc, tg.Conflict):
        return Permanent(
            Said("another process is polling this bot, or a webhook is set ({why})", why=reason)
        )
    if isinstance(exc, tg.TimedOut):
        return Uncertain(
            Said(
                "no answer from Telegram in time; the call may have gone through ({why})",
                why=reason,
            )
        )
    if isinstance(exc, tg.NetworkError) and not isinstance(exc, tg.BadRequest):
        return Transient(Said("cannot reach Telegram: {why}", why=reason))
    if isinstance(exc, (tg.Forbidden, tg.BadRequest, tg.TelegramError)):
        return Permanent(plain(reason))
    return Uncertain(Said("unexpected error: {error}: {why}", error=type(exc).__name__, why=reason))


class BotClient:
    """One bot, one thread: ``client.call(lambda bot: bot.send_message(...))``."""

    def __init__(self, token: str, *, api_url: str | None = None, timeout: float = 10.0) -> None:
        from telegram import Bot
        from telegram.request import HTTPXRequest

        redact(token)
        self._loop = asyncio.new_event_loop()
        request = HTTPXRequest(connection_pool_size=8, read_timeout=timeout, write_timeout=timeout)
        polling = HTTPXRequest(connection_pool_size=1, read_timeout=timeout + 60)
        self.bot = Bot(
            token,
            base_url=api_url or DEFAULT_API_URL,
            request=request,
            get_updates_request=polling,
        )

    def call(self, make: Callable[[Any], Awaitable[T]]) -> T:
        """Run one Bot API call; its error comes out as Transient, Permanent or Uncertain."""
        # PTB warns that ``retry_after`` becomes a timedelta (we read both) and that it
        # prefers its typed methods to ``do_api_request`` (we want the JSON): neither is news.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)
            try:
                return self._loop.run_until_complete(make(self.bot))
            except ConnectorError:
                raise
            except Exception as e:
                raise map_error(e) from None

    def raw(self, method: str, **params: Any) -> Any:
        """A Bot API method's JSON answer as Telegram sent it (``getUpdates``: the updates the
        webhook would have received, for the one mapping in ``inbound.py``)."""
        timeout = float(params.get("timeout", 0)) + 10
        return self.call(
            lambda bot: bot.do_api_request(method, api_kwargs=params, read_timeout=timeout)
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a client that never connected
            self._loop.run_until_complete(self.bot.shutdown())
        self._loop.close()
