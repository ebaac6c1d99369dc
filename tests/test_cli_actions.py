"""``shequn actions`` as an operator reads it: a message shows as the text the worker will
send, in the community's language, not as its template's payload."""

from __future__ import annotations

from pathlib import Path

import pytest

from shequn.cli.common import out
from tests.growth_helpers import group
from tests.test_cli import Cli, write_jsonl
from tests.test_cli_growth import event, load


@pytest.fixture
def cli(database_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(database_url, capsys)


def test_a_message_reads_as_what_will_be_sent(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(out, "width", 300)  # a table as wide as it needs
    load(cli, tmp_path, group("g1", capacity=5))
    code = cli.json("link", "create", "-g", "g1", "--code", "SALON1")["code"]  # type: ignore[index]
    cli.json("entry", "request", "wechat:p1", "--link", code)
    joined = event("member.joined", "wechat:p1", "j1", -5, group="g1")
    cli.json("events", "add", write_jsonl(tmp_path / "j.jsonl", [joined]))
    sends = cli.json("actions", "list", "--kind", "message.send", "--status", "all")
    assert sends, "a newcomer is welcomed"
    first = sends[0]  # type: ignore[index]
    assert "template" in first["payload"]  # the outbox keeps the template and its variables
    code_, text, err = cli.run("actions", "list", "--status", "all")
    assert code_ == 0, err
    assert "欢迎" in text and '"template"' not in text  # the welcome as sent, in Chinese
    assert '"identity": ' in text and "member.admit" in text  # an admission: its payload
    code_, text, err = cli.run("actions", "show", str(first["id"]))
    assert code_ == 0, err
    assert "消息: 欢迎" in text and '"template"' in text  # the text, and the payload under it
