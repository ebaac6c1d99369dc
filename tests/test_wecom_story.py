"""The issue's end-to-end story on the fake WeCom: a live code made from a shequn link, a scan
with its ``state``, the join attributed to the channel, the welcome as WeCom's own group
welcome, the group filling, and the live code's list rotating to the next group — through
``/hooks/wecom`` and ``shequn worker --once --connector wecom`` (ticks on)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from shequn.api.app import create_app
from shequn.engine.bindings import bind
from shequn.engine.links import create_link
from shequn.store import tables as t
from shequn.store.db import Store
from shequn.store.outbox import list_actions
from tests.growth_helpers import T0, group, loaded
from tests.test_cli import Cli
from tests.wecom_fake import (
    CORP,
    FakeWeCom,
    callback_xml,
    sealed,
    serve_fake,
    wecom_env,
)

SLUGS = ("a", "b", "c", "d", "e", "f")
CHAT = {g: f"wrChat{g.upper()}" for g in SLUGS}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeCom]:
    with serve_fake() as f:
        wecom_env(monkeypatch, SENDER="boss", API_URL=f.url)
        for g in SLUGS:
            f.chats[CHAT[g]] = {"chat_id": CHAT[g], "name": g, "owner": "boss", "member_list": []}
        yield f


def scan_and_join(client: TestClient, fake: FakeWeCom, who: str, at: int) -> None:
    """``who`` scans the live code: WeCom puts them in chat a and calls back."""
    fake.add_member(CHAT["a"], who, state="poster-spring", at=at)
    fields = {
        "CreateTime": str(at), "MsgType": "event", "Event": "change_external_chat",
        "ChatId": CHAT["a"], "ChangeType": "update", "UpdateDetail": "add_member",
        "JoinScene": "3", "MemChangeCnt": "1",
    }  # fmt: skip
    params, body = sealed(callback_xml(fields, [who]), timestamp=str(at))
    assert client.post("/hooks/wecom", params=params, content=body).text == "success"


def work(cli: Cli) -> str:
    code, _, err = cli.run("worker", "--once", "--connector", "wecom")
    assert code == 0, err
    return err


def test_scan_join_welcome_fill_rotate(
    store: Store, database_url: str, fake: FakeWeCom, capsys: pytest.CaptureFixture[str]
) -> None:
    bp = loaded(store, *(group(g, capacity=2 if g == "a" else 200) for g in SLUGS))
    create_link(store, bp, purpose="live_code", groups=list(SLUGS), code="spring",
                channel="poster-spring", now=T0)  # fmt: skip
    cli = Cli(database_url, capsys)
    for g in SLUGS:  # as `shequn groups bind g --platform wecom --chat …` does
        bind(store, "readers", g, "wecom", CHAT[g])

    work(cli)  # the tick mirrors the link on WeCom: its first five groups
    [(config_id, way)] = fake.join_ways.items()
    assert way["chat_id_list"] == [CHAT[g] for g in "abcde"]
    assert (way["state"], way["scene"], way["auto_create_room"]) == ("poster-spring", 2, 0)

    now = int(datetime.now(UTC).timestamp())
    with TestClient(create_app(database_url)) as client:
        scan_and_join(client, fake, "wmAlice", now)
        scan_and_join(client, fake, "wmBob", now + 1)  # a is full now
    assert "paced" not in work(cli)  # two welcomes to a: template edits, not message tasks

    joins = _events(store, "member.joined")
    assert [(e["actor"], e["data"]["channel"]) for e in joins] == [
        ("wecom:wmAlice", "poster-spring"), ("wecom:wmBob", "poster-spring"),
    ]  # fmt: skip
    [template] = fake.templates.values()
    assert "%NICKNAME%" in template["text"]["content"] and "wmBob" not in str(template)
    assert fake.tasks == []  # no message task spent on welcomes
    assert list(fake.join_ways) == [config_id]  # the same QR code, updated
    assert fake.join_ways[config_id]["chat_id_list"] == [CHAT[g] for g in "bcdef"]
    assert [(a["status"], a["platform_ref"]) for a in _syncs(store)] == [("done", config_id)] * 2
    work(cli)  # nothing changed: nothing queued
    assert len(_syncs(store)) == 2


def _syncs(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        return list_actions(conn, status=None, kind="livecode.sync")


def _events(store: Store, kind: str) -> list[dict[str, Any]]:
    e = t.events.c
    with store.read() as conn:
        q = select(t.events).where(e.kind == kind, e.source == f"wecom:{CORP}").order_by(e.id)
        return [dict(r) for r in conn.execute(q).mappings()]


ROOMS = """
[wecom]
auto_create_room = true
room_base_name = "读书会"
room_base_id = 7
"""


def callback(client: TestClient, chat: str, at: int, **fields: str) -> None:
    """WeCom's callback about ``chat`` (an add_member with ``members``, a create …)."""
    members = fields.pop("members", "")
    body = {"CreateTime": str(at), "MsgType": "event", "Event": "change_external_chat",
            "ChatId": chat, **fields}  # fmt: skip
    params, data = sealed(callback_xml(body, members.split() or None), timestamp=str(at))
    assert client.post("/hooks/wecom", params=params, content=data).text == "success"


def test_a_full_live_code_lets_wecom_open_the_next_group(
    store: Store, database_url: str, fake: FakeWeCom, capsys: pytest.CaptureFixture[str]
) -> None:
    """[wecom] auto_create_room: once every group of the live code is full, WeCom opens
    读书会7 itself; its owner is recorded and the chat waits in `shequn groups unbound`."""
    bp = loaded(store, group("a", capacity=1), group("b", capacity=1), extra=ROOMS)
    create_link(store, bp, purpose="live_code", groups=["a", "b"], code="spring",
                channel="poster-spring", now=T0)  # fmt: skip
    for g in "ab":
        bind(store, "readers", g, "wecom", CHAT[g])
    cli = Cli(database_url, capsys)

    work(cli)
    [(config_id, way)] = fake.join_ways.items()
    assert (way["auto_create_room"], way["room_base_name"], way["room_base_id"]) == (1, "读书会", 7)
    now = int(datetime.now(UTC).timestamp())
    with TestClient(create_app(database_url)) as client:
        for i, (who, chat) in enumerate((("wmAlice", CHAT["a"]), ("wmBob", CHAT["b"]))):
            assert fake.scan(config_id, who, at=now + i) == chat
            fake.full.add(chat)
            callback(client, chat, now + i, ChangeType="update", UpdateDetail="add_member",
                     JoinScene="3", MemChangeCnt="1", members=who)  # fmt: skip
            work(cli)  # a full group drops off the list; the last one stays
        assert fake.join_ways[config_id]["chat_id_list"] == [CHAT["b"]]
        made = fake.scan(config_id, "wmCy", at=now + 5)  # every group full: WeCom opens one
        assert made is not None and fake.chats[made]["name"] == "读书会7"
        callback(client, made, now + 5, ChangeType="create")
    owned = [(e["group_slug"], e["data"]["owner"], e["data"]["reason"])
             for e in _events(store, "group.owner_changed")]  # fmt: skip
    assert owned == [("a", "boss", "read"), ("b", "boss", "read"),
                     (f"unbound:wecom:{made}", "boss", "created")]  # fmt: skip
    [waiting] = cli.json("groups", "unbound")  # type: ignore[misc]
    assert (waiting["platform"], waiting["chat"], waiting["bound_to"]) == ("wecom", made, None)
    assert len(_syncs(store)) == 2  # shequn asked for nothing more: WeCom did it
