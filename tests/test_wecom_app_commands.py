"""A member writes to the corp's WeCom app privately: signed, encrypted text callbacks posted to
``/hooks/wecom`` become the bot commands Telegram members have (``/checkin``, ``/ask``,
``/rank``, ``/rsvp``, ``/appeal``, ``/stop``, ``/help``), answered in the community's language
by the worker through ``message/send`` on a fake WeCom — once per ``MsgId``, strangers told
so, forged callbacks refused, WeCom's errcodes retried or failed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shequn.api.app import create_app
from shequn.connectors.wecom.config import WeComConfig
from shequn.connectors.wecom.connector import WeComConnector
from shequn.engine.engagement import knowledge, meetups
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store import tables as t
from shequn.store.care import opted_out
from shequn.store.db import Store
from shequn.store.outbox import list_actions
from tests.growth_helpers import COMMUNITY, T0, group, loaded
from tests.wecom_fake import FakeWeCom, app_text, sealed, serve_fake, wecom_env
from tests.worker_helpers import FakeClock, worker

AMY, BO = "wecom:amy", "wecom:bo"


@dataclass
class App:
    client: TestClient
    fake: FakeWeCom
    store: Store
    sent: int = 0

    def write(self, who: str, text: str, msg_id: str, *, at: datetime = T0, **kw: Any) -> Any:
        """``who`` (a userid) writes ``text`` to the app: the callback WeCom posts."""
        params, body = sealed(app_text(who, text, msg_id, at=int(at.timestamp()), **kw))
        return self.client.post("/hooks/wecom", params=params, content=body)

    def deliver(self, clock: FakeClock | None = None) -> list[tuple[str, str]]:
        """Run the worker once; the app messages sent since last time: (touser, content)."""
        wecom = WeComConnector(config=WeComConfig.from_env())
        worker(self.store, wecom, clock or FakeClock(datetime.now(UTC))).run(once=True)
        new = self.fake.app_messages[self.sent :]
        self.sent = len(self.fake.app_messages)
        assert all(m["agentid"] == self.fake.agent_id and m["msgtype"] == "text" for m in new)
        return [(m["touser"], m["text"]["content"]) for m in new]

    def said(self, who: str, text: str, msg_id: str, **kw: Any) -> str:
        """The app's one answer to ``who`` writing ``text``."""
        assert self.write(who, text, msg_id, **kw).text == "success"
        [(to, content)] = self.deliver()
        assert to == who
        return content


