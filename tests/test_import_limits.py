"""Hostile exports (issue 13): archives and text read under limits, with flat memory; every
record accounted for. The inputs are built here, in chunks, so the tests stay small in memory."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from datetime import UTC
from pathlib import Path

import pytest

from shequn.errors import InputFormatError, ShequnError
from shequn.ingest.archive import Limits, MiB
from shequn.ingest.job import ImportJob
from shequn.model.events import Event

HEADER = b"12/31/23, 9:41 PM - Ann: hello\n"
SMALL_LINES = Limits(line_bytes=1 * MiB)


def run(
    path: Path,
    *,
    fmt: str | None = None,
    limits: Limits | None = None,
    skip_bad: io.StringIO | None = None,
) -> tuple[ImportJob, list[Event]]:
    job = ImportJob.for_path(path, community="c", tz=UTC, fmt=fmt, limits=limits, skip_bad=skip_bad)
    return job, list(job.events())


def zip_with(path: Path, members: dict[str, bytes | tuple[bytes, bytes, int]]) -> Path:
    """A deflated zip; a member given as (prefix, fill, size) is written in 1 MiB chunks:
    ``prefix`` then ``fill`` repeated to ``size`` bytes, with no line break."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            if isinstance(content, bytes):
                zf.writestr(name, content)
                continue
            prefix, fill, size = content
            with zf.open(name, "w", force_zip64=True) as fp:
                fp.write(prefix)
                chunk = fill * (MiB // len(fill))
                for _ in range(size // len(chunk)):
                    fp.write(chunk)
    return path


# -- line length ----------------------------------------------------------------------------


def test_a_long_line_in_a_whatsapp_zip_is_a_format_error_naming_the_line(tmp_path: Path) -> None:
    path = zip_with(tmp_path / "chat.zip", {"_chat.txt": (HEADER, b"a", 64 * MiB)})
    with pytest.raises(InputFormatError) as err:
        run(path, limits=SMALL_LINES)
    assert err.value.path == f"{path}:_chat.txt"
    assert err.value.line == 2
    assert "a line longer than 1 MiB" in err.value.problem
    assert "--max-line" in err.value.problem and "SHEQUN_IMPORT_MAX_LINE" in err.value.problem


def test_memory_stays_flat_on_a_200_mb_line(tmp_path: Path) -> None:
    path = zip_with(tmp_path / "chat.zip", {"_chat.txt": (HEADER, b"a", 200 * MiB)})
    tracemalloc.start()
    try:
        with pytest.raises(InputFormatError, match="a line longer than 1 MiB"):
            run(path, limits=SMALL_LINES)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MiB, f"peak {peak / MiB:.1f} MiB"


@pytest.mark.parametrize(
    ("name", "fmt", "first"),
    [
        ("chat.txt", "whatsapp", HEADER),
        ("events.jsonl", "jsonl", b""),
        ("table.csv", "csv", b"at,actor,text\n"),
        ("qq.txt", "qq", "消息记录（此消息记录为文本格式，不支持重新导入）\n".encode()),
        (
            "wechat.csv",
            "wechat",
            b"id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime\n",
        ),
    ],
)
def test_plain_text_files_get_the_same_line_guard(
    tmp_path: Path, name: str, fmt: str, first: bytes
) -> None:
    path = tmp_path / name
    with path.open("wb") as fp:
        fp.write(first)
        for _ in range(3):
            fp.write(b"x" * MiB)
    with pytest.raises(InputFormatError, match="a line longer than 1 MiB") as err:
        run(path, fmt=fmt, limits=SMALL_LINES)
    assert err.value.line == first.count(b"\n") + 1


@pytest.mark.parametrize(
    ("fmt", "first", "line"),
    [
        ("whatsapp", HEADER, 1),
        ("qq", "消息记录（此消息记录为文本格式，不支持重新导入）\n".encode()
         + b"2024-01-01 10:00:00 Ann(12345)\n", 2),
    ],
)  # fmt: skip
def test_a_message_of_many_lines_is_bounded_too(
    tmp_path: Path, fmt: str, first: bytes, line: int
) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes(first + b"short line\n" * 200_000)
    with pytest.raises(InputFormatError, match="a message longer than 1 MiB") as err:
        run(path, fmt=fmt, limits=SMALL_LINES)
    assert err.value.line == line


def test_the_line_limit_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHEQUN_IMPORT_MAX_LINE", "1M")
    assert Limits.from_env().line_bytes == MiB
    path = tmp_path / "chat.txt"
    path.write_bytes(HEADER + b"b" * (2 * MiB))
    with pytest.raises(InputFormatError, match="a line longer than 1 MiB"):
        run(path)
    monkeypatch.setenv("SHEQUN_IMPORT_MAX_LINE", "lots")
    with pytest.raises(ShequnError, match="SHEQUN_IMPORT_MAX_LINE"):
        Limits.from_env()


# -- bombs, sizes, member counts ------------------------------------------------------------


def slack_zip(path: Path, day: bytes | tuple[bytes, bytes, int]) -> Path:
    return zip_with(
        path,
        {
            "users.json": b'[{"id": "U1", "name": "ann"}]',
            "channels.json": b'[{"id": "C1", "name": "general"}]',
            "general/2024-03-01.json": day,
        },
    )


def test_a_slack_zip_bomb_stops_at_the_ratio_guard(tmp_path: Path) -> None:
    path = slack_zip(tmp_path / "slack.zip", (b"[", b" ", 512 * MiB))
    tracemalloc.start()
    try:
        with pytest.raises(InputFormatError, match="zip bomb") as err:
            run(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.value.path == f"{path}:general/2024-03-01.json"
    assert "SHEQUN_IMPORT_MAX_RATIO" in err.value.problem
    assert peak < 8 * MiB


def test_unpacking_stops_at_the_total_limit(tmp_path: Path) -> None:
    path = slack_zip(tmp_path / "slack.zip", b"[" + b" " * (3 * MiB) + b"]")
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("general/2024-03-02.json", b"[" + b" " * (3 * MiB) + b"]")
    with pytest.raises(InputFormatError, match="files unpack to more than 4 MiB") as err:
        run(path, limits=Limits(total_bytes=4 * MiB))
    assert "--max-unpacked" in err.value.problem and "SHEQUN_IMPORT_MAX_UNPACKED" in str(err.value)
    with pytest.raises(InputFormatError, match="this file unpacks to more than 2 MiB") as err:
        run(path, limits=Limits(total_bytes=8 * MiB, member_bytes=2 * MiB))
    assert "SHEQUN_IMPORT_MAX_MEMBER" in err.value.problem


def test_a_member_declaring_more_than_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = slack_zip(tmp_path / "slack.zip", b"[" + b" " * (2 * MiB) + b"]")
    with pytest.raises(InputFormatError, match="this file unpacks to more than 1 MiB"):
        run(path, limits=Limits(member_bytes=MiB))


def test_too_many_members(tmp_path: Path) -> None:
    path = zip_with(tmp_path / "many.zip", {f"f{i}.txt": b"x" for i in range(20)})
    with pytest.raises(InputFormatError, match="20 files in the zip, more than 10"):
        run(path, fmt="whatsapp", limits=Limits(members=10))


# -- damaged zips ---------------------------------------------------------------------------


def damaged(path: Path, method: int) -> Path:
    text = HEADER + b"12/31/23, 9:42 PM - Bob: a message long enough to be damaged\n" * 50
    with zipfile.ZipFile(path, "w", method) as zf:
        zf.writestr("_chat.txt", text)
    raw = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo("_chat.txt")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + info.compress_size // 2] ^= 0x55
    path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED], ids=str)
@pytest.mark.parametrize("fmt", [None, "whatsapp"], ids=["detected", "given"])
def test_a_bad_crc_is_a_clean_format_error(tmp_path: Path, method: int, fmt: str | None) -> None:
    path = damaged(tmp_path / "chat.zip", method)
    if method == zipfile.ZIP_STORED:
        with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32"):  # what zipfile says
            zipfile.ZipFile(path).read("_chat.txt")
    with pytest.raises(InputFormatError) as err:
        run(path, fmt=fmt)
    assert err.value.path == f"{path}:_chat.txt"
    assert "damaged" in err.value.problem


# -- integrity: every record accounted for --------------------------------------------------


def test_an_unterminated_quote_is_an_error_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "time,user_id,text\n"
        "2024-01-01T10:00:00Z,u1,fine\n"
        '2024-01-01T11:00:00Z,u2,"never closed\n'
        "2024-01-01T12:00:00Z,u3,swallowed\n"
        "2024-01-01T13:00:00Z,u4,swallowed too\n",
        encoding="utf-8",
    )
    for skip in (None, io.StringIO()):
        with pytest.raises(InputFormatError, match="quoted cell is not closed") as err:
            run(path, fmt="csv", skip_bad=skip)
        assert err.value.line == 3


