"""``/poster`` through the bot, end to end on SQLite and PostgreSQL: a member asks the bot in
private, the engine queues ``poster.send`` with their referral link, the worker draws the PNG
and the Telegram connector uploads it with ``sendPhoto`` (multipart) — a poster whose QR code
scans back to the member's link. Elsewhere: the dry-run connectors show or keep the image, and
a connector that cannot send photos leaves an operator task saying how."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from shequn.connectors.base import DRY_RUN_KINDS
from shequn.engine.bot_commands import BotCommand, answer
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store.db import Store
from shequn.worker.loop import Config, Worker
from tests.growth_helpers import COMMUNITY, T0, group, loaded
from tests.telegram_fake import Upload
from tests.telegram_helpers import World, actions, bot_run, member_update, private, telegram_world
from tests.telegram_updates import CHAT
from tests.test_cli import Cli
from tests.worker_helpers import FakeClock, Scripted

LINK_URL = '[fission]\nlink_url = "https://t.me/shequn_test_bot?start={code}"\n'


@pytest.fixture
def world(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    with telegram_world(
        database_url, capsys, monkeypatch, {"main": CHAT}, group("main"), extra=LINK_URL
    ) as w:
        yield w


def scan(png: bytes) -> str:
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return code.text


def test_poster_is_sent_as_a_photo_whose_qr_code_is_the_members_link(world: World) -> None:
    cli, api, url, _ = world
    api.push(member_update(1, 7, "left", "member"))  # Li is in the group
    bot_run(cli, url)
    api.push(
        private(2, 7, "/poster"),
        private(2, 7, "/poster"),  # delivered again: one poster
        private(3, 8, "/poster", first="Wang"),  # not a member
    )
    bot_run(cli, url)

    [sent] = api.called("sendPhoto")
    assert sent["chat_id"] == 7 and isinstance(sent["photo"], Upload)
    links: Any = cli.json("link", "list", "--community", COMMUNITY)
    [link] = [lk for lk in links if lk["owner"] == "telegram:7"]
    invite = f"https://t.me/shequn_test_bot?start={link['code']}"
    assert sent["caption"] == f"这是你的专属邀请海报：转发给朋友，或分享你的邀请链接 {invite}"
    assert scan(sent["photo"].data) == invite
    assert Image.open(io.BytesIO(sent["photo"].data)).size == (750, 1334)
    told = [m["text"] for m in api.called("sendMessage") if m["chat_id"] == 8]
    assert told == ["你还不是本社群的成员。"]
    assert ("poster.send", "done") in actions(cli)
    tail: Any = cli.json("events", "tail", "-n", "5", "--community", COMMUNITY)
    delivered = [e["data"]["recipients"] for e in tail if e["kind"] == "message.delivered"]
    assert delivered[-2:] == [1, 1]  # the poster to Li, the answer to Wang (after a welcome)


def test_help_names_poster(world: World) -> None:
    cli, api, url, _ = world
    api.push(private(1, 7, "/help"))
    bot_run(cli, url)
    [help_text] = [m["text"] for m in api.called("sendMessage")]
    assert "/poster [活动] — 我的邀请海报" in help_text


def poster_queued(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Cli, Store]:
    """李雷, a member of a WeChat community, asked a bot for his poster."""
    url = f"sqlite:///{tmp_path / 'shequn.db'}"
    store = Store.open(url)
    loaded(store, extra=LINK_URL)
    joined = Event(
        kind="member.joined", occurred_at=T0, community=COMMUNITY, group="main",
        source="wechat", source_ref="j1", actor="wechat:li", data={"actor_name": "李雷"},
    )  # fmt: skip
    record(store, [joined])
    answer(store, COMMUNITY, [BotCommand("wechat:li", "poster", "", "c:1", T0)], source="bot")
    return Cli(url, capsys), store


def test_the_file_connector_keeps_the_poster_beside_its_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli, store = poster_queued(tmp_path, capsys)
    out = tmp_path / "sent.jsonl"
    code, _, err = cli.run("worker", "--once", "--no-ticks", "--connector", "file", "--file", out)
    assert code == 0, err
    [line] = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert line["kind"] == "poster.send" and line["payload"]["name"] == "李雷"
    assert line["photo"] == str(tmp_path / "sent-photos" / f"action-{line['action']}.png")
    assert scan(Path(line["photo"]).read_bytes()) == line["payload"]["url"]
    store.close()


def test_the_console_says_what_it_would_send(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli, store = poster_queued(tmp_path, capsys)
    code, out, err = cli.run("worker", "--once", "--no-ticks")
    assert code == 0, err
    [line] = out.splitlines()
    assert line.startswith("[readers] → wechat:li poster.send: [photo: ")
    assert line.endswith(
        "这是你的专属邀请海报：转发给朋友，或分享你的邀请链接 https://t.me/shequn_test_bot?start="
        + line.rpartition("start=")[2]
    )
    store.close()


def test_a_connector_without_photos_leaves_an_operator_task(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli, store = poster_queued(tmp_path, capsys)
    no_photos = Scripted(kinds=DRY_RUN_KINDS - {"poster.send"}, name="wecom")
    Worker(store, no_photos, config=Config(ticks=False), clock=FakeClock()).run(once=True)
    [task] = cli.json("tasks", "list")  # type: ignore[misc]
    url = next(lk["url"] for lk in cli.json("link", "list") if lk["owner"] == "wechat:li")  # type: ignore[union-attr]
    assert task["instruction"].startswith(  # the readers speak zh
        "请私信给 wechat:li 发送其邀请海报：用 `shequn poster wechat:li` 生成"
    )
    assert url in task["instruction"] and no_photos.calls == []
    store.close()
