"""``shequn worker --connector wecom`` end to end: the CLI gives the connector the group → chat
lookup (a ``wecom`` binding, else the group's ``chat_id``) and the sender from
``SHEQUN_WECOM_SENDER``, and the group message tasks reach the fake WeCom."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from shequn.connectors.wecom.config import WeComConfig
from shequn.connectors.wecom.connector import WECOM_LIMITS, WELCOMES, WeComConnector
from shequn.engine.wecom_stats import readback_tick
from shequn.store import tables as t
from shequn.store.db import Store
from shequn.store.outbox import list_actions
from shequn.store.wecom_queries import message_tasks_since
from tests.growth_helpers import COMMUNITY, group, loaded
from tests.test_cli import Cli
from tests.test_wecom_hooks import bind_chats
from tests.wecom_fake import FakeWeCom, serve_fake, wecom_env
from tests.worker_helpers import FakeClock, queue, worker


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeCom]:
    with serve_fake() as f:
        wecom_env(monkeypatch, SENDER="boss")
        monkeypatch.delenv("SHEQUN_WECOM_API_URL", raising=False)
        yield f


@pytest.fixture
def shop(store: Store, database_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    loaded(store, group("a"), group("b"), group("c"))
    bind_chats(store, {"b": "wrOwnB"})  # the group's own chat_id: the fallback
    return Cli(database_url, capsys)


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
    assert "3 已完成" in err and "1 失败" in err  # the community speaks Chinese
    with Store.open(shop.url) as store, store.read() as conn:  # what the monthly cap counts
        since = datetime(2000, 1, 1, tzinfo=UTC)
        assert message_tasks_since(conn, "readers/a", since, WELCOMES) == 1
        assert message_tasks_since(conn, "wecom:wmAlice", since, WELCOMES) == 1


def test_a_task_is_read_back_once_finished_with_who_received_it(
    shop: Cli, fake: FakeWeCom, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A day after each message task the read-back asks WeCom who confirmed it and who got
    it; it waits while the task is unfinished (not confirmed, still dispatching) and records
    ``message.received`` with the counts once it is (or once it stops asking)."""
    shop.json("groups", "bind", "a", "--platform", "wecom", "--chat", "wrBoundA")
    with Store.open(shop.url) as store:
        queue(store, 1, group="a")
        queue(store, 1, group="b")
        queue(store, 1, group="c", to=["wecom:wmAlice", "wecom:wmBob", "wecom:wmCy"])
    code, _, err = shop.run(
        "worker", "--once", "--no-ticks", "--connector", "wecom", "--api-url", fake.url
    )
    assert code == 0, err
    msgid = {str(b.get("chat_id_list") or b["external_userid"]): m for m, b in fake.bodies.items()}
    group_a, group_b = msgid["['wrBoundA']"], msgid["['wrOwnB']"]
    private = msgid["['wmAlice', 'wmBob', 'wmCy']"]
    fake.confirmed |= {group_a, private}  # the sender confirmed two tasks in the client
    fake.outcomes |= {"wmBob": 2, "wmCy": 3}  # Bob deleted the contact, Cy had another task
    fake.dispatching.add(group_a)  # WeCom is still dispatching it when first asked

    now = datetime.now(UTC)
    # the worker's clock runs days ahead of this machine's: the margin SHEQUN_FUTURE_MARGIN_HOURS
    monkeypatch.setattr("shequn.model.events.FUTURE_MARGIN", timedelta(days=5))
    clock = FakeClock(now + timedelta(days=1, minutes=1))
    wecom = WeComConnector(config=WeComConfig.from_env(), api_url=fake.url, clock=clock.now)
    with Store.open(shop.url) as store:
        assert readback_tick(store, COMMUNITY, now) == 0  # too early
        assert readback_tick(store, COMMUNITY, clock.now()) == 3
        assert readback_tick(store, COMMUNITY, clock.now() + timedelta(days=1)) == 0  # once each

        def run_at(later: timedelta) -> dict[str, dict[str, Any]]:
            clock.t = now + later
            worker(store, wecom, clock).run(once=True)
            with store.read() as conn:
                done = list_actions(conn, status="done", kind="message.readback")
            return {r["payload"]["msgid"]: r["result"] for r in done}

        first = run_at(timedelta(days=1, minutes=2))
        assert list(first) == [private]  # a: dispatching (41063, retried), b: not confirmed
        assert {k: first[private][k] for k in ("sent", "received", "failed", "unsent")} == {
            "sent": True, "received": 1, "failed": 2, "unsent": 0,
        }  # fmt: skip
        assert first[private]["recipients"] == {
            "wmAlice": "received", "wmBob": "not_a_contact", "wmCy": "had_another_task",
        }  # fmt: skip
        assert sorted(run_at(timedelta(days=1, minutes=10))) == sorted([private, group_a])
        assert group_b not in run_at(timedelta(days=2))  # still asking while unsent
        last = run_at(timedelta(days=4))[group_b]  # it stopped asking after three days
        assert (last["sent"], last["received"], last["unsent"]) == (False, 0, 1)
        with store.read() as conn:
            q = select(t.events).where(t.events.c.kind == "message.received")
            got = {(r.group_slug, r.subject, r.data["received"], r.data["failed"],
                    r.data["unsent"]) for r in conn.execute(q)}  # fmt: skip
    assert got == {("c", None, 1, 2, 0), ("a", None, 1, 0, 0), ("b", None, 0, 0, 1)}


