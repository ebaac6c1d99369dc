"""The Telegram bot end to end against the fake Bot API: long polling into the log (and a
restart that loses and repeats nothing), the worker sending through it, the webhook's secret,
``bot check`` and ``bot webhook``; the token never in a log line or the database."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text

from shequn.api.app import create_app
from shequn.model.actions import Action
from shequn.store import tables as t
from shequn.store.db import Store
from shequn.store.outbox import enqueue
from tests.telegram_fake import BOT_ID, TOKEN, FakeBotApi, serve
from tests.telegram_updates import CHAT, every_kind, message
from tests.test_cli import EXAMPLE, Cli

SECRET = "hook-secret-for-tests"


@pytest.fixture
def fake() -> Iterator[tuple[FakeBotApi, str]]:
    api = FakeBotApi()
    server, url = serve(api)
    yield api, url
    server.shutdown()


@pytest.fixture
def bot(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    monkeypatch.setenv("SHEQUN_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("SHEQUN_TELEGRAM_WEBHOOK_SECRET", SECRET)
    cli = Cli(database_url, capsys)
    cli.json("blueprint", "load", EXAMPLE / "community.toml")
    cli.json("groups", "bind", "main", "--chat", str(CHAT))
    return cli


def telegram_events(url: str) -> list[tuple[str, str | None]]:
    store = Store.open(url)
    try:
        with store.read() as conn:
            e = t.events.c
            q = select(e.kind, e.group_slug).where(e.source == f"telegram-bot:{BOT_ID}")
            return [(kind, group) for kind, group in conn.execute(q.order_by(e.id))]
    finally:
        store.close()


def everything_stored(url: str) -> str:
    store = Store.open(url)
    try:
        with store.read() as conn:
            names = inspect(conn).get_table_names()  # what is there, whatever the code knows
            return "\n".join(
                repr(list(conn.execute(text(f'SELECT * FROM "{name}"')))) for name in names
            )
    finally:
        store.close()


def run(cli: Cli, url: str, *extra: str) -> tuple[int, str, str]:
    return cli.run("bot", "run", "telegram", "--api-url", url, "--exit-when-idle", "0.3", *extra)


def test_polling_records_every_kind_and_a_restart_repeats_nothing(
    bot: Cli, fake: Any, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    api, url = fake
    api.push(*every_kind())
    caplog.set_level(logging.DEBUG)
    code, _, err = run(bot, url)
    assert code == 0, err
    first = telegram_events(database_url)
    assert {g for _, g in first} == {"main"}
    assert len(first) == 11 and ("entry.decided", "main") in first  # the join request: decided
    assert api.confirmed == 11  # the next getUpdates confirmed them, after they were recorded
    api.push(*every_kind())  # a bot killed before that next call gets them again on restart
    code, _, err = run(bot, url)
    assert code == 0, err
    assert telegram_events(database_url) == first  # nothing lost, nothing twice
    assert api.called("getUpdates")[0]["allowed_updates"][1] == "chat_member"
    assert TOKEN not in err + caplog.text
    assert TOKEN not in everything_stored(database_url)


def test_an_unbound_chat_is_kept_and_listed(bot: Cli, fake: Any, database_url: str) -> None:
    api, url = fake
    api.push(message(1, 7, 10, "hello", chat=-1009))
    assert run(bot, url)[0] == 0
    [chat] = bot.json("groups", "unbound")
    assert (chat["chat"], chat["events"]) == ("-1009", 1)


def test_a_supergroup_migration_moves_the_binding(bot: Cli, fake: Any) -> None:
    api, url = fake
    api.push(message(1, 7, 10, migrate_to_chat_id=-1005555))
    assert run(bot, url)[0] == 0
    bound = {b["chat"]: (b["group"], b["active"]) for b in bot.json("groups", "bindings")}
    assert bound == {str(CHAT): ("main", False), "-1005555": ("main", True)}


def test_the_worker_sends_through_the_bot(bot: Cli, fake: Any, database_url: str) -> None:
    api, url = fake
    store = Store.open(database_url)
    try:
        with store.transaction() as conn:
            now = datetime.now(UTC)
            hello = Action("message.send", "study-circle", now, "main", {"text": "早上好"})
            enqueue(conn, [hello])
    finally:
        store.close()
    code, _, err = run(bot, url, "--worker")
    assert code == 0, err
    assert {"chat_id": CHAT, "text": "早上好"} in api.called("sendMessage")
    bot_sent = bot.json("actions", "list", "--status", "all")
    assert [a["status"] for a in bot_sent] == ["done"]


def test_webhook_needs_telegrams_secret(bot: Cli, database_url: str) -> None:
    update = message(42, 7, 10, "via webhook")
    with TestClient(create_app(database_url)) as client:
        assert client.post("/hooks/telegram", json=update).status_code == 401
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
        assert client.post("/hooks/telegram", json=update, headers=wrong).status_code == 401
        assert telegram_events(database_url) == []
        right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        assert client.post("/hooks/telegram", json=update, headers=right).json()["new"] == 1
        assert client.post("/hooks/telegram", json=update, headers=right).json()["new"] == 0
        bad = client.post("/hooks/telegram", content=b"{", headers=right)
        assert bad.status_code == 400
    assert telegram_events(database_url) == [("message.posted", "main")]


def test_check_names_each_problem_with_its_fix(bot: Cli, fake: Any) -> None:
    api, url = fake
    api.privacy = True
    code, out, _ = bot.run("bot", "check", "telegram", "--api-url", url, "--lang", "en")
    assert code == 1
    assert "privacy mode is on" in out and "/setprivacy" in out
    assert "not an admin" in out
    api.privacy = False
    api.admins[CHAT] = {
        "can_restrict_members": True,
        "can_invite_users": True,
        "can_delete_messages": True,
        "can_pin_messages": True,
    }
    code, out, _ = bot.run("bot", "check", "telegram", "--api-url", url, "--lang", "en")
    assert code == 1 and "lacks the admin rights add new admins" in out  # leaders made admins
    api.admins[CHAT]["can_promote_members"] = True
    code, out, _ = bot.run("bot", "check", "telegram", "--api-url", url, "--lang", "en")
    assert code == 0 and out.rstrip().endswith("ok")
    assert TOKEN not in out


def test_check_and_run_speak_the_community_language(bot: Cli, fake: Any) -> None:
    """The example community speaks Chinese: the bot's check (each problem, its fix, the
    rights it lacks), the polling notes and a missing token read in Chinese; ``--json`` and
    ``--lang en`` in English (issue 23 item 10)."""
    api, url = fake
    api.privacy = True
    api.admins[CHAT] = {"can_restrict_members": True, "can_invite_users": True}
    code, out, _ = bot.run("bot", "check", "telegram", "--api-url", url)
    assert code == 1, out
    lines = out.splitlines()
    assert lines[0].startswith("机器人 @") and lines[1] == f"  main：会话 {CHAT}，管理员"
    assert "问题：隐私模式开启：机器人在群里只能看到命令和回复它的消息" in out
    assert (
        f"问题：main（会话 {CHAT}）：机器人缺少管理员权限：删除消息（执行群规）、置顶消息、" in out
    )
    assert lines[-1] == "2 个问题" and "privacy mode" not in out and "admin rights" not in out
    _, printed, _ = bot.run("bot", "check", "telegram", "--api-url", url, "--json")
    report = json.loads(printed)
    assert report["problems"][0].startswith("privacy mode is on")  # JSON: English, for programs
    assert report["chats"][0]["missing_rights"][0] == "delete messages (rule enforcement)"
    _, english, _ = bot.run("bot", "check", "telegram", "--api-url", url, "--lang", "en")
    assert f"problem: main (chat {CHAT}): the bot lacks the admin rights delete messages" in english
    assert english.rstrip().endswith("2 problem(s)") and "问题" not in english
    api.push(message(1, 7, 10, "你好"))
    code, _, err = run(bot, url)
    assert code == 0 and "为社群 study-circle 轮询中" in err and "1 条更新：1 个新事件" in err, err
    api.push(message(2, 7, 11, "hello"))
    _, _, err = run(bot, url, "--lang", "en")
    assert "for study-circle: polling" in err and "1 updates: 1 new events" in err


def test_webhook_set_and_delete(bot: Cli, fake: Any) -> None:
    api, url = fake
    assert (
        bot.run("bot", "webhook", "set", "https://example.org/hooks/telegram", "--api-url", url)[0]
        == 0
    )
    [hook] = api.called("setWebhook")
    assert hook["secret_token"] == SECRET and hook["url"].endswith("/hooks/telegram")
    _, out, _ = bot.run("bot", "check", "telegram", "--api-url", url)
    assert "已设置 webhook，长轮询收不到更新" in out
    assert bot.run("bot", "webhook", "delete", "--api-url", url)[0] == 0
    assert api.called("deleteWebhook")
    _, out, _ = bot.run("bot", "webhook", "delete", "--api-url", url, "--lang", "zh")
    assert out.strip() == "已删除 webhook"  # said in the language asked (issue 23 item 10)
    _, out, _ = bot.run("bot", "webhook", "delete", "--api-url", url, "--lang", "en")
    assert out.strip() == "webhook deleted"


def test_no_token_is_a_clear_error(bot: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHEQUN_TELEGRAM_TOKEN")
    code, _, err = bot.run("bot", "check", "telegram")
    assert code == 1 and "SHEQUN_TELEGRAM_TOKEN" in err and "--token-file" in err
    assert err.startswith("错误：未设置 Telegram 机器人令牌")  # the community's language
    code, _, err = bot.run("bot", "check", "telegram", "--lang", "en")
    assert err.startswith("error: no Telegram bot token: set SHEQUN_TELEGRAM_TOKEN")


def test_shequn_worker_with_the_telegram_connector(
    bot: Cli, fake: Any, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, url = fake
    monkeypatch.setenv("SHEQUN_TELEGRAM_API_URL", url)
    store = Store.open(database_url)
    try:
        with store.transaction() as conn:
            now = datetime.now(UTC)
            mute = Action("member.ban", "study-circle", now, "main", {"identity": "telegram:9"})
            refund = Action("payment.refund", "study-circle", now, "main", {"to": "telegram:9"})
            enqueue(conn, [mute, refund])
    finally:
        store.close()
    code, _, err = bot.run("worker", "--once", "--connector", "telegram", "--no-ticks")
    assert code == 0, err
    assert api.called("banChatMember") == [{"chat_id": CHAT, "user_id": 9}]
    statuses = {a["kind"]: a["status"] for a in bot.json("actions", "list", "--status", "all")}
    assert statuses == {"member.ban": "done", "payment.refund": "review"}  # a person refunds
