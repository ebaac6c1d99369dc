"""The console and file connectors, the registry, and the worker/actions/tasks commands."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from shequn.connectors.base import Call, Limits
from shequn.connectors.console import ConsoleConnector
from shequn.connectors.file import FileConnector, line_of
from shequn.connectors.registry import CONNECTORS, connector
from shequn.errors import NotFound
from shequn.model.action_kinds import ACTION_KINDS
from shequn.store.db import Store
from tests.growth_helpers import loaded
from tests.test_cli import Cli
from tests.worker_helpers import queue


def call(n: int = 1, **payload: object) -> Call:
    return Call(n, "message.send", "readers", "main", "readers/main", {"text": "hi", **payload},
                f"key-{n}", "hi")  # fmt: skip


def test_console_prints_the_message_and_the_call() -> None:
    buf = io.StringIO()
    console = ConsoleConnector(buf)
    assert console.perform(call(to="wechat:li")).platform_ref == "console:1"
    admit = Call(2, "member.admit", "readers", "main", None, {"identity": "wechat:li"}, "k2")
    console.perform(admit)
    assert buf.getvalue().splitlines() == [
        "[readers/main] → wechat:li message.send: hi",
        "[readers/main] member.admit identity=wechat:li",
    ]


def test_file_appends_lines_and_knows_what_it_wrote(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    f = FileConnector(path)
    assert f.perform(call(1)).platform_ref == "out.jsonl:1"
    f.perform(call(2))
    f.close()
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines == [line_of(call(1)), line_of(call(2))]
    assert json.loads(lines[1])["key"] == "key-2"
    again = FileConnector(path)  # a restarted worker reads the file back
    assert again.check(call(2)) is not None and again.check(call(3)) is None
    assert again.perform(call(3)).platform_ref == "out.jsonl:3"


def test_registry_builds_by_name_and_names_the_known_ones(tmp_path: Path) -> None:
    assert set(CONNECTORS) >= {"console", "file"}
    made = connector("file", {"path": tmp_path / "x.jsonl", "limits": Limits()})
    assert made.name == "file"
    with pytest.raises(NotFound, match="known: console, file"):
        connector("carrier-pigeon")


def test_every_action_kind_is_performed_or_has_an_operator_instruction() -> None:
    for kind in ACTION_KINDS.values():
        for c in (ConsoleConnector(io.StringIO()), FileConnector.__new__(FileConnector)):
            assert kind.name in type(c).kinds or kind.task, kind.name


@pytest.fixture
def shop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    url = f"sqlite:///{tmp_path / 'shequn.db'}"
    with Store.open(url) as store:
        loaded(store)
        queue(store, 2)
        queue(store, 1, "payment.refund", to="wechat:li", amount=99, currency="CNY")
    return Cli(url, capsys)


def test_worker_once_through_the_console(shop: Cli) -> None:
    code, out, err = shop.run("worker", "--once", "--no-ticks")
    assert code == 0, err
    assert out.splitlines() == ["[readers/main] message.send: hello 0",
                                "[readers/main] message.send: hello 1"]  # fmt: skip
    assert "2 已完成" in err and "1 待复核" in err  # the community speaks Chinese
    rows = shop.json("actions", "list", "--status", "all")
    assert [r["status"] for r in rows] == ["done", "done", "review"]  # type: ignore[index]
    (task,) = shop.json("tasks", "list")  # type: ignore[misc]
    assert "向 wechat:li 退还 99 CNY" in task["instruction"]  # the community speaks Chinese
    assert shop.json("tasks", "done", str(task["id"]))["status"] == "done"  # type: ignore[index]
    assert shop.json("actions", "show", str(task["action_id"]))["status"] == "done"  # type: ignore[index]


def test_actions_retry_and_cancel_from_the_cli(shop: Cli, tmp_path: Path) -> None:
    out = tmp_path / "sent.jsonl"
    code, _, err = shop.run("worker", "--once", "--no-ticks", "--connector", "file", "--file", out)
    assert code == 0, err
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    refund = shop.json("actions", "list", "--status", "review")[0]["id"]  # type: ignore[index]
    assert shop.json("actions", "retry", str(refund))["status"] == "pending"  # type: ignore[index]
    assert shop.json("actions", "cancel", str(refund))["status"] == "cancelled"  # type: ignore[index]
    done = shop.json("actions", "list", "--status", "done")[0]["id"]  # type: ignore[index]
    code, _, err = shop.run("actions", "cancel", str(done))
    assert code != 0 and "不能取消" in err
    assert shop.json("tasks", "list") == []
    code, _, err = shop.run("worker", "--once", "--connector", "file")
    assert code != 0 and "--file" in err


def test_connectors_doc_lists_every_action_kind() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "connectors.md").read_text()
    for name, kind in ACTION_KINDS.items():
        assert f"| `{name}` | {'yes' if kind.idempotent else 'no'} |" in doc, name


def test_an_operators_task_is_written_in_the_communitys_language() -> None:
    """Issue 23 item 10: every action kind's task is an English message id the catalogue
    translates (no Chinese beside it in the code); an unknown group reads 本社群."""
    from shequn.model.action_kinds import ACTION_KINDS, task_text
    from shequn.model.i18n import catalogue

    assert all(k.task in catalogue("zh") for k in ACTION_KINDS.values() if k.task)
    admit = ACTION_KINDS["member.admit"]
    payload = {"identity": "wechat:li"}
    assert task_text(admit, "main", payload, "en") == (
        "Let wechat:li into main (approve the request or send them the link)."
    )
    assert (
        task_text(admit, "main", payload, "zh")
        == "请让 wechat:li 加入 main（通过入群申请或把链接发给对方）。"
    )
    assert task_text(ACTION_KINDS["message.send"], None, {"text": "hi"}, "zh") == (
        "请把这条消息发给 本社群：hi"
    )
