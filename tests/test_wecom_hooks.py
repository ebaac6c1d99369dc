"""/hooks/wecom: WeCom's signed, encrypted callbacks become events — and nothing else does."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from shequn.api.app import create_app
from shequn.connectors.wecom.crypto import CallbackCrypto
from shequn.engine.bindings import bind
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store import tables as t
from shequn.store.chat_owners import chat_owners, group_owners
from shequn.store.db import Store
from tests.growth_helpers import COMMUNITY, T0, group, loaded
from tests.wecom_fake import (
    AES_KEY,
    CORP,
    SECRET,
    TOKEN,
    FakeWeCom,
    callback_xml,
    sealed,
    serve_fake,
    wecom_env,
)

CHAT_A, CHAT_B = "wrChatA000000000000000000000001", "wrChatB000000000000000000000002"


def bind_chats(store: Store, chats: dict[str, str]) -> None:
    """Set the groups' chat ids, as an owner's ``group.configured`` does."""
    record(
        store,
        [
            Event(
                kind="group.configured",
                occurred_at=T0 - timedelta(hours=1),
                community=COMMUNITY,
                group=slug,
                source="operator:test",
                source_ref=f"bind:{slug}",
                data={"name": slug, "chat_id": chat},
            )
            for slug, chat in chats.items()
        ],
    )


@dataclass
class Hook:
    client: TestClient
    fake: FakeWeCom
    store: Store

    def post(self, fields: dict[str, str], members: list[str] | None = None, **kw: Any) -> Any:
        params, body = sealed(callback_xml(fields, members), **kw)
        return self.client.post("/hooks/wecom", params=params, content=body)


@pytest.fixture
def hook(store: Store, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hook]:
    loaded(store, group("a", capacity=2), group("b"))
    bind_chats(store, {"a": CHAT_A, "b": CHAT_B})
    with serve_fake() as fake:
        fake.chats[CHAT_A] = {"chat_id": CHAT_A, "name": "a", "owner": "boss", "member_list": []}
        wecom_env(monkeypatch, API_URL=fake.url)
        with TestClient(create_app(database_url)) as client:
            yield Hook(client, fake, store)


def joined(when: int, *members: str, detail: str = "add_member", **more: str) -> dict[str, Any]:
    return {
        "CreateTime": str(when),
        "MsgType": "event",
        "Event": "change_external_chat",
        "ChatId": CHAT_A,
        "ChangeType": "update",
        "UpdateDetail": detail,
        "MemChangeCnt": str(len(members)),
        **more,
    }


def test_the_url_check_echoes_the_plaintext(hook: Hook) -> None:
    crypto = CallbackCrypto(TOKEN, AES_KEY, CORP)
    echostr, sig = crypto.seal(b"8237465827364", "1777000000", "99")
    params = {"msg_signature": sig, "timestamp": "1777000000", "nonce": "99", "echostr": echostr}
    answer = hook.client.get("/hooks/wecom", params=params)
    assert (answer.status_code, answer.text) == (200, "8237465827364")
    params["nonce"] = "98"
    assert hook.client.get("/hooks/wecom", params=params).status_code == 401


def rows(hook: Hook, *kinds: str) -> list[dict[str, Any]]:
    with hook.store.read() as conn:
        q = select(t.events).where(t.events.c.source == f"wecom:{CORP}").order_by(t.events.c.id)
        return [dict(r) for r in conn.execute(q).mappings() if not kinds or r["kind"] in kinds]


def test_a_join_through_a_live_code_carries_its_channel(hook: Hook) -> None:
    when = int((T0 + timedelta(minutes=5)).timestamp())
    hook.fake.add_member(CHAT_A, "wmAlice", state="poster-spring", at=when)
    fields = joined(when, "wmAlice", JoinScene="3")
    assert hook.post(fields, ["wmAlice"]).text == "success"
    assert hook.post(fields, ["wmAlice"]).text == "success"  # WeCom retries: nothing new
    [row] = rows(hook, "member.joined")
    assert (row["kind"], row["group_slug"]) == ("member.joined", "a")
    data = row["data"]
    assert (data["channel"], data["campaign"], data["join_scene"]) == (
        "poster-spring", "poster-spring", "qr",
    )  # fmt: skip
    assert "/cgi-bin/externalcontact/groupchat/get" in hook.fake.calls


def test_distinct_changes_in_one_second_are_distinct_events(hook: Hook) -> None:
    when = int((T0 + timedelta(minutes=5)).timestamp())
    for who in ("wmA", "wmB"):
        hook.fake.add_member(CHAT_A, who, state=None, at=when)
        hook.post(joined(when, who, JoinScene="2"), [who])
    hook.post(joined(when, "wmA", detail="del_member", QuitScene="0"), ["wmA"])
    hook.post(joined(when, "wmB", detail="del_member", QuitScene="1"), ["wmB"])
    kinds = [r["kind"] for r in rows(hook, "member.joined", "member.left", "member.removed")]
    assert kinds == ["member.joined", "member.joined", "member.left", "member.removed"]
    left, removed = rows(hook, "member.left", "member.removed")
    assert left["data"]["quit_scene"] == "left"
    assert removed["data"]["quit_scene"] == "removed"


@pytest.mark.parametrize("tamper", ["signature", "body", "corp"])
def test_a_tampered_callback_is_refused_and_nothing_recorded(hook: Hook, tamper: str) -> None:
    when = int(T0.timestamp())
    hook.fake.add_member(CHAT_A, "wmEve", state="x", at=when)
    xml = callback_xml(joined(when, "wmEve"), ["wmEve"])
    crypto = CallbackCrypto(TOKEN, AES_KEY, "wwsomeoneelse0001") if tamper == "corp" else None
    params, body = sealed(xml, crypto=crypto)
    if tamper == "signature":
        params["msg_signature"] = "f" * 40
    elif tamper == "body":
        body = body.replace(b"<![CDATA[", b"<![CDATA[AAAA", 2)
    answer = hook.client.post("/hooks/wecom", params=params, content=body)
    assert answer.status_code == 401
    assert rows(hook) == []
    assert hook.fake.calls == []


def test_an_unbound_chat_records_nothing(hook: Hook, caplog: pytest.LogCaptureFixture) -> None:
    fields = {**joined(int(T0.timestamp()), "wmX"), "ChatId": "wrUnknown"}
    with caplog.at_level(logging.WARNING, "shequn.wecom"):
        assert hook.post(fields, ["wmX"]).text == "success"
    assert rows(hook) == []
    assert "wrUnknown" in caplog.text


def test_each_chat_owner_is_recorded_as_it_changes(hook: Hook) -> None:
    """A chat's owner (WeCom counts statistics per owner): read with the chat's details,
    recorded when created or handed over — for a chat no group claims yet too."""
    when = int((T0 + timedelta(minutes=5)).timestamp())
    hook.fake.add_member(CHAT_A, "wmA", state=None, at=when)
    hook.post(joined(when, "wmA", JoinScene="3"), ["wmA"])
    hook.post(joined(when + 1, "wmA", JoinScene="3"), ["wmA"])  # the same owner: nothing new
    hook.fake.chats[CHAT_A]["owner"] = "heir"  # 离职继承: the group passed to someone else
    handover = {**joined(when + 60), "UpdateDetail": "change_owner"}
    assert hook.post(handover).text == "success"
    hook.post(handover)  # re-delivered: nothing new
    made = "wrMadeByWeCom0000000000000000001"  # a group WeCom opened itself (auto_create_room)
    hook.fake.chats[made] = {"chat_id": made, "name": "读书会3", "owner": "boss", "member_list": []}
    create = {"CreateTime": str(when + 120), "MsgType": "event", "ChatId": made,
              "Event": "change_external_chat", "ChangeType": "create"}  # fmt: skip
    hook.post(create)
    owned = [(r["group_slug"], r["data"]) for r in rows(hook, "group.owner_changed")]
    assert owned == [
        ("a", {"platform": "wecom", "chat": CHAT_A, "owner": "boss", "reason": "read"}),
        ("a", {"platform": "wecom", "chat": CHAT_A, "owner": "heir", "reason": "transferred",
               "previous": "boss"}),
        (f"unbound:wecom:{made}", {"platform": "wecom", "chat": made, "owner": "boss",
                                   "reason": "created"}),
    ]  # fmt: skip
    with hook.store.read() as conn:
        assert chat_owners(conn, COMMUNITY, "wecom") == {CHAT_A: "heir", made: "boss"}
        assert group_owners(conn, COMMUNITY, "wecom") == {"a": "heir", "b": None}
    bind(hook.store, COMMUNITY, "b", "wecom", made)  # bound later: its owner is known already
    with hook.store.read() as conn:
        assert group_owners(conn, COMMUNITY, "wecom") == {"a": "heir", "b": "boss"}


def test_secrets_reach_neither_the_logs_nor_the_database(
    hook: Hook, caplog: pytest.LogCaptureFixture
) -> None:
    when = int(T0.timestamp())
    hook.fake.add_member(CHAT_A, "wmS", state="s", at=when)
    with caplog.at_level(logging.DEBUG):
        hook.post(joined(when, "wmS"), ["wmS"])
        hook.fake.expire_tokens()
        hook.post(joined(when + 1, "wmS", detail="del_member", QuitScene="0"), ["wmS"])
        params, body = sealed(callback_xml(joined(when, "wmS")))
        hook.client.post("/hooks/wecom", params={**params, "nonce": "7"}, content=body)
    assert len(rows(hook, "member.joined", "member.left")) == 2
    dump = caplog.text + "\n".join(map(str, _every_row(hook.store)))
    for secret in (SECRET, TOKEN, AES_KEY, *hook.fake.tokens):
        assert secret not in dump


def _every_row(store: Store) -> Iterator[Any]:
    with store.read() as conn:
        for table in t.metadata.sorted_tables:
            yield from conn.execute(select(table))
