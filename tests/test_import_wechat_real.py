"""WeChat CSVs as they reach an operator: re-saved by a spreadsheet, or from older PyWxDump."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shequn.errors import InputFormatError
from shequn.ingest.base import ImportContext, Rejected
from shequn.ingest.job import ImportJob
from shequn.ingest.registry import detect
from shequn.ingest.wechat import WeChatImporter
from shequn.model.events import Event

DATA = Path(__file__).parent / "data" / "wechat"
HEADER = "id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime\n"
RESAVED = (
    HEADER + "1,7.16E+18,文本,0,wxid_aqing,20987654321@chatroom,今晚几点开始？,,2024/10/4 11:42\n"
    "2,7.16E+18,文本,0,wxid_zhou,20987654321@chatroom,八点,,2024/10/4 11:43\n"
    '3,7.16E+18,系统通知,0,未知,20987654321@chatroom,"""阿青""邀请""老周""加入了群聊",'
    ",2024/10/4 11:44\n"
)
OLD = (
    "id,MsgSvrID,type_name,is_sender,talker,room_name,content,CreateTime\n"
    '1,7160000000000000001,文本,0,wxid_aqing,20987654321@chatroom,"{""src"": """", ""msg"": '
    '""今晚几点开始？""}",2024-04-20 19:55:02\n'
    "2,7160000000000000002,图片,0,wxid_zhou,20987654321@chatroom,"
    '"{""src"": ""FileStorage\\\\a.jpg"", ""msg"": ""图片""}",2024-04-20 19:56:00\n'
)


def run(path: Path) -> tuple[list[Event], list[Rejected], ImportJob]:
    """Import with ``--skip-bad``: the events, the records set aside, the job (summary)."""
    ctx = ImportContext(path=path, community="c", tz=ZoneInfo("Asia/Shanghai"))
    bad_file = path.with_suffix(".bad")
    with bad_file.open("w", encoding="utf-8") as fp:
        job = ImportJob(WeChatImporter(), ctx, skip_bad=fp)
        events = list(job.events())
    bad = [Rejected(**json.loads(x)) for x in bad_file.read_text("utf-8").splitlines()]
    return events, bad, job


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_csv_resaved_by_a_spreadsheet(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "20987654321@chatroom_0_5001.csv"
    path.write_bytes(RESAVED.encode(encoding))
    assert detect(path).name == "wechat"
    events, bad, job = run(path)
    assert bad == []
    assert [(e.kind, e.occurred_at.isoformat(), e.actor) for e in events] == [
        ("message.posted", "2024-10-04T03:42:00+00:00", "wechat:wxid_aqing"),
        ("message.posted", "2024-10-04T03:43:00+00:00", "wechat:wxid_zhou"),
        ("member.joined", "2024-10-04T03:44:00+00:00", "wechat:name:老周"),
        ("member.invited", "2024-10-04T03:44:00+00:00", "wechat:name:阿青"),
    ]
    # the mangled ids (7.16E+18, the same for every row) are not used as keys
    assert len({e.source_ref for e in events}) == 4
    assert "times read as YYYY/M/D HH:MM (re-saved by a spreadsheet: seconds lost) ×3" in (
        job.summary.notes
    )
    assert (encoding == "gb18030") == any("GB18030" in n for n in job.summary.notes)
    s = job.summary
    assert (s.records, s.imported, s.skipped, s.ignored) == (3, 3, 0, {})


def test_day_first_dotted_times_and_unknown_layouts(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        HEADER + "1,1,文本,0,wxid_a,r@chatroom,hi,,4.10.2024 11:42\n"
        "2,2,文本,0,wxid_a,r@chatroom,hi,,10/4/2024 11:42\n",
        encoding="utf-8",
    )
    events, bad, job = run(path)
    assert [e.occurred_at.isoformat() for e in events] == ["2024-10-04T03:42:00+00:00"]
    assert [b.where.rsplit(":", 1)[1] for b in bad] == ["3"]
    assert "no known layout" in bad[0].reason
    assert (job.summary.records, job.summary.imported, job.summary.skipped) == (2, 1, 1)


def test_the_older_eight_column_pywxdump_csv(tmp_path: Path) -> None:
    path = tmp_path / "20987654321@chatroom_0_5001.csv"
    path.write_text(OLD, encoding="utf-8")
    assert detect(path).name == "wechat"
    events, bad, _ = run(path)
    assert bad == []
    assert [(e.source_ref, e.actor, e.data) for e in events] == [
        ("7160000000000000001", "wechat:wxid_aqing",
         {"length": 7, "text": "今晚几点开始？", "is_question": True}),
        ("7160000000000000002", "wechat:wxid_zhou", {"length": 0, "has_media": True}),
    ]  # fmt: skip


def test_rejecting_every_row_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(HEADER + "1,1,文本,0,wxid_a,r@chatroom,hi,,someday\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="all 1 records were set aside"):
        run(path)


@pytest.mark.parametrize("name", ["读书会_utf8.csv", "20987654321@chatroom_0_5001.csv"])
def test_counts_add_up_to_the_rows(tmp_path: Path, name: str) -> None:
    copy = tmp_path / name
    copy.write_bytes((DATA / name).read_bytes())
    with (DATA / name).open(encoding="utf-8-sig", newline="") as fp:
        rows = sum(1 for rec in csv.reader(fp) if rec) - 1  # the header
    _, bad, job = run(copy)
    s = job.summary
    assert s.records == rows and bad == []
    assert s.imported is not None and s.imported + s.skipped + sum(s.ignored.values()) == rows
    assert s.ignored == {
        f"WeChat {what}": n
        for note in s.notes
        if note.startswith("skipped ")
        for n, what in [(int(note.split()[1]), note.split(" WeChat ", 1)[1].split(" (no")[0])]
    }
