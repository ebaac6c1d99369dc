"""The rules and moderation as an operator uses them, end to end through the store (SQLite and
PostgreSQL) and the console connector: replay before switching on, events recorded live, the
worker carrying out the steps, a reversal, an appeal, a model trained from a file and from the
managers' decisions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.growth_helpers import HEAD, group
from tests.test_cli import Cli, write_jsonl
from tests.test_cli_growth import event

AD = "日赚500，招代理，加 薇 abc8888 详情私聊"
ON = '[rules]\nenabled = true\n[rules.ladder]\nsteps = ["reminder", "mute"]\n'


def load(cli: Cli, tmp_path: Path, extra: str) -> None:
    path = tmp_path / "community.toml"
    path.write_text(HEAD + extra + "\n" + group("main"), encoding="utf-8")
    code, _, err = cli.run("blueprint", "load", path)
    assert code == 0, err


def said(who: str, ref: str, seconds: float, text: str = AD) -> dict[str, object]:
    return event("message.posted", f"wechat:{who}", ref, seconds, group="main",
                 data={"text": text, "length": len(text)})  # fmt: skip


@pytest.fixture
def cli(database_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(database_url, capsys)


def test_replay_then_live_then_reverse_and_appeal(cli: Cli, tmp_path: Path):
    load(cli, tmp_path, "")  # rules off: recorded, not enforced
    history = [said("spam", "h1", -600), said("spam", "h2", -590), said("li", "h3", -580, "早")]
    cli.json("events", "add", write_jsonl(tmp_path / "h.jsonl", history))
    assert cli.json("moderation", "list") == []
    rules = tmp_path / "try.toml"
    rules.write_text('[rules.ladder]\nsteps = ["reminder", "mute"]\n', encoding="utf-8")
    report = cli.json("rules", "replay", "--rules", rules)
    assert report["messages"] == 3 and report["per_rule"] == {"advert": 2}  # type: ignore[index]
    assert report["muted"] == ["wechat:spam"]  # type: ignore[index]
    first = report["verdicts"][0]  # type: ignore[index]
    assert (first["source"], first["source_ref"], first["step"]) == ("bot", "h1", "reminder")
    assert any(e["signal"] == "wechat" for e in first["evidence"])

    load(cli, tmp_path, ON)  # switched on: the next adverts are enforced
    live = [said("spam2", "l1", -5), said("spam2", "l2", -4)]
    cli.json("events", "add", write_jsonl(tmp_path / "l.jsonl", live))
    steps = cli.json("moderation", "list")
    assert [s["step"] for s in steps] == ["mute", "reminder"]  # type: ignore[index]
    code, out, err = cli.run("worker", "--once", "--no-ticks", "--connector", "console")
    assert code == 0, err
    assert "message.send" in out  # the replies; a mute on the console is a person's task
    tasks = [t["instruction"] for t in cli.json("tasks", "list")]  # type: ignore[union-attr]
    assert any(t.startswith("请在 main 禁言 wechat:spam2 至") for t in tasks), tasks  # zh

    mute = steps[0]["ref"]  # type: ignore[index]
    code, _, err = cli.run("moderation", "reverse", mute, "--reason", "误判")
    assert code == 0, err
    assert cli.json("moderation", "list")[0]["reversed"] is True  # type: ignore[index]
    code, _, err = cli.run("moderation", "reverse", mute)  # the example community speaks zh
    assert code != 0 and "已经撤销过了" in err
    code, _, err = cli.run("moderation", "reverse", mute, "--lang", "en")
    assert code != 0 and "reversed already" in err
    code, out, _ = cli.run("worker", "--once", "--no-ticks", "--connector", "console")
    tasks = [t["instruction"] for t in cli.json("tasks", "list")]  # type: ignore[union-attr]
    assert "请恢复 wechat:spam2 在 main 的发言权限。" in tasks


def test_an_appeal_granted_reverses_and_trains_the_model(cli: Cli, tmp_path: Path):
    load(cli, tmp_path, ON)
    cli.json("events", "add", write_jsonl(tmp_path / "a.jsonl", [said("x", "a1", -5)]))
    (step,) = cli.json("moderation", "list")  # type: ignore[misc]
    appeal = event("appeal.filed", "wechat:x", "ap1", -1, group="main",
                   data={"step_source": step["source"], "step_ref": step["source_ref"],
                         "text": "冤枉"})  # fmt: skip
    cli.json("events", "add", write_jsonl(tmp_path / "p.jsonl", [appeal]))
    assert cli.json("moderation", "appeals")[0]["outcome"] is None  # type: ignore[index]
    code, _, err = cli.run("moderation", "decide", step["ref"], "granted", "--reason", "朋友")
    assert code == 0, err
    assert cli.json("moderation", "appeals")[0]["outcome"] == "granted"  # type: ignore[index]
    assert cli.json("moderation", "list")[0]["reversed"] is True  # type: ignore[index]

    labelled = write_jsonl(tmp_path / "l.jsonl", [
        {"text": "加微信 abc123 日赚千元", "label": 1}, {"text": "今天读完了第三章", "label": 0},
    ])  # fmt: skip
    model = tmp_path / "advert.model"
    made = cli.json("rules", "train", labelled, "--history", "--out", model)
    assert made["examples"] == 3 and made["adverts"] == 1  # type: ignore[index]
    assert json.loads(model.read_text())["format"].startswith("shequn-advert-linear")
    check = cli.json("rules", "check", "加微信 abc123 日赚千元")
    assert check["verdicts"][0]["rule"] == "advert"  # type: ignore[index]


def test_a_model_from_elsewhere_is_calibrated_on_this_community(cli: Cli, tmp_path: Path):
    """A model trained on another community's file is checked against this community's own
    labels before it is switched on: here no threshold is precise enough, so it is off."""
    elsewhere = [{"text": f"cheap pills buy now {i}", "label": 1} for i in range(30)] + [
        {"text": f"see you at the meetup {i}", "label": 0} for i in range(30)
    ]
    here = [{"text": f"my pills now help, doctor {i}", "label": 0} for i in range(40)] + [
        {"text": f"buy cheap pills now {i}", "label": 1} for i in range(5)
    ]
    model = tmp_path / "advert.model"
    cli.json("rules", "train", write_jsonl(tmp_path / "e.jsonl", elsewhere), "--out", model)
    done = cli.json("rules", "calibrate", model, write_jsonl(tmp_path / "h.jsonl", here))
    assert done["off"] is True and done["examples"] == 45  # type: ignore[index]
    saved = json.loads(model.read_text())
    assert saved["threshold"] == 1.0 and saved["trained_on"]["threshold"]["on"].endswith("h.jsonl")


def test_rules_show_reads_as_a_table_and_as_json(cli: Cli, tmp_path: Path):
    load(cli, tmp_path, ON)
    code, out, err = cli.run("rules", "show")
    assert code == 0, err
    assert "社群的规则" in out  # the example community speaks Chinese
    assert "ladder.steps" in out and "reminder, mute" in out  # by its blueprint name
    code, out, _ = cli.run("rules", "show", "--group", "main", "--lang", "en")
    assert "rules of main" in out and "enabled" in out and "yes" in out
    shown = cli.json("rules", "show")
    assert shown["enabled"] is True and shown["ladder"]["steps"] == ["reminder", "mute"]  # type: ignore[index]