def test_without_settings_the_worker_says_what_is_missing(
    shop: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHEQUN_WECOM_SECRET", raising=False)
    code, _, err = shop.run("worker", "--once", "--connector", "wecom")
    assert code != 0 and "SHEQUN_WECOM_SECRET" in err
    code, _, err = shop.run("worker", "--once", "--api-url", "http://x")
    assert code != 0 and "--api-url 只用于 telegram 和 wecom" in err  # the community speaks zh
    code, _, err = shop.run("worker", "--once", "--api-url", "http://x", "--lang", "en")
    assert code != 0 and "--api-url is for telegram and wecom" in err


def test_only_message_tasks_wait_for_the_day_slot() -> None:
    assert WECOM_LIMITS.paces("message.send", {"template": "session_reminder"})
    assert WECOM_LIMITS.paces("message.send", {"text": "hi", "to": "wecom:wmA"})
    assert not WECOM_LIMITS.paces("message.send", {"template": "join_welcome"})
    assert not WECOM_LIMITS.paces("livecode.sync", {"link": "spring"})


def test_a_restarted_worker_still_sends_a_group_one_task_a_day(
    shop: Cli, fake: FakeWeCom, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The day's pacing starts from the outbox: a worker started after another one sent a
    group its task of the day keeps the next task back until the day is over."""
    monkeypatch.setattr("shequn.model.events.FUTURE_MARGIN", timedelta(days=5))
    now = datetime.now(UTC)
    clock = FakeClock(now)

    def started() -> WeComConnector:  # a new process: nothing in memory
        return WeComConnector(config=WeComConfig.from_env(), api_url=fake.url, clock=clock.now,
                              chat_of=lambda _c, g: {"b": "wrOwnB"}.get(g))  # fmt: skip

    with Store.open(shop.url) as store:
        queue(store, 1, group="b", due=now)
        worker(store, started(), clock).run(once=True)
        assert len(fake.tasks) == 1
        queue(store, 1, group="b", due=now + timedelta(hours=1), text="see you tonight")
        queue(
            store,
            1,
            group="b",
            due=now + timedelta(hours=1),
            template="join_welcome",
            names=["Alice"],
            rules=[],
        )
        clock.t = now + timedelta(hours=1)
        worker(store, started(), clock).run(once=True)  # restarted an hour later
        assert (len(fake.tasks), len(fake.templates)) == (1, 1)  # the welcome is not paced
        with store.read() as conn:
            [waiting] = list_actions(conn, status="pending")
        assert waiting["payload"]["text"] == "see you tonight"
        assert abs(_at(waiting["next_run_at"]) - (now + timedelta(days=1))) < timedelta(seconds=1)
        clock.t = now + timedelta(days=1, minutes=1)
        worker(store, started(), clock).run(once=True)  # and again, the next day
        assert len(fake.tasks) == 2


def _at(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
