"""``shequn worker --connector wecom`` end to end: the CLI gives the connector the group → chat
lookup (a ``wecom`` binding, else the group's ``chat_id``) and the sender from
``SHEQUN_WECOM_SENDER``, and the group message tasks reach the fake WeCom."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shequn.connectors.wecom.config import WeComConfig
from shequn.connectors.wecom.connector import WECOM_LIMITS, WELCOMES, WeComConnector
from shequn.engine.wecom_stats import readback_tick
from shequn.store.db import Store
from shequn.store.outbox import list_actions
from shequn.store.wecom_queries import message_tasks_since
from tests.growth_helpers import COMMUNITY, group, loaded
from tests.test_cli import Cli
from tests.test_wecom_hooks import bind_chats
from tests.wecom_fake import AES_KEY, CORP, SECRET, TOKEN, FakeWeCom, serve_fake
from tests.worker_helpers import FakeClock, queue, worker


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeCom]:
    with serve_fake() as f:
        for key, value in {"CORP_ID": CORP, "TOKEN": TOKEN, "AES_KEY": AES_KEY,
                           "SECRET": SECRET, "SENDER": "boss"}.items():  # fmt: skip
            monkeypatch.setenv(f"SHEQUN_WECOM_{key}", value)
        monkeypatch.delenv("SHEQUN_WECOM_API_URL", raising=False)
        yield f


@pytest.fixture
def shop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    url = f"sqlite:///{tmp_path / 'shequn.db'}"
    with Store.open(url) as store:
        loaded(store, group("a"), group("b"), group("c"))
        bind_chats(store, {"b": "wrOwnB"})  # the group's own chat_id: the fallback
    return Cli(url, capsys)


def test_group_message_tasks_go_to_the_bound_chats_from_the_sender(
    shop: Cli, fake: FakeWeCom
) -> None:
    assert shop.json("groups", "bind", "a", "--platform", "wecom", "--chat", "wrBoundA")["bound"]
    with Store.open(shop.url) as store:
        for slug in ("a", "b", "c"):
            queue(store, 1, group=slug)
        queue(store, 1, group="a", to="wecom:wmAlice")
    code, _, err = shop.run(
        "worker", "--once", "--no-ticks", "--connector", "wecom", "--api-url", fake.url
    )
    assert code == 0, err
    sent = sorted((t["chat_type"], t.get("chat_id_list") or t["external_userid"], t["sender"])
                  for t in fake.tasks)  # fmt: skip
    assert sent == [
        ("group", ["wrBoundA"], "boss"), ("group", ["wrOwnB"], "boss"),
        ("single", ["wmAlice"], "boss"),
    ]  # fmt: skip
    rows = {r["group_slug"]: r for r in shop.json("actions", "list", "--status", "failed")}  # type: ignore[union-attr]
    assert list(rows) == ["c"] and "has no WeCom chat id" in rows["c"]["last_error"]
    assert "3 done" in err and "1 failed" in err
    with Store.open(shop.url) as store, store.read() as conn:  # what the monthly cap counts
        since = datetime(2000, 1, 1, tzinfo=UTC)
        assert message_tasks_since(conn, "readers/a", since, WELCOMES) == 1
        assert message_tasks_since(conn, "wecom:wmAlice", since, WELCOMES) == 1

    fake.confirmed.add(min(fake.sent_by))  # the sender confirmed one task in the client
    with Store.open(shop.url) as store:  # a day later the tick asks WeCom about each task
        now = datetime.now(UTC)
        assert readback_tick(store, COMMUNITY, now) == 0  # too early
        assert readback_tick(store, COMMUNITY, now + timedelta(days=1, minutes=1)) == 3
        assert readback_tick(store, COMMUNITY, now + timedelta(days=2)) == 0  # once each
        clock = FakeClock(now + timedelta(days=2))
        wecom = WeComConnector(config=WeComConfig.from_env(), api_url=fake.url)
        worker(store, wecom, clock).run(once=True)
        with store.read() as conn:
            read = list_actions(conn, status="done", kind="message.readback")
    assert sorted(r["result"]["sent"] for r in read) == [False, False, True]


def test_without_settings_the_worker_says_what_is_missing(
    shop: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHEQUN_WECOM_SECRET", raising=False)
    code, _, err = shop.run("worker", "--once", "--connector", "wecom")
    assert code != 0 and "SHEQUN_WECOM_SECRET" in err
    code, _, err = shop.run("worker", "--once", "--api-url", "http://x")
    assert code != 0 and "--api-url is for telegram and wecom" in err


def test_only_message_tasks_wait_for_the_day_slot() -> None:
    assert WECOM_LIMITS.paces("message.send", {"template": "session_reminder"})
    assert WECOM_LIMITS.paces("message.send", {"text": "hi", "to": "wecom:wmA"})
    assert not WECOM_LIMITS.paces("message.send", {"template": "join_welcome"})
    assert not WECOM_LIMITS.paces("livecode.sync", {"link": "spring"})
