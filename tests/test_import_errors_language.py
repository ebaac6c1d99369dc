"""An export whose structure is wrong is reported in the community's language (issue 23 item 10).

Each format's importer gets a file broken the way real files break — a message without its
id, a time that is not text, a row with a column too few, a line that looks like a message
header but is not one — and ``shequn import`` on the example community (it speaks zh) says
what is wrong in Chinese, the file and the line (or, in a JSON document, the path to the
record) kept as they are; ``--lang en`` says it in English, word for word as before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from shequn.cli.app import main
from tests.import_helpers import BLUEPRINT, DATA

CHINESE = re.compile(r"[\u4e00-\u9fff]")
SKIP_BAD = "（用 --skip-bad 文件 把这类记录搁置一边并继续）"


def _jsonl(tmp: Path) -> Path:
    path = tmp / "events.jsonl"
    good = {
        "kind": "message.posted",
        "occurred_at": "2025-03-10T08:05:00+08:00",
        "community": "study-circle",
        "group": "main",
        "actor": "wechat:lin",
        "source": "sheet",
        "source_ref": "m-1",
    }
    bad = {**good, "source_ref": "m-2", "occurred_at": "2025-03-10 08:06"}
    path.write_text("\n".join(json.dumps(e) for e in (good, bad)) + "\n", encoding="utf-8")
    return path


def _telegram(tmp: Path) -> Path:
    path = tmp / "result.json"
    message = {"id": 7, "type": "message", "date": "2025-03-10T08:05:00", "from": "Lin",
               "from_id": "user1", "text": "hi"}  # fmt: skip
    chat = {"name": "Reading", "type": "private_supergroup", "id": 42,
            "messages": [message, {**message, "id": "eight"}]}  # fmt: skip
    path.write_text(json.dumps(chat, indent=1), encoding="utf-8")
    return path


def _discord(tmp: Path) -> Path:
    path = tmp / "general.json"
    message = {"id": "101", "type": "Default", "timestamp": 1741565100, "content": "hi",
               "author": {"id": "9", "name": "lin"}}  # fmt: skip
    export = {"guild": {"id": "1", "name": "Reading"}, "channel": {"id": "2", "name": "general"},
              "messages": [message]}  # fmt: skip
    path.write_text(json.dumps(export), encoding="utf-8")
    return path


def _slack(tmp: Path) -> Path:
    folder = tmp / "slack-export"
    source = DATA / "slack" / "study-circle-export"
    folder.mkdir()
    for name in ("users.json", "channels.json"):
        (folder / name).write_bytes((source / name).read_bytes())
    (folder / "general").mkdir()
    day = [{"type": "message", "ts": 1709254000.0002, "user": "U01LIN0001", "text": "hi"}]
    (folder / "general" / "2024-03-01.json").write_text(json.dumps(day), encoding="utf-8")
    return folder


def _whatsapp(tmp: Path) -> Path:
    path = tmp / "WhatsApp Chat with Reading.txt"
    path.write_text(
        "12/28/23, 8:03 PM - Lin Wei: hello\n"
        "12/28/23, 8:04 PM - Lin Wei: and\n"
        "13/13/23, 8:05 PM - Lin Wei: when?\n",
        encoding="utf-8",
    )
    return path


def _wechat(tmp: Path) -> Path:
    path = tmp / "读书会.csv"
    lines = (DATA / "wechat" / "读书会_utf8.csv").read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines[:2], "2003,7,1,0"]) + "\n", encoding="utf-8")
    return path


def _qq(tmp: Path) -> Path:
    path = tmp / "读书会.txt"
    lines = (DATA / "qq" / "读书会.txt").read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines[:10], "", "2019-09-23 20:05:00 林老师 10001"]) + "\n",
                    encoding="utf-8")  # fmt: skip
    return path


def _csv(tmp: Path) -> Path:
    path = tmp / "sheet.csv"
    path.write_text("time,user,text\n2025-03-10 08:05,lin,hi\nsoon,mei,hello\n", encoding="utf-8")
    return path


CASES: dict[str, tuple[Callable[[Path], Path], str, str, str]] = {
    # format: (the broken file, where, in Chinese, in English)
    "jsonl": (
        _jsonl,
        ":2",
        "occurred_at '2025-03-10T08:06:00' 没有时区：请加上 +08:00 或 Z 这样的偏移",
        "occurred_at '2025-03-10T08:06:00' has no time zone: add an offset such as +08:00 or Z",
    ),
    "telegram": (
        _telegram,
        ":$.messages[1]",
        "消息没有数字 id" + SKIP_BAD,
        "message has no numeric id (use --skip-bad FILE",
    ),
    "discord": (
        _discord,
        ":$.messages[0]",
        "无法转换这条消息：ValueError：timestamp 1741565100 不是文本" + SKIP_BAD,
        "cannot map message: ValueError: timestamp 1741565100 is not text",
    ),
    "slack": (
        _slack,
        ":general/2024-03-01.json[0]",
        "无法转换这条消息：ValueError：ts 1709254000.0002 不是文本" + SKIP_BAD,
        "cannot map message: ValueError: ts 1709254000.0002 is not text",
    ),
    "whatsapp": (
        _whatsapp,
        ":3",
        "按月/日读取，日期 (13, 13, 23) 不存在" + SKIP_BAD,
        "impossible date (13, 13, 23) read as month/day",
    ),
    "wechat": (_wechat, ":3", "4 列，应为 12 列" + SKIP_BAD, "4 columns, expected 12"),
    "qq": (
        _qq,
        ":12",
        "看起来是消息行，但发送者不是 昵称(QQ号)、昵称(邮箱) 或 昵称<邮箱> 的写法",
        "looks like a message line but the sender is not written 昵称(QQ号), 昵称(mail) or "
        "昵称<mail>",
    ),
    "csv": (
        _csv,
        ":3",
        "time 列：'soon' 不是时间（应为 ISO 8601、YYYY-MM-DD HH:MM[:SS] 或纪元秒/毫秒）",
        "column time: 'soon' is not a time (ISO 8601, YYYY-MM-DD HH:MM[:SS] or epoch",
    ),
}


@pytest.fixture
def db(tmp_path: Path) -> list[str]:
    """A store holding the example community, which speaks zh."""
    args = ["--db", f"sqlite:///{tmp_path}/x.db"]
    assert main([*args, "blueprint", "load", str(BLUEPRINT)]) == 0
    return args


@pytest.mark.parametrize("fmt", sorted(CASES))
def test_a_broken_export_is_reported_in_the_communitys_language(
    fmt: str, db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken, where, chinese, english = CASES[fmt]
    path = broken(tmp_path)
    args = [*db, "import", str(path), "--format", fmt, "--tz", "Asia/Shanghai"]
    capsys.readouterr()
    assert main(args) == 1
    said = capsys.readouterr().err.strip()
    assert said.startswith(f"错误：{path}{where}："), said
    assert chinese in said, said
    assert main([*args, "--lang", "en"]) == 1
    said = capsys.readouterr().err.strip()
    assert said.startswith(f"error: {path}{where}: "), said
    assert english in said and not CHINESE.search(
        said.replace(str(path), "").replace(english, "")
    ), said


def test_every_format_has_its_broken_export() -> None:
    from shequn.ingest.registry import FORMATS

    assert sorted(CASES) == sorted(FORMATS)


def test_an_events_own_check_is_said_too(
    db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``shequn events add`` reads canonical events: an event that fails its own validation
    (an unknown kind, a member key without its platform) is said in Chinese, line kept."""
    path = tmp_path / "add.jsonl"
    event = {"kind": "message.shouted", "occurred_at": "2025-03-10T08:05:00+08:00",
             "community": "study-circle", "group": "main", "actor": "wechat:lin",
             "source": "sheet", "source_ref": "m-1"}  # fmt: skip
    path.write_text(json.dumps(event) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main([*db, "events", "add", str(path)]) == 1
    said = capsys.readouterr().err.strip()
    assert said.startswith(f"错误：{path}:1：未知的事件类型 'message.shouted'（事件词汇见 "), said
    path.write_text(json.dumps({**event, "kind": "message.posted", "actor": "lin"}) + "\n",
                    encoding="utf-8")  # fmt: skip
    assert main([*db, "events", "add", str(path)]) == 1
    said = capsys.readouterr().err.strip()
    assert said.startswith(f"错误：{path}:1：actor 'lin' 不是 'wechat:wxid_abc' 这样的身份键"), said
