"""QQ exports as real people's files have them: mail senders, no header block, damage that
must be reported rather than glued into the previous message."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

from shequn.ingest.base import ImportContext, Rejected
from shequn.ingest.job import ImportJob
from shequn.ingest.qq import QQImporter
from shequn.ingest.registry import detect
from shequn.model.events import Event
from tests.test_import_qq import CLUB, HEAD, LEGACY

SENDERS = (
    "2019-09-23 20:00:05 阿青(10002)\n第一条\n\n"
    "2019-09-23 20:01:00 老王(wangwei@example.com)\n括号里的邮箱\n\n"
    "2019-09-23 20:02:00 【管理员】小李(12345678@vip.qq.com)\nVIP 邮箱\n\n"
    "2019-09-23 20:03:00 小周<87654321@QQ.com>\n尖括号\n\n"
    "2019-09-23 20:04:00 (55555)\n没有昵称\n\n"
    "2019-09-23 20:05:00 括号(里)也行(66666)\n昵称带括号\n"
)


def run(path: Path) -> tuple[list[Event], list[Rejected], ImportJob]:
    """Import with ``--skip-bad``: the events, the records set aside, the job (summary)."""
    ctx = ImportContext(path=path, community="c", tz=ZoneInfo("Asia/Shanghai"))
    bad_file = path.with_suffix(".bad")
    with bad_file.open("w", encoding="utf-8") as fp:
        job = ImportJob(QQImporter(), ctx, skip_bad=fp)
        events = list(job.events())
    bad = [Rejected(**json.loads(x)) for x in bad_file.read_text("utf-8").splitlines()]
    return events, bad, job


def test_every_sender_form_real_files_use(tmp_path: Path) -> None:
    path = tmp_path / "读书会.txt"
    path.write_text(HEAD + SENDERS, encoding="utf-8")
    events, bad, _ = run(path)
    assert bad == []
    assert [(e.actor, e.data.get("actor_name"), e.data["text"]) for e in events] == [
        ("qq:10002", "阿青", "第一条"),  # the first message is kept
        ("qq:wangwei@example.com", "老王", "括号里的邮箱"),
        ("qq:12345678", "小李", "VIP 邮箱"),
        ("qq:87654321", "小周", "尖括号"),
        ("qq:55555", None, "没有昵称"),
        ("qq:66666", "括号(里)也行", "昵称带括号"),
    ]


def test_a_header_that_does_not_parse_is_reported_never_glued(tmp_path: Path) -> None:
    path = tmp_path / "读书会.txt"
    path.write_text(
        HEAD + "2019-09-23 20:00:05 阿青(10002)\n早\n\n"
        "2019-09-23 20:01:00 老王[wangwei]\n这条的发送者写法不认识\n\n"
        "2019-09-23 20:02:00 小李(10003)\n好\n",
        encoding="utf-8",
    )
    events, bad, job = run(path)
    assert [e.data["text"] for e in events] == ["早", "好"]  # nothing glued onto 早
    assert [(b.where.rsplit(":", 1)[1], b.raw) for b in bad] == [
        ("12", "2019-09-23 20:01:00 老王[wangwei]\n这条的发送者写法不认识\n")
    ]
    assert "looks like a message line" in bad[0].reason
    s = job.summary
    assert (s.records, s.imported, s.skipped, s.ignored) == (3, 2, 1, {})


def test_without_the_header_block_detected_and_named_after_the_file(tmp_path: Path) -> None:
    path = tmp_path / "读书会.txt"
    path.write_text(SENDERS, encoding="utf-8")
    assert detect(path).name == "qq"
    events, bad, job = run(path)
    assert bad == [] and len(events) == 6
    assert {e.source for e in events} == {"qq-export:读书会"}
    assert "no 消息对象: line: the chat is named after the file, '读书会'" in job.summary.notes


def test_text_before_the_first_message_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    path.write_text("hello\n" + SENDERS, encoding="utf-8")
    events, bad, _ = run(path)
    assert len(events) == 6
    assert [(b.where.rsplit(":", 1)[1], b.raw) for b in bad] == [("1", "hello")]


def test_counts_add_up_to_the_message_lines(tmp_path: Path) -> None:
    expected = {CLUB: {"QQ system messages with no event kind (recalls, notices)": 1}, LEGACY: {}}
    for fixture, ignored in expected.items():
        copy = tmp_path / fixture.name
        copy.write_bytes(fixture.read_bytes())
        text = fixture.read_bytes().decode("utf-8-sig" if fixture == CLUB else "gb18030")
        message_lines = sum(1 for line in text.splitlines() if line[:4].isdigit())
        _, bad, job = run(copy)
        s = job.summary
        assert (s.records, s.skipped, s.ignored, bad) == (message_lines, 0, ignored, [])
        assert s.imported == message_lines - sum(ignored.values())
