"""Group bindings as an operator uses them: bind, unbind, list; unbound chats kept and
listed; a bound chat's export lands in its group whatever the chat is called now."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shequn.engine.bindings import bind
from shequn.engine.inbound import receive
from shequn.errors import Conflict, Forbidden, InvalidEvent
from shequn.model.bindings import group_for_chat, telegram_export_id, unbound_group
from shequn.store.append import append
from shequn.store.bindings import chat_bindings, list_bindings
from shequn.store.db import Store
from shequn.store.rebuild import rebuild, snapshot
from tests.conftest import EventFactory
from tests.test_cli import EXAMPLE, Cli

DATA = Path(__file__).parent / "data" / "telegram"
CHAT = "-1001234567890"


@pytest.fixture
def loaded(database_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    cli = Cli(database_url, capsys)
    cli.json("blueprint", "load", EXAMPLE / "community.toml")
    return cli


def test_bind_list_unbind(loaded: Cli) -> None:
    cli = loaded
    assert cli.json("groups", "bind", "main", "--chat", CHAT)["bound"] is True
    assert cli.json("groups", "bind", "main", "--chat", CHAT)["bound"] is False  # no-op
    [row] = cli.json("groups", "bindings")
    assert (row["group"], row["platform"], row["chat"], row["active"]) == (
        "main",
        "telegram",
        CHAT,
        True,
    )
    code, _, err = cli.run("groups", "bind", "senior", "--chat", CHAT, "--lang", "en")
    assert code == 1 and "bound to study-circle/main" in err and "unbind" in err
    code, _, err = cli.run("groups", "bind", "main", "--chat", "-1009", "--lang", "en")
    assert code == 1 and "already" in err
    code, _, err = cli.run("groups", "bind", "nowhere", "--chat", "-1009", "--lang", "en")
    assert code == 1 and "no group 'nowhere'" in err
    assert cli.json("groups", "unbind", "main")["kind"] == "group.unbound"
    code, _, err = cli.run("groups", "unbind", "main")
    assert code == 1 and "没有绑定 telegram 会话" in err  # the community speaks Chinese
    code, _, err = cli.run("groups", "unbind", "main", "--lang", "en")
    assert code == 1 and "no telegram chat bound" in err
    [row] = cli.json("groups", "bindings")
    assert row["active"] is False
    assert cli.json("groups", "bind", "senior", "--chat", CHAT)["bound"] is True
    [row] = cli.json("groups", "bindings")
    assert (row["group"], row["active"]) == ("senior", True)


def test_unbound_chats_are_kept_and_listed(loaded: Cli, database_url: str) -> None:
    store = Store.open(database_url)
    try:
        with store.read() as conn:
            group = group_for_chat(
                chat_bindings(conn, "study-circle", "telegram"), "telegram", CHAT
            )
        assert group == unbound_group("telegram", CHAT)
        factory = EventFactory(group=group)
        receive(store, "study-circle", [factory("member.joined", "telegram:7", source="tg")])
    finally:
        store.close()
    [chat] = loaded.json("groups", "unbound")
    assert (chat["chat"], chat["events"], chat["bound_to"]) == (CHAT, 1, None)
    _, out, _ = loaded.run("groups", "unbound")
    assert f"--chat {CHAT}" in out
    loaded.json("groups", "bind", "main", "--chat", CHAT)
    [chat] = loaded.json("groups", "unbound")
    assert chat["bound_to"] == "main"


def test_a_connector_may_not_bind(store: Store, ev: EventFactory) -> None:
    append_config(store, ev)
    bound = ev("group.bound", platform="telegram", chat=CHAT)
    with pytest.raises(Forbidden):
        receive(store, "study-circle", [bound])
    with store.read() as conn:
        assert list_bindings(conn) == []


def append_config(store: Store, ev: EventFactory) -> None:
    with store.transaction() as conn:
        append(conn, [ev.community_configured(), ev("group.configured", name="Main")])


def test_bindings_move_forward_in_time_and_rebuild(store: Store, ev: EventFactory) -> None:
    append_config(store, ev)
    newer = ev("group.unbound", minutes=10, platform="telegram", chat=CHAT)
    older = ev("group.bound", minutes=5, platform="telegram", chat=CHAT)
    with store.transaction() as conn:
        append(conn, [newer])
    with store.transaction() as conn:
        append(conn, [older])  # an older export's binding arrives late: stays unbound
        [b] = list_bindings(conn)
        assert (b.group, b.active) == ("main", False)
        live = snapshot(conn)
    rebuild(store)
    with store.read() as conn:
        assert snapshot(conn) == live
        assert live["bindings"]


def test_bind_rules_are_pure() -> None:
    from datetime import UTC, datetime

    from shequn.engine.bindings import decide_bind

    now = datetime(2026, 3, 2, tzinfo=UTC)
    with pytest.raises(InvalidEvent):
        decide_bind("c", "g", "myspace", "1", chat_now=[], group_now=[], now=now)
    with pytest.raises(InvalidEvent):
        decide_bind(
            "c", unbound_group("telegram", "1"), "telegram", "1", chat_now=[], group_now=[], now=now
        )
    [event] = decide_bind("c", "g", "telegram", "1", chat_now=[], group_now=[], now=now).events
    assert (event.kind, event.group, event.data) == (
        "group.bound",
        "g",
        {"platform": "telegram", "chat": "1"},
    )


def test_telegram_export_ids() -> None:
    assert telegram_export_id("-1001234567890") == "1234567890"
    assert telegram_export_id("-312345678") == "312345678"
    assert telegram_export_id("312345678") == "312345678"


def test_a_bound_chat_export_lands_in_its_group(loaded: Cli, tmp_path: Path) -> None:
    export = json.loads((DATA / "book-club-2019.json").read_text())
    export["name"] = "Renamed Since"  # exported again under a new title
    path = tmp_path / "result.json"
    path.write_text(json.dumps(export))
    loaded.json("groups", "bind", "senior", "--chat", f"-{export['id']}")
    summary = loaded.json("import", path)
    assert summary["groups"] == ["senior"]


def test_two_communities_cannot_share_a_chat(store: Store, ev: EventFactory) -> None:
    append_config(store, ev)
    other = EventFactory(community="other")
    with store.transaction() as conn:
        append(
            conn,
            [other.community_configured(), other("group.configured", name="M", ref="other-main")],
        )
    assert bind(store, "study-circle", "main", "telegram", CHAT) is not None
    with pytest.raises(Conflict):
        bind(store, "other", "main", "telegram", CHAT)