def test_a_quote_closed_on_a_later_row_is_an_error_too(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        'time,user_id,text\n2024-01-01T11:00:00Z,u2,"open\n2024-01-01T12:00:00Z,u3,"x"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputFormatError, match="quoted cell is not closed") as err:
        run(path, fmt="csv")
    assert err.value.line == 2


def telegram(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "result.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


CHAT = {"name": "Club", "type": "public_supergroup", "id": 42}


@pytest.mark.parametrize(
    ("doc", "where", "found"),
    [
        ({**CHAT, "messages": {}}, "$.messages", "found an object"),
        ({**CHAT, "messages": "none"}, "$.messages", "found text"),
        ({"about": "x", "chats": {"list": {}}}, "$.chats.list", "found an object"),
        ({"about": "x", "chats": []}, "$.chats", "found a list"),
        (
            {"about": "x", "chats": {"list": [{**CHAT, "messages": {}}]}},
            "$.chats.list.item.messages",
            "found an object",
        ),
    ],
    ids=["messages-object", "messages-text", "list-object", "chats-list", "chat-messages"],
)
def test_telegram_containers_of_the_wrong_type_are_errors(
    tmp_path: Path, doc: object, where: str, found: str
) -> None:
    with pytest.raises(InputFormatError, match=found) as err:
        run(telegram(tmp_path, doc), fmt="telegram")
    assert err.value.line == where


def test_discord_messages_must_be_a_list(tmp_path: Path) -> None:
    doc = {"guild": {"id": "1", "name": "g"}, "channel": {"id": "2", "name": "c"}}
    path = tmp_path / "d.json"
    for messages, match in (({}, "must be a list of messages"), (None, "no 'messages' list")):
        body = {**doc, "messages": messages} if messages is not None else doc
        path.write_text(json.dumps(body), encoding="utf-8")
        with pytest.raises(InputFormatError, match=match):
            run(path, fmt="discord")


def test_slack_listings_must_be_lists(tmp_path: Path) -> None:
    path = zip_with(
        tmp_path / "slack.zip",
        {"users.json": b'{"U1": "ann"}', "channels.json": b"[]"},
    )
    with pytest.raises(InputFormatError, match="expected a list of records, found an object"):
        run(path, fmt="slack")


@pytest.mark.parametrize("fmt", ["telegram", "whatsapp", "discord", "wechat", "qq", "csv", "jsonl"])
def test_an_empty_file_is_an_error(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(InputFormatError, match="the file is empty"):
        run(path, fmt=fmt)


def test_an_export_without_messages_says_so(tmp_path: Path) -> None:
    job, events = run(telegram(tmp_path, {**CHAT, "messages": []}), fmt="telegram")
    assert events == []
    assert any(n.startswith("0 events") for n in job.summary.notes)


def test_an_import_that_sets_everything_aside_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text('{"kind": "no.such.kind", "occurred_at": "2024-01-01T00:00:00Z"}\n' * 3)
    bad = io.StringIO()
    with pytest.raises(InputFormatError, match="all 3 records were set aside"):
        run(path, fmt="jsonl", skip_bad=bad)
    assert len(bad.getvalue().splitlines()) == 3
