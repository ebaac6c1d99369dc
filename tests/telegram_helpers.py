"""A community with Telegram-bound groups, a fake Bot API and ``shequn bot run``: the
shortcuts of the end-to-end Telegram tests (the door, the poster, the referral story)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from shequn.engine.bindings import bind
from shequn.store.db import Store
from tests.growth_helpers import COMMUNITY, loaded
from tests.telegram_fake import TOKEN, FakeBotApi, serve
from tests.telegram_updates import join_request, member
from tests.test_cli import Cli

World = tuple[Cli, FakeBotApi, str, Store]
"""The CLI on the test database, the fake Bot API, its ``--api-url`` and the store."""


@contextmanager
def telegram_world(
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    chats: dict[str, int],
    *groups: str,
    extra: str = "",
) -> Iterator[World]:
    """``groups`` loaded, each slug in ``chats`` bound to its Telegram chat, the fake running."""
    monkeypatch.setenv("SHEQUN_TELEGRAM_TOKEN", TOKEN)
    store = Store.open(database_url)
    loaded(store, *groups, extra=extra)
    for slug, chat in chats.items():
        bind(store, COMMUNITY, slug, "telegram", str(chat))
    api = FakeBotApi()
    server, url = serve(api)
    try:
        yield Cli(database_url, capsys), api, url, store
    finally:
        server.shutdown()
        store.close()


def bot_run(cli: Cli, url: str) -> None:
    """``shequn bot run telegram --worker`` until the updates and due actions run out."""
    code, _, err = cli.run(
        "bot", "run", "telegram", "--api-url", url, "--worker", "--exit-when-idle", "0.3",
        "--community", COMMUNITY,
    )  # fmt: skip
    assert code == 0, err


def actions(cli: Cli) -> list[tuple[str, str]]:
    rows: Any = cli.json("actions", "list", "--status", "all", "--community", COMMUNITY)
    return sorted((a["kind"], a["status"]) for a in rows)


def knock(uid: int, who: int, chat: int) -> dict[str, Any]:
    """A join request sent now (seats are held for hours, so an old one would expire)."""
    update = join_request(uid, who, chat=chat)
    update["chat_join_request"]["date"] = int(time.time())
    return update


def private(uid: int, who: int, text: str, first: str = "Li") -> dict[str, Any]:
    """``text`` written to the bot in its private chat with ``who``, now."""
    return {
        "update_id": uid,
        "message": {
            "message_id": uid,
            "date": int(time.time()),
            "text": text,
            "chat": {"id": who, "type": "private", "first_name": first},
            "from": {"id": who, "is_bot": False, "first_name": first},
        },
    }


def member_update(uid: int, who: int, old: str, new: str, **kw: Any) -> dict[str, Any]:
    """A ``chat_member`` update of now (``link=``: the invite link the join came by)."""
    update = member(uid, who, old, new, **kw)
    update["chat_member"]["date"] = int(time.time())
    return update


def one_use_links(api: FakeBotApi) -> list[dict[str, Any]]:
    """The one-use invite links the bot made to admit someone (``member_limit`` 1), not the
    links kept in step with the seats (``link.sync``)."""
    return [p for p in api.called("createChatInviteLink") if p.get("member_limit") == 1]
