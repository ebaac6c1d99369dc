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
    AES_KEY,
    CORP,
    SECRET,
    TOKEN,
    FakeWeCom,
    callback_xml,
    sealed,
    serve_fake,
)

SLUGS = ("a", "b", "c", "d", "e", "f")
CHAT = {g: f"wrChat{g.upper()}" for g in SLUGS}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeCom]:
    with serve_fake() as f:
        settings = {"CORP_ID": CORP, "TOKEN": TOKEN, "AES_KEY": AES_KEY, "SECRET": SECRET,
                    "SENDER": "boss", "API_URL": f.url}  # fmt: skip
        for key, value in settings.items():
            monkeypatch.setenv(f"SHEQUN_WECOM_{key}", value)
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
