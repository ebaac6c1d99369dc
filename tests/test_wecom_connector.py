"""The WeCom connector against the fake WeCom on 127.0.0.1: messages, the welcome template,
group live codes, the access token and its expiry, errcodes mapped with their reasons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from shequn.connectors.base import Call, Permanent, Transient, Uncertain
from shequn.connectors.registry import connector
from shequn.connectors.wecom.client import WeComClient, error_for
from shequn.connectors.wecom.config import NotConfigured, WeComConfig
from shequn.connectors.wecom.connector import CHINA, WECOM_LIMITS, WeComConnector
from shequn.model.action_kinds import ACTION_KINDS
from tests.wecom_fake import AES_KEY, CORP, SECRET, TOKEN, FakeWeCom, serve_fake, wecom_env

CONFIG = WeComConfig(CORP, TOKEN, AES_KEY, SECRET)


@pytest.fixture
def fake() -> Iterator[FakeWeCom]:
    with serve_fake() as f:
        yield f


@pytest.fixture
def wecom(fake: FakeWeCom) -> Iterator[WeComConnector]:
    chats = {"a": "wrA", "b": "wrB"}
    conn = WeComConnector(
        config=CONFIG, api_url=fake.url, sender="boss", chat_of=lambda _c, g: chats.get(g)
    )
    yield conn
    conn.close()


def call(
    kind: str = "message.send", group: str | None = "a", text: str | None = "hi", **p: Any
) -> Call:
    return Call(1, kind, "readers", group, None, p, "k", text)


def test_a_group_message_is_a_task_for_the_sender_to_confirm(
    wecom: WeComConnector, fake: FakeWeCom
) -> None:
    done = wecom.perform(call(template="session_reminder"))
    [task] = fake.tasks
    assert task == {
        "text": {"content": "hi"}, "sender": "boss", "chat_type": "group", "chat_id_list": ["wrA"],
    }  # fmt: skip
    assert done.platform_ref and done.platform_ref.startswith("msg")


def test_a_private_message_goes_to_the_customers(wecom: WeComConnector, fake: FakeWeCom) -> None:
    wecom.perform(call(to=["wecom:wmA", "wecom:wmB"]))
    assert fake.tasks[0]["chat_type"] == "single"
    assert fake.tasks[0]["external_userid"] == ["wmA", "wmB"]
    with pytest.raises(Permanent, match="not a WeCom customer"):
        wecom.perform(call(to="telegram:5"))


def test_the_welcome_becomes_the_group_welcome_template(
    wecom: WeComConnector, fake: FakeWeCom
) -> None:
    first = wecom.perform(call(template="welcome", text="欢迎新朋友"))
    second = wecom.perform(call(template="welcome", text="欢迎各位"))
    assert first.platform_ref == second.platform_ref
    assert next(iter(fake.templates.values()))["text"] == {"content": "欢迎各位"}
    assert fake.tasks == []  # no message task spent on a welcome
    other = wecom.perform(call(group="b", template="welcome", text="欢迎来到 b"))
    assert other.platform_ref != first.platform_ref  # each group its own template
    again = WeComConnector(config=CONFIG, api_url=fake.url, welcome_templates={
        "readers/a": str(first.platform_ref)})  # fmt: skip
    assert again.perform(call(template="welcome", text="hi")).platform_ref == first.platform_ref
    assert len(fake.templates) == 2  # a restarted worker edits, it does not add
    again.close()


def test_a_live_code_is_created_then_updated(wecom: WeComConnector, fake: FakeWeCom) -> None:
    made = wecom.perform(
        call("livecode.sync", None, None, link="L1", state="poster", chat_ids=["wrA", "wrB"])
    )
    config_id = made.platform_ref
    assert config_id is not None and made.result["qr_code"] == f"https://wx/{config_id}"
    wecom.perform(
        call(
            "livecode.sync",
            None,
            None,
            link="L1",
            state="poster",
            chat_ids=["wrB"],
            config_id=config_id,
        )
    )
    way = fake.join_ways[config_id]
    assert (way["chat_id_list"], way["state"], way["scene"]) == (["wrB"], "poster", 2)
    assert len(fake.join_ways) == 1
    with pytest.raises(Permanent, match="at least one group"):
        wecom.perform(call("livecode.sync", None, None, link="L1", chat_ids=[]))
    gone = wecom.perform(call("livecode.sync", None, None, link="L1", chat_ids=[],
                              config_id=config_id, delete=True))  # fmt: skip
    assert gone.result["deleted"] and fake.join_ways == {}


def test_the_token_is_cached_and_renewed_when_wecom_says_it_expired(
    wecom: WeComConnector, fake: FakeWeCom
) -> None:
    wecom.perform(call())
    wecom.perform(call())
    assert wecom.client.token_fetches == 1
    fake.expire_tokens()  # errcode 42001 on the next call
    wecom.perform(call())
    assert wecom.client.token_fetches == 2
    assert len(fake.tasks) == 3


def test_errcodes_become_transient_or_permanent_with_the_reason(
    wecom: WeComConnector, fake: FakeWeCom
) -> None:
    fake.fail_next["/cgi-bin/externalcontact/add_msg_template"] = 45009
    with pytest.raises(Transient, match="frequency") as busy:
        wecom.perform(call())
    assert busy.value.retry_after == 60.0
    fake.fail_next["/cgi-bin/externalcontact/add_msg_template"] = 60020
    with pytest.raises(Permanent, match="trusted IP"):
        wecom.perform(call())
    assert isinstance(error_for(48002, "api forbidden"), Permanent)
    dispatching = error_for(41063, "group msg is being dispatched")  # ask again later
    assert isinstance(dispatching, Transient) and dispatching.retry_after == 60
    assert "123456" in error_for(123456, "something new").reason


def test_a_wrong_secret_is_permanent_and_named(fake: FakeWeCom) -> None:
    client = WeComClient(CORP, "wrong", api_url=fake.url)
    with pytest.raises(Permanent, match="SHEQUN_WECOM_SECRET"):
        client.post("groupchat/get", {"chat_id": "x"})


def test_network_failures_are_transient_or_uncertain_for_sends() -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("gettoken"):
            return httpx.Response(200, json={"errcode": 0, "access_token": "t", "expires_in": 7200})
        raise httpx.ReadTimeout("late", request=request)

    client = WeComClient(CORP, SECRET, transport=httpx.MockTransport(boom))
    with pytest.raises(Uncertain):
        client.post("add_msg_template", {}, idempotent=False)
    with pytest.raises(Transient):
        client.post("groupchat/get", {})


def test_what_wecom_cannot_do_is_left_to_a_person(wecom: WeComConnector) -> None:
    for kind in ("member.ban", "member.remove", "group.create", "payment.refund"):
        assert kind not in wecom.kinds
    assert "livecode.sync" in ACTION_KINDS
    assert wecom.limits == WECOM_LIMITS


def test_built_by_the_registry_from_the_environment(
    fake: FakeWeCom, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(NotConfigured, match="SHEQUN_WECOM_SECRET"):
        WeComConfig.from_env({"SHEQUN_WECOM_CORP_ID": CORP})
    wecom_env(monkeypatch)
    made = connector("wecom", {"api_url": fake.url})
    assert made.name == "wecom"
    assert SECRET not in repr(made.config) and AES_KEY not in repr(made.config)  # type: ignore[attr-defined]
    made.close()


def test_a_fifth_task_in_a_month_waits_for_the_next_month(fake: FakeWeCom) -> None:
    sent = {"readers/a": 4, "readers/b": 3}
    december = datetime(2026, 12, 20, 12, 0, tzinfo=CHINA)
    conn = WeComConnector(
        config=CONFIG, api_url=fake.url, sender="boss", chat_of=lambda _c, g: f"wr{g}",
        sent_since=lambda target, since: sent[target] if since.day == 1 else 0,
        clock=lambda: december,
    )  # fmt: skip
    with pytest.raises(Transient, match="4 WeCom message tasks this month") as full:
        conn.perform(Call(1, "message.send", "readers", "a", "readers/a", {}, "k", "hi"))
    new_year = datetime(2027, 1, 1, tzinfo=CHINA)
    assert full.value.retry_after == (new_year - december).total_seconds()
    conn.perform(Call(2, "message.send", "readers", "b", "readers/b", {}, "k2", "hi"))
    welcome = {"template": "join_welcome"}  # an edit of the template: not a task, not capped
    conn.perform(Call(3, "message.send", "readers", "a", "readers/a", welcome, "k3", "hi"))
    assert [t["chat_id_list"] for t in fake.tasks] == [["wrb"]]
    conn.close()


def test_a_reply_to_a_command_goes_through_the_app_30_a_minute(fake: FakeWeCom) -> None:
    """A ``message.send`` answering a member's command is an app message (``message/send``),
    not a message task; WeCom drops an app's 31st message to a member within a minute, so
    that one waits."""
    clock = [datetime(2026, 5, 1, 10, 0, tzinfo=CHINA)]
    config = WeComConfig(CORP, TOKEN, AES_KEY, SECRET, agent_id=str(fake.agent_id))
    wecom = WeComConnector(config=config, api_url=fake.url, clock=lambda: clock[0])
    reply = call(group=None, to=["wecom:amy"], command="msg:1:9")
    for _ in range(30):
        assert (wecom.perform(reply).platform_ref or "").startswith("app")
    with pytest.raises(Transient) as waited:
        wecom.perform(reply)
    assert waited.value.retry_after == 60.0
    clock[0] = clock[0].replace(minute=1)
    wecom.perform(reply)
    assert len(fake.app_messages) == 31 and fake.tasks == []
    assert fake.app_messages[0] == {
        "touser": "amy", "msgtype": "text", "agentid": fake.agent_id, "text": {"content": "hi"},
    }  # fmt: skip
    without = WeComConnector(config=CONFIG, api_url=fake.url)
    with pytest.raises(Permanent, match="SHEQUN_WECOM_AGENT_ID"):
        without.perform(reply)
