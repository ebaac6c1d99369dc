"""WeChat group CSVs (MemoTrace/留痕, PyWxDump) become the events an operator expects."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.errors import InputFormatError
from shequn.ingest.base import Rejected
from shequn.ingest.registry import detect
from shequn.ingest.wechat import WeChatImporter
from shequn.model.events import Event
from tests.import_helpers import (
    assert_claims_only_its_own,
    brief,
    cli_import_twice,
    damaged_copy,
    events_with,
    read_with,
)

DATA = Path(__file__).parent / "data" / "wechat"
MEMOTRACE = DATA / "读书会_utf8.csv"
PYWXDUMP = DATA / "20987654321@chatroom_0_5001.csv"
SENDID = "1000039801202503037012345678901"


def read(path: Path, group: str | None = None) -> tuple[list[Event | Rejected], list[str]]:
    return read_with(WeChatImporter(), path, group)


def events(path: Path) -> list[Event]:
    return events_with(WeChatImporter(), path)


def test_detects_both_exporters_and_nothing_else() -> None:
    assert detect(MEMOTRACE).name == "wechat"
    assert detect(PYWXDUMP).name == "wechat"
    assert_claims_only_its_own(WeChatImporter(), "wechat")


def test_memotrace_group_history() -> None:
    got = events(MEMOTRACE)
    me, aq, zhou = "wechat:wxid_lin", "wechat:wxid_aqing", "wechat:wxid_zhou"
    assert [brief(e) for e in got] == [
        ("message.posted", "2025-03-03T12:00:00+00:00", me, None,
         {"length": 24, "text": "大家好，本周共读《额尔古纳河右岸》，今晚九点开始",
          "actor_name": "林老师"}),
        # 你邀请"阿青、小周"加入了群聊: "你" is the exporter, whose wxid IsSender rows give
        ("member.joined", "2025-03-03T12:01:10+00:00", aq, None,
         {"channel": "invite", "inviter": me, "actor_name": "阿青"}),
        ("member.invited", "2025-03-03T12:01:10+00:00", me, aq,
         {"channel": "invite", "subject_name": "阿青"}),
        ("member.joined", "2025-03-03T12:01:10+00:00", zhou, None,
         {"channel": "invite", "inviter": me, "actor_name": "小周"}),
        ("member.invited", "2025-03-03T12:01:10+00:00", me, zhou,
         {"channel": "invite", "subject_name": "小周"}),
        ("message.posted", "2025-03-03T12:02:31+00:00", aq, None,
         {"length": 13, "text": "收到！请问在哪里领电子书？", "is_question": True,
          "actor_name": "阿青"}),
        # the newcomer speaks only later: the first pass still knows 书虫's wxid
        ("member.joined", "2025-03-03T12:05:00+00:00", "wechat:wxid_shuchong", None,
         {"channel": "qr", "inviter": aq, "actor_name": "书虫"}),
        ("member.invited", "2025-03-03T12:05:00+00:00", aq, "wechat:wxid_shuchong",
         {"channel": "qr", "actor_name": "阿青", "subject_name": "书虫"}),
        ("member.joined", "2025-03-03T12:06:00+00:00", "wechat:wxid_xiaoxiao", None,
         {"channel": "qr", "inviter": aq, "actor_name": "晓晓"}),
        ("member.invited", "2025-03-03T12:06:00+00:00", aq, "wechat:wxid_xiaoxiao",
         {"channel": "qr", "actor_name": "阿青", "subject_name": "晓晓"}),
        ("message.posted", "2025-03-03T12:07:12+00:00", "wechat:wxid_shuchong", None,
         {"length": 10, "text": "@阿青\u2005谢谢拉我进群", "mentions": [aq],
          "actor_name": "书虫"}),
        ("message.posted", "2025-03-03T12:08:40+00:00", zhou, None,
         {"length": 0, "has_media": True, "actor_name": "小周"}),
        ("message.posted", "2025-03-03T12:10:05+00:00", aq, None,
         {"length": 53, "text": "豆瓣读书：额尔古纳河右岸 https://book.douban.com/subject/1234567/",
          "has_link": True, "actor_name": "阿青"}),
        ("redenvelope.sent", "2025-03-03T13:00:00+00:00", me, None,
         {"envelope": SENDID, "actor_name": "林老师"}),
        ("redenvelope.grabbed", "2025-03-03T13:00:20+00:00", aq, me,
         {"envelope": SENDID, "actor_name": "阿青"}),
        # [红包] in text is WeChat's red-envelope emoji, not an envelope
        ("message.posted", "2025-03-03T13:02:00+00:00", "wechat:wxid_xiaoxiao", None,
         {"length": 6, "text": "好的[红包]", "actor_name": "晓晓"}),
        ("group.renamed", "2025-03-03T13:30:00+00:00", me, None, {"name": "读书会·春季共读"}),
        ("member.removed", "2025-03-03T13:40:00+00:00", me, "wechat:name:广告哥",
         {"subject_name": "广告哥"}),
        # <sysmsg type="sysmsgtemplate"> carries the wxids itself
        ("member.joined", "2025-03-04T01:00:00+00:00", "wechat:wxid_meimei", None,
         {"channel": "invite", "inviter": zhou, "actor_name": "梅梅"}),
        ("member.invited", "2025-03-04T01:00:00+00:00", zhou, "wechat:wxid_meimei",
         {"channel": "invite", "actor_name": "小周", "subject_name": "梅梅"}),
        ("message.posted", "2025-03-04T01:01:00+00:00", "wechat:wxid_meimei", None,
         {"length": 0, "has_media": True, "actor_name": "梅梅"}),
        ("member.left", "2025-03-04T02:00:00+00:00", "wechat:name:路人甲", None,
         {"actor_name": "路人甲"}),
        ("message.posted", "2025-03-04T02:05:00+00:00", "wechat:wxid_xiaoxiao", None,
         {"length": 0, "has_media": True, "actor_name": "晓晓"}),
    ]  # fmt: skip
    assert {e.source for e in got} == {"wechat-export:读书会"}
    assert len({e.source_ref for e in got}) == len(got)


def test_memotrace_notes_what_it_skipped() -> None:
    _, notes = read(MEMOTRACE)
    assert "skipped 1 WeChat pats (拍了拍) (no event kind for them)" in notes
    assert "skipped 1 WeChat recalled messages (no event kind for them)" in notes
    assert any("wechat:name:" in n for n in notes)


def test_pywxdump_keys_messages_by_server_id() -> None:
    got = events(PYWXDUMP)
    aq, me = "wechat:wxid_aqing", "wechat:wxid_lin"
    assert [(e.kind, e.source_ref, e.actor, e.subject, e.data) for e in got] == [
        ("message.posted", "7160000000000000001", aq, None,
         {"length": 7, "text": "今晚几点开始？", "is_question": True}),
        # PyWxDump writes no names: people in system lines are keyed by name
        ("member.joined", "7160000000000000002", "wechat:name:老周", None,
         {"channel": "invite", "inviter": "wechat:name:阿青", "actor_name": "老周"}),
        ("member.invited", "7160000000000000002.1", "wechat:name:阿青", "wechat:name:老周",
         {"channel": "invite", "actor_name": "阿青", "subject_name": "老周"}),
        ("message.posted", "7160000000000000003", me, None, {"length": 0, "has_media": True}),
        ("message.posted", "7160000000000000004", aq, None,
         {"length": 6, "text": "好的，九点见"}),
        ("message.posted", "7160000000000000005", me, None,
         {"length": 44, "text": "第三章导读\n共读笔记 https://mp.weixin.qq.com/s/AbCdEf",
          "has_link": True}),
        ("group.renamed", "7160000000000000007", me, None, {"name": "读书会·夏季"}),
        ("message.posted", "7160000000000000009", "wechat:wxid_laozhou", None,
         {"length": 13, "text": "大家好，我是老周，请多指教"}),
    ]  # fmt: skip
    assert {(e.source, e.group) for e in got} == {
        ("wechat-export:20987654321@chatroom", "20987654321-chatroom")
    }
    assert got[0].occurred_at.isoformat() == "2025-03-10T11:55:02+00:00"  # read in Asia/Shanghai


def test_group_override(tmp_path: Path) -> None:
    items, _ = read(MEMOTRACE, group="main")
    assert {i.group for i in items if isinstance(i, Event)} == {"main"}


def test_overlapping_export_gives_the_same_keys(tmp_path: Path) -> None:
    """MemoTrace renumbers localId on every decrypt; keys come from content instead."""
    lines = MEMOTRACE.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    later = tmp_path / "读书会_utf8.csv"
    renumbered = [lines[0]] + [ln.replace("20", "90", 1) for ln in lines[5:]]
    later.write_text("".join(renumbered), encoding="utf-8-sig")
    full = {(e.source, e.source_ref): brief(e) for e in events(MEMOTRACE)}
    part = {(e.source, e.source_ref): brief(e) for e in events(later)}
    assert part and all(full[k] == v for k, v in part.items())


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Time,Sender,Message\r\n1,2,3\r\n", "not a MemoTrace/留痕 or PyWxDump CSV header"),
        ("localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime\r\n",
         "has no senders"),
        ("", "not a MemoTrace/留痕 or PyWxDump CSV header"),
    ],
)  # fmt: skip
def test_wrong_files_are_refused(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "x_utf8.csv"
    path.write_text(text, encoding="utf-8-sig")
    with pytest.raises(InputFormatError, match=problem):
        read(path)


def test_bad_rows_are_rejected_with_their_line(tmp_path: Path) -> None:
    head = MEMOTRACE.read_text(encoding="utf-8-sig").splitlines()[0]
    path = tmp_path / "x_utf8.csv"
    path.write_text(f"{head}\r\n1,7,1,0,0,soon,3,hi,,a,a,wxid_a\r\n2,7,1\r\n", "utf-8-sig")
    items, _ = read(path)
    assert [(i.where, i.reason[:16]) for i in items if isinstance(i, Rejected)] == [
        ("2", "unreadable field"),
        ("3", "3 columns, expec"),
    ]


def test_undecodable_bytes_are_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "x_utf8.csv"
    path.write_bytes(MEMOTRACE.read_bytes()[:200] + b"\xff\xfe\xfa" + b"\r\n")
    with pytest.raises(InputFormatError, match="not UTF-8"):
        read(path)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_damaged_files_finish_or_raise_format_errors(tmp_path: Path, data: st.DataObject) -> None:
    path = damaged_copy(data, [MEMOTRACE, PYWXDUMP], tmp_path)
    with contextlib.suppress(InputFormatError):  # anything else fails the test
        read(path)


@pytest.mark.parametrize("fixture", [MEMOTRACE, PYWXDUMP], ids=["memotrace", "pywxdump"])
def test_cli_import_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture: Path
) -> None:
    first, again = cli_import_twice(tmp_path, capsys, fixture)
    assert first["format"] == "wechat"
    assert first["new"] == len(events(fixture)) and first["duplicate"] == 0
    assert (again["new"], again["duplicate"]) == (0, first["new"])