@pytest.fixture
def app(store: Store, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    loaded(store, group("main", gates=["camp"], camp="camp"), group("camp"))
    record(store, [
        Event("member.joined", T0 - timedelta(days=1), COMMUNITY, "wecom:test", f"j{who}:{g}",
              group=g, actor=who)
        for who, g in ((AMY, "camp"), (AMY, "main"), (BO, "main"))
    ])  # fmt: skip
    with serve_fake() as fake:
        wecom_env(monkeypatch, API_URL=fake.url, AGENT_ID=str(fake.agent_id))
        with TestClient(create_app(database_url)) as client:
            yield App(client, fake, store)


def events(store: Store, kind: str) -> int:
    with store.read() as conn:
        q = select(func.count()).select_from(t.events).where(t.events.c.kind == kind)
        return int(conn.execute(q).scalar_one())


def test_every_command_is_answered_through_the_app_in_the_communitys_language(app: App) -> None:
    tomorrow = T0 + timedelta(days=1)
    assert app.said("amy", "/checkin", "1001") == "打卡成功！camp 已连续 1 天，累计 1 天。"
    assert app.said("amy", "／checkin camp", "1002", at=tomorrow).startswith(
        "打卡成功！camp 已连续 2 天"
    )  # a Chinese keyboard's full-width slash
    assert app.said("amy", "/rank", "1003", at=tomorrow) == "你的积分：10；徽章：暂无"

    knowledge.ask(app.store, COMMUNITY, AMY, "怎么报名？", group="main", source="cli", ref="q1",
                  now=T0)  # fmt: skip
    knowledge.answer(app.store, COMMUNITY, "cli|q1", "看群公告", source="cli", now=T0)
    assert app.said("bo", "/ask 请问怎么报名", "1004") == "这个问题之前有人答过：看群公告"
    assert app.said("bo", "/ask\n几点开始？", "1005") == "收到你的问题，会尽快有人回答。"

    meetups.plan_meetup(app.store, COMMUNITY, "main", title="读书会", venue="咖啡馆",
                        starts_at=T0 + timedelta(days=7), now=T0)  # fmt: skip
    assert app.said("bo", "/rsvp 去", "1006") == (
        "你会参加「读书会」（2026-05-08 10:00，咖啡馆），到时见！"
    )
    assert app.said("bo", "/appeal", "1007") == "你目前没有可以申诉的处理。"
    assert app.said("bo", "/help", "1008").startswith("可用命令：")
    assert app.said("bo", "/stop", "1009").startswith("好的，不再给你发私信关怀")
    with app.store.read() as conn:
        assert opted_out(conn, COMMUNITY) == {BO}
    assert (events(app.store, "checkin.done"), events(app.store, "qa.asked")) == (2, 3)


def test_a_replayed_message_is_answered_once_and_replies_are_not_paced(app: App) -> None:
    """WeCom re-sends a message it thinks unanswered under the same MsgId; and a member's
    replies are app messages, not the one-a-day message tasks."""
    for _ in range(3):
        assert app.write("amy", "/checkin", "2001").text == "success"
    assert app.write("amy", "/rank", "2002").text == "success"
    replies = app.deliver()
    assert [to for to, _ in replies] == ["amy", "amy"]
    assert events(app.store, "checkin.done") == 1
    assert app.fake.tasks == []  # no customer message task was spent


def test_a_stranger_is_told_in_the_communitys_language_and_nothing_is_recorded(app: App) -> None:
    before = events(app.store, "checkin.done")
    answer = app.said("zed", "/checkin", "3001")
    assert answer.startswith("我还不认识你") and "读书会" in answer
    app.write("zed", "/checkin", "3001")  # again: no second reply
    assert app.deliver() == []
    assert events(app.store, "checkin.done") == before


def test_forged_oversized_and_non_text_callbacks_change_nothing(app: App) -> None:
    params, body = sealed(app_text("amy", "/checkin", "4001", at=int(T0.timestamp())))
    forged = app.client.post("/hooks/wecom", params={**params, "msg_signature": "0" * 40},
                             content=body)  # fmt: skip
    assert forged.status_code == 401
    huge = app.client.post("/hooks/wecom", params=params, content=body + b" " * 300_000)
    assert huge.status_code == 413
    image = app_text("amy", "/checkin", "4002", at=int(T0.timestamp())).replace(
        b"[text]", b"[image]"
    )
    params, body = sealed(image)
    assert app.client.post("/hooks/wecom", params=params, content=body).text == "success"
    assert app.write("amy", "/checkin", "4003", agent=7).text == "success"  # another app's
    with app.store.read() as conn:
        assert list_actions(conn, community=COMMUNITY, status=None) == []
    assert events(app.store, "checkin.done") == 0


def test_wecoms_errcodes_are_retried_or_fail_with_a_reason(app: App) -> None:
    clock = FakeClock(datetime.now(UTC))
    app.fake.fail_next["/cgi-bin/message/send"] = 45009  # the frequency limit: try again
    app.write("amy", "/rank", "5001")
    assert app.deliver(clock) == []
    with app.store.read() as conn:
        [waiting] = list_actions(conn, community=COMMUNITY, status="pending")
    assert "45009" in waiting["last_error"]
    clock.t += timedelta(minutes=2)
    assert app.deliver(clock) == [("amy", "你的积分：0；徽章：暂无")]

    app.fake.app_users = {"amy"}  # bo is outside the app's visible range
    app.write("bo", "/rank", "5002")
    assert app.deliver(clock) == []
    with app.store.read() as conn:
        [failed] = list_actions(conn, community=COMMUNITY, status="failed")
    assert "81013" in failed["last_error"]
