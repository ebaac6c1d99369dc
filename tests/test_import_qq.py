"""QQ message-manager TXT exports become the events an operator expects."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.errors import InputFormatError
from shequn.ingest.base import Rejected
from shequn.ingest.qq import QQImporter
from shequn.ingest.registry import detect
from shequn.model.events import Event
from tests.import_helpers import (
    assert_claims_only_its_own,
    brief,
    cli_import_twice,
    damaged_copy,
    events_with,
    read_with,
)

DATA = Path(__file__).parent / "data" / "qq"
CLUB = DATA / "读书会.txt"  # UTF-8 with BOM, CRLF, 24-hour times
LEGACY = DATA / "老书友群-2012.txt"  # GB18030, no seconds, nickname<email> senders
HEAD = (
    "消息记录（此消息记录为文本格式，不支持重新导入）\n\n"
    + "=" * 64
    + "\n消息分组:我的QQ群\n"
    + "=" * 64
    + "\n消息对象:读书会\n"
    + "=" * 64
    + "\n\n"
)


def read(path: Path) -> tuple[list[Event | Rejected], list[str]]:
    return read_with(QQImporter(), path)


def events(path: Path) -> list[Event]:
    return events_with(QQImporter(), path)


def test_detects_qq_exports_and_nothing_else() -> None:
    assert detect(CLUB).name == "qq"
    assert detect(LEGACY).name == "qq"
    assert_claims_only_its_own(QQImporter(), "qq")


def test_group_history() -> None:
    got = events(CLUB)
    aq, shu, xx = "qq:10002", "qq:20003", "qq:30004"
    assert [brief(e) for e in got] == [
        ("message.posted", "2019-09-23T12:00:05+00:00", "qq:10001", None,
         {"length": 24, "text": "大家好，本周共读《额尔古纳河右岸》，今晚九点开始",
          "actor_name": "林老师"}),  # the 【群主】 badge is not part of the name
        ("member.joined", "2019-09-23T12:01:12+00:00", shu, None, {"actor_name": "书虫"}),
        ("message.posted", "2019-09-23T12:02:30+00:00", aq, None,
         {"length": 20, "text": "@书虫 欢迎！请问大家电子书都领到了吗？", "is_question": True,
          "mentions": [shu], "actor_name": "阿青"}),
        ("message.posted", "2019-09-23T12:03:00+00:00", shu, None,
         {"length": 15, "text": "谢谢，已经领到了\n第一章读完了", "has_media": True,
          "actor_name": "书虫"}),
        # names in system lines resolve to the QQ number their sender lines show
        ("member.joined", "2019-09-23T12:05:41+00:00", xx, None,
         {"channel": "invite", "inviter": aq, "actor_name": "晓晓"}),
        ("member.invited", "2019-09-23T12:05:41+00:00", aq, xx,
         {"channel": "invite", "actor_name": "阿青", "subject_name": "晓晓"}),
        ("message.posted", "2019-09-23T12:06:00+00:00", xx, None,
         {"length": 0, "has_media": True, "actor_name": "晓晓"}),
        ("member.removed", "2019-09-23T12:10:00+00:00", None, "qq:name:广告哥",
         {"subject_name": "广告哥"}),
        ("member.left", "2019-09-23T12:12:00+00:00", "qq:name:路人甲", None,
         {"actor_name": "路人甲"}),
        ("message.posted", "2019-09-23T12:15:00+00:00", xx, None,
         {"length": 2, "text": "好的", "actor_name": "晓晓"}),
        ("message.posted", "2019-09-23T12:15:00+00:00", xx, None,
         {"length": 2, "text": "好的", "actor_name": "晓晓"}),
    ]  # fmt: skip
    assert {(e.source, e.group) for e in got} == {("qq-export:读书会", "qq-d007a9ee86")}
    refs = [e.source_ref for e in got]
    assert len(set(refs)) == len(refs)
    assert refs[-1].endswith("-1") and refs[-2].endswith("-0")  # same second, same words


def test_notes() -> None:
    _, notes = read(CLUB)
    assert notes == [
        "read as UTF-8 with BOM",
        "skipped 1 QQ system messages with no event kind (recalls, notices)",
        "2 people named in QQ system messages could not be matched to a QQ number and are "
        "keyed by nickname (qq:name:…)",
    ]


def test_legacy_gb18030_export() -> None:
    got = events(LEGACY)
    wang, li = "qq:wangwei@qq.com", "qq:li.xiao@example.com"
    assert [brief(e) for e in got] == [
        ("message.posted", "2012-05-01T12:43:00+00:00", wang, None,
         {"length": 6, "text": "今晚谁在线？", "is_question": True, "actor_name": "老王"}),
        ("message.posted", "2012-05-01T12:44:00+00:00", li, None,
         {"length": 6, "text": "我在，刚下班", "actor_name": "小李"}),
        ("member.removed", "2012-05-01T12:50:00+00:00", wang, li,
         {"subject_name": "小李", "actor_name": "老王"}),
    ]  # fmt: skip
    assert read(LEGACY)[1][0] == "read as GB18030"


def test_twelve_hour_times_and_qq_mail(tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    path.write_text(
        HEAD + "2019-09-23 8:43:38 PM 骰娘-Roll(87200175)\n.r 1d20\n\n"
        "2019-09-23 12:01:00 AM 暗夜<28084825@qq.com>\n晚安\n",
        encoding="utf-8",
    )
    got = events(path)
    assert [(e.actor, e.occurred_at.isoformat()) for e in got] == [
        ("qq:87200175", "2019-09-23T12:43:38+00:00"),
        ("qq:28084825", "2019-09-22T16:01:00+00:00"),
    ]


def test_overlapping_export_gives_the_same_keys(tmp_path: Path) -> None:
    text = CLUB.read_text(encoding="utf-8-sig")
    cut = text.index("2019-09-23 20:05:41")
    later = tmp_path / "读书会.txt"
    later.write_text(HEAD + text[cut:], encoding="utf-8")
    full = {(e.source, e.source_ref): brief(e) for e in events(CLUB)}
    part = {(e.source, e.source_ref): brief(e) for e in events(later)}
    assert len(part) == 7 and set(part) <= set(full)
    # messages match exactly; a system line's names resolve only against senders in *this*
    # file (阿青 does not speak in the later one, so she is qq:name:阿青 there)
    assert all(full[k] == v for k, v in part.items() if v[0] == "message.posted")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty file"),
        ("消息记录（此消息记录为文本格式，不支持重新导入）\n2019-09-23 20:00:05 a(10001)\nhi\n",
         "before any 消息对象"),
    ],
)  # fmt: skip
def test_wrong_files_are_refused(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "q.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFormatError, match=problem):
        read(path)


def test_impossible_dates_are_reported_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    path.write_text(HEAD + "2019-02-30 20:00:05 a(10001)\nhi\n", encoding="utf-8")
    items, _ = read(path)
    assert items == [
        Rejected("9", "bad time in the message line", "2019-02-30 20:00:05 a(10001)\nhi")
    ]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_damaged_files_finish_or_raise_format_errors(tmp_path: Path, data: st.DataObject) -> None:
    path = damaged_copy(data, [CLUB, LEGACY], tmp_path)
    with contextlib.suppress(InputFormatError):  # anything else fails the test
        read(path)


@pytest.mark.parametrize("fixture", [CLUB, LEGACY], ids=["utf8", "gb18030"])
def test_cli_import_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture: Path
) -> None:
    first, again = cli_import_twice(tmp_path, capsys, fixture)
    assert first["format"] == "qq"
    assert first["new"] == len(events(fixture)) and first["duplicate"] == 0
    assert (again["new"], again["duplicate"]) == (0, first["new"])
