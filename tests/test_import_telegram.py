"""Telegram Desktop JSON exports → events: the exact events for the fixtures (one chat, a whole
account, a 2019 export), detection of file/folder/zip, bad input, flat memory on big exports,
the benchmark generator, and the CLI end to end (re-import adds nothing)."""

from __future__ import annotations

import json
import shutil
import tracemalloc
import zipfile
from datetime import UTC
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from benchmarks.make_telegram_export import write_export
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.cli.app import main
from shequn.cli.common import state
from shequn.errors import InputFormatError
from shequn.ingest import telegram_account
from shequn.ingest.base import ImportContext, Rejected
from shequn.ingest.registry import detect, get_importer
from shequn.ingest.telegram import TelegramImporter
from shequn.ingest.telegram_map import ChatMapper
from shequn.ingest.telegram_parts import Chat, Names, Tally, peer_key
from shequn.model.events import Event

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "telegram"
CHAT = DATA / "reading-circle" / "result.json"
ACCOUNT = DATA / "account" / "result.json"
OLD = DATA / "book-club-2019.json"
SHANGHAI = ZoneInfo("Asia/Shanghai")

LIN, MEI, ZW, BOB = (
    "telegram:5011223344",
    "telegram:5099887766",
    "telegram:6123456789",
    "telegram:6200000001",
)
DEER, JING = "telegram:7000000042", "telegram:7300000001"
ALEX_A, ALEX_B, DEAD = "telegram:7100000001", "telegram:7100000002", "telegram:6999999999"


def read(path: Path, tz: ZoneInfo = SHANGHAI, **kw: Any) -> tuple[list[Any], ImportContext]:
    ctx = ImportContext(path=path, community="study-circle", tz=tz, **kw)
    return list(TelegramImporter().read(ctx)), ctx


def short(items: list[Any]) -> list[tuple[Any, ...]]:
    """(kind, time, actor, subject, source_ref, data) of each event, in order."""
    out = []
    for e in items:
        assert isinstance(e, Event), e
        d = e.to_dict()
        out.append(
            (d["kind"], d["occurred_at"], d["actor"], d["subject"], d["source_ref"], d["data"])
        )
    return out


# -- one chat -----------------------------------------------------------------------------


def test_one_chat_export_becomes_these_events() -> None:
    items, ctx = read(CHAT)
    assert {(e.source, e.group, e.community) for e in items} == {
        ("telegram-export:1987654321", "reading-circle-1987654321", "study-circle")
    }
    m = "-99999999"  # the group's history before it became a supergroup: ids below zero
    assert short(items) == [
        ("member.joined", "2024-03-01T01:00:00Z", LIN, None, f"{m}9:joined",
         {"channel": "creator", "actor_name": "林老师"}),
        ("group.renamed", "2024-03-01T01:00:00Z", LIN, None, f"{m}9",
         {"name": "读书会", "actor_name": "林老师"}),
        ("member.joined", "2024-03-01T01:00:00Z", MEI, None, f"{m}9:joined:0",
         {"channel": "add", "actor_name": "Mei Chen", "inviter": LIN}),
        ("member.invited", "2024-03-01T01:00:00Z", LIN, MEI, f"{m}9:invited:0",
         {"channel": "add", "subject_name": "Mei Chen", "actor_name": "林老师"}),
        ("message.posted", "2024-03-01T01:01:30Z", MEI, None, f"{m}8",
         {"length": 4, "text": "大家好！", "actor_name": "Mei Chen"}),
        ("group.renamed", "2024-03-02T02:05:00Z", LIN, None, "2",
         {"name": "Reading Circle 读书会", "actor_name": "林老师"}),
        # added by name only: 小鹿🦌 is identified (she posts later), Momo never is
        ("member.joined", "2024-03-02T02:10:00Z", DEER, None, "3:joined:0",
         {"channel": "add", "actor_name": "小鹿🦌", "inviter": LIN}),
        ("member.invited", "2024-03-02T02:10:00Z", LIN, DEER, "3:invited:0",
         {"channel": "add", "subject_name": "小鹿🦌", "actor_name": "林老师"}),
        ("member.joined", "2024-03-02T02:10:00Z", "telegram:name:Momo", None, "3:joined:1",
         {"channel": "add", "actor_name": "Momo", "inviter": LIN}),
        ("member.invited", "2024-03-02T02:10:00Z", LIN, "telegram:name:Momo", "3:invited:1",
         {"channel": "add", "subject_name": "Momo", "actor_name": "林老师"}),
        ("member.joined", "2024-03-02T03:00:00Z", ZW, None, "4",
         {"channel": "link", "actor_name": "张伟", "inviter": LIN}),
        ("member.invited", "2024-03-02T03:00:00Z", LIN, ZW, "4:invited",
         {"channel": "link", "actor_name": "林老师", "subject_name": "张伟"}),
        ("member.joined", "2024-03-02T04:00:00Z", BOB, None, "5",
         {"channel": "public", "actor_name": "Bob Smith"}),
        ("message.posted", "2024-03-04T12:00:00Z", ZW, None, "6",
         {"length": 9, "text": "请问这周读哪一章？", "is_question": True, "actor_name": "张伟"}),
        ("message.posted", "2024-03-04T12:03:00Z", LIN, None, "7",
         {"length": 32, "text": "第三章，https://example.org/ch3 大家看看", "has_link": True,
          "reply_to": "6", "actor_name": "林老师", "reactions": 9}),
        ("message.reacted", "2024-03-04T12:05:10Z", ZW, LIN, "7:reacted:user6123456789:👍",
         {"message": "7", "emoji": "👍", "actor_name": "张伟", "subject_name": "林老师"}),
        ("message.reacted", "2024-03-04T13:00:00Z", DEER, LIN, "7:reacted:user7000000042:👍",
         {"message": "7", "emoji": "👍", "actor_name": "小鹿🦌", "subject_name": "林老师"}),
        ("message.reacted", "2024-03-05T00:00:00Z", MEI, LIN,
         "7:reacted:user5099887766:custom_emoji:5368324170671202286",
         {"message": "7", "emoji": "custom_emoji:5368324170671202286",
          "actor_name": "Mei Chen", "subject_name": "林老师"}),
        ("message.posted", "2024-03-04T12:10:00Z", DEER, None, "8",
         {"length": 0, "has_media": True, "actor_name": "小鹿🦌"}),
        ("message.posted", "2024-03-04T12:15:00Z", MEI, None, "9",
         {"length": 11, "text": "张伟 第三章在群文件里", "mentions": [ZW],
          "actor_name": "Mei Chen"}),
        ("message.posted", "2024-03-04T13:00:00Z", "telegram:channel1987654321", None, "10",
         {"length": 21, "text": "📌 本周安排：第三章，周六晚上八点线上分享",
          "actor_name": "Reading Circle 读书会", "signature": "林老师"}),
        ("message.pinned", "2024-03-04T13:01:00Z", LIN, None, "11",
         {"message": "10", "actor_name": "林老师"}),
        ("message.posted", "2024-03-04T23:30:00Z", DEAD, None, "12",
         {"length": 6, "text": "hi all"}),
        ("message.posted", "2024-03-05T00:00:00Z", ALEX_A, None, "13",
         {"length": 17, "text": "Hello from Alex A", "actor_name": "Alex"}),
        ("message.posted", "2024-03-05T00:01:00Z", ALEX_B, None, "14",
         {"length": 30, "text": "Why do we read? A short essay.", "is_question": True,
          "forwarded_from": "Reading Daily", "actor_name": "Alex"}),
        ("message.posted", "2024-03-05T00:02:00Z", BOB, None, "15",
         {"length": 0, "has_media": True, "actor_name": "Bob Smith"}),
        # two people are called Alex: the removed one stays a name
        ("member.removed", "2024-03-06T01:00:00Z", LIN, "telegram:name:Alex", "17",
         {"subject_name": "Alex", "actor_name": "林老师"}),
        ("member.left", "2024-03-06T02:00:00Z", BOB, None, "18", {"actor_name": "Bob Smith"}),
        ("member.joined", "2024-03-06T03:00:00Z", JING, None, "19",
         {"channel": "request", "actor_name": "Chen Jing"}),
        # a reply to a message of another chat is not a reply_to here
        ("message.posted", "2024-03-06T13:00:00Z", ZW, None, "21",
         {"length": 30, "text": "that channel has the audiobook", "actor_name": "张伟"}),
        ("message.posted", "2024-03-06T13:05:00Z", MEI, None, "22",
         {"length": 10, "text": "这篇文章 推荐给大家", "actor_name": "Mei Chen", "has_link": True}),
    ]  # fmt: skip
    assert ctx.bytes_read == CHAT.stat().st_size  # counted once: the progress bar ends at 100%
    assert not ctx.naive_times  # every time came from date_unixtime


def test_the_notes_say_what_was_guessed_or_left_out() -> None:
    _, ctx = read(CHAT)
    notes = "\n".join(ctx.notes)
    assert "2 people named in service messages" in notes
    assert "1 never appear with an id in the export, 1 share their name" in notes
    assert "telegram:name:<name>" in notes
    assert "1 added or removed members were deleted accounts" in notes
    assert "migrate_to_supergroup ×1, migrate_from_group ×1, group_call ×1" in notes
    assert "1 messages the exporter marks 'unsupported'" in notes
    assert "6 reactions are only counted" in notes
    assert "3 messages come from the group before it became a supergroup" in notes


def test_reaction_times_use_the_exporters_offset_not_the_import_zone() -> None:
    """Reaction dates are local times with no zone; the message's date/date_unixtime pair
    tells the exporter's offset (UTC+8 here), whatever --tz says."""
    items, ctx = read(CHAT, tz=ZoneInfo("Europe/Berlin"))
    reacted = [e for e in items if e.kind == "message.reacted"]
    assert reacted[0].occurred_at.isoformat() == "2024-03-04T12:05:10+00:00"
    assert not ctx.naive_times


def test_a_2019_export_has_numeric_ids_and_local_times() -> None:
    items, ctx = read(OLD)
    assert ctx.naive_times  # no date_unixtime: read in the community's zone
    assert short(items) == [
        ("member.joined", "2019-06-01T12:00:00Z", "telegram:90001", None, "1:joined",
         {"channel": "creator", "actor_name": "Anna"}),
        ("group.renamed", "2019-06-01T12:00:00Z", "telegram:90001", None, "1",
         {"name": "Book Club", "actor_name": "Anna"}),
        ("member.joined", "2019-06-01T12:00:00Z", "telegram:90002", None, "1:joined:0",
         {"channel": "add", "actor_name": "Ben", "inviter": "telegram:90001"}),
        ("member.invited", "2019-06-01T12:00:00Z", "telegram:90001", "telegram:90002",
         "1:invited:0", {"channel": "add", "subject_name": "Ben", "actor_name": "Anna"}),
        ("message.posted", "2019-06-01T12:01:00Z", "telegram:90002", None, "2",
         {"length": 29, "text": "read this https://example.com", "has_link": True,
          "actor_name": "Ben"}),
        ("message.posted", "2019-06-01T12:02:00Z", "telegram:90001", None, "3",
         {"length": 7, "text": "thanks!", "reply_to": "2", "actor_name": "Anna"}),
    ]  # fmt: skip
    utc, _ = read(OLD, tz=ZoneInfo("UTC"))
    assert utc[0].occurred_at.isoformat() == "2019-06-01T20:00:00+00:00"


# -- a whole account -----------------------------------------------------------------------


def test_account_export_imports_groups_and_channels_not_private_chats() -> None:
    items, ctx = read(ACCOUNT)
    by_group: dict[str, list[str]] = {}
    for e in items:
        assert isinstance(e, Event), e
        assert e.source == "telegram-export:" + e.group.rsplit("-", 1)[1]  # type: ignore[union-attr]
        by_group.setdefault(e.group, []).append(f"{e.kind} {e.source_ref}")  # type: ignore[arg-type]
    assert by_group == {
        "camp-21-4455667788": [
            "member.joined 1:joined",
            "group.renamed 1",
            "member.joined 1:joined:0",
            "member.invited 1:invited:0",
            "message.posted 2",
            "member.joined 3:joined:0",
            "member.invited 3:invited:0",
        ],
        "announcements-1300000001": ["message.posted 5"],
        "old-book-swap-1500000003": ["message.posted 7", "member.left 8"],  # from left_chats
    }
    # the creator listed among the first members is not "added" by himself; 张伟 is added
    # by name in one chat and identified by his posts in another
    camp = [e for e in items if e.group == "camp-21-4455667788"]
    assert camp[5].actor == ZW and camp[5].data["inviter"] == LIN
    assert "private chats skipped (1 personal_chat, 1 saved_messages)" in ctx.notes[0]


def test_group_override_puts_every_chat_in_one_group() -> None:
    items, _ = read(ACCOUNT, group="main")
    assert {e.group for e in items} == {"main"}
    assert len({e.source for e in items}) == 3  # sources still tell the chats apart


@pytest.mark.parametrize("path", [CHAT, ACCOUNT])
def test_keys_in_any_order_give_the_same_events(path: Path, tmp_path: Path) -> None:
    """A re-serialised file (sorted keys: ``messages`` before ``id``) still imports."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    shuffled = tmp_path / "result.json"
    shuffled.write_text(json.dumps(doc, sort_keys=True, ensure_ascii=False), encoding="utf-8")
    original, _ = read(path)
    again, _ = read(shuffled)
    assert [e.to_dict() for e in again] == [e.to_dict() for e in original]


@pytest.mark.parametrize("sort_keys", [False, True])
def test_chat_boundaries_hold_whatever_the_read_size(
    sort_keys: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Messages are tagged with their chat between reads; with tiny reads a chat whose header
    comes after its messages is held until it ends (and the notes say so)."""
    original, _ = read(ACCOUNT)
    doc = json.loads(ACCOUNT.read_text(encoding="utf-8"))
    path = tmp_path / "result.json"
    path.write_text(json.dumps(doc, sort_keys=sort_keys, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(telegram_account, "READ_SIZE", 97)
    again, ctx = read(path)
    assert [e.to_dict() for e in again] == [e.to_dict() for e in original]
    held = [n for n in ctx.notes if "comes after its messages" in n]
    assert len(held) == (3 if sort_keys else 0), ctx.notes


# -- where the export is: file, folder, zip; detection ---------------------------------


def export_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "Telegram Desktop" / "ChatExport_2024-03-07"
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "photo_1@04-03-2024_20-10-00.jpg").write_bytes(b"\xff\xd8\xff\xe0jpeg")
    shutil.copy(CHAT, folder / "result.json")
    return folder


def test_folder_zip_and_file_are_detected_and_read_alike(tmp_path: Path) -> None:
    folder = export_folder(tmp_path)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:  # photos first: the head of the zip is a jpeg
        zf.write(folder / "photos" / "photo_1@04-03-2024_20-10-00.jpg", "ChatExport/photos/p.jpg")
        zf.write(folder / "result.json", "ChatExport/result.json")
    expected = [e.to_dict() for e in read(CHAT)[0]]
    for path in (CHAT, folder, folder.parent, archive):
        assert detect(path).name == "telegram", path
        items, ctx = read(path)
        assert [e.to_dict() for e in items] == expected, path
        assert ctx.bytes_read == CHAT.stat().st_size, path


def test_html_export_is_refused_with_the_fix(tmp_path: Path) -> None:
    folder = tmp_path / "ChatExport_2024-03-07"
    folder.mkdir()
    (folder / "messages.html").write_text("<html><body>Telegram</body></html>")
    assert not TelegramImporter().sniff(folder, b"")
    with pytest.raises(InputFormatError, match="Machine-readable JSON"):
        read(folder)


@pytest.mark.parametrize(
    "head",
    [
        b'{"guild": {"id": "1"}, "channel": {"id": "2", "type": "GuildTextChat"}, "messages": []}',
        b'{"kind": "member.joined", "occurred_at": "2026-03-02T09:00:00+08:00"}\n',
        b'[{"id": 1, "type": "message"}]',
        b"time,user,text\n2024-01-01,a,b\n",
    ],
)
def test_sniff_leaves_other_files_alone(head: bytes, tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(head)
    assert not TelegramImporter().sniff(path, head)


def test_sniff_knows_both_shapes_from_the_first_bytes() -> None:
    importer = TelegramImporter()
    for path in (CHAT, ACCOUNT, OLD):
        assert importer.sniff(path, path.read_bytes()[:65_536]), path


# -- bad input ------------------------------------------------------------------------------


def test_a_message_that_cannot_be_mapped_is_rejected_with_its_path(tmp_path: Path) -> None:
    doc = json.loads(ACCOUNT.read_text(encoding="utf-8"))
    camp = doc["chats"]["list"][2]["messages"]
    del camp[1]["from"], camp[1]["from_id"]
    camp[2]["date_unixtime"] = "soon"
    path = tmp_path / "result.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    items, _ = read(path)
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert [(r.where, r.reason.split(":")[0]) for r in rejected] == [
        ("$.chats.list[2].messages[1]", "message has no from_id"),
        ("$.chats.list[2].messages[2]", "cannot read this message"),
    ]
    assert '"打卡 day 1 ✅"' in rejected[0].raw
    assert sum(isinstance(i, Event) for i in items) == 7  # the rest still imports


def test_a_cut_off_export_is_an_input_error_after_the_good_part(tmp_path: Path) -> None:
    for source in (CHAT, ACCOUNT):
        data = source.read_bytes()
        path = tmp_path / source.parent.name / "result.json"
        path.parent.mkdir()
        path.write_bytes(data[: len(data) * 2 // 3])
        ctx = ImportContext(path=path, community="study-circle", tz=SHANGHAI)
        got: list[Any] = []
        with pytest.raises(InputFormatError, match="is the file complete"):
            got.extend(TelegramImporter().read(ctx))
        assert got and all(isinstance(e, Event) for e in got)


def test_not_a_telegram_export(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text('{"hello": "world"}')
    with pytest.raises(InputFormatError, match="not a Telegram export"):
        read(path)


# A message is whatever a file says it is: the mapper must turn anything into events or a
# Rejected record, never crash.
_scalar = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5)
_value = st.recursive(
    _scalar | st.sampled_from(["user1", "channel9", "chat7", "1709254800", "2024-03-01T09:00:00"]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip
_message = st.dictionaries(
    st.sampled_from(
        ["id", "type", "date", "date_unixtime", "from", "from_id", "actor", "actor_id", "action",
         "members", "text", "text_entities", "reactions", "reply_to_message_id", "inviter",
         "title", "message_id", "forwarded_from", "photo", "reply_to_peer_id"]
    ),
    _value | st.sampled_from(["service", "message", "invite_members", "remove_members",
                              "join_group_by_link", "pin_message", "create_group"]),
)  # fmt: skip


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_message)
def test_any_message_becomes_events_or_a_rejection(msg: dict[str, Any]) -> None:
    ctx = ImportContext(path=CHAT, community="study-circle", tz=SHANGHAI)
    mapper = ChatMapper(ctx, Chat(index=-1, name="X", id=42), Names(), Tally())
    for item in mapper.items(msg, 0):
        assert isinstance(item, Event | Rejected)


def test_peer_ids() -> None:
    assert peer_key("user123") == "telegram:123"
    assert peer_key("channel5") == "telegram:channel5"
    assert peer_key("chat7") == "telegram:chat7"
    assert peer_key(90001) == "telegram:90001"
    assert [peer_key(v) for v in ("user", "user１２", "bot1", True, -4, None, "12a")] == [None] * 7


# -- big exports: streamed, memory flat ----------------------------------------------------


@pytest.mark.parametrize("account", [False, True], ids=["one-chat", "account"])
def test_memory_does_not_grow_with_the_export(tmp_path: Path, account: bool) -> None:
    """Materialising the messages would cost a few KB each; streaming keeps the peak flat."""
    peaks = []
    for n in (2_000, 20_000):
        path = tmp_path / f"{n}.json"
        write_export(path, n, members=300, seed=3, account=account)
        ctx = ImportContext(path=path, community="c", tz=UTC)
        tracemalloc.start()
        count = sum(1 for _ in TelegramImporter().read(ctx))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert count > n
    small, large = peaks
    assert large < small + 500_000, peaks  # ten times the messages, the same memory


def test_the_generator_is_deterministic_and_writes_a_real_export(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_export(a, 3_000, members=120, seed=11)
    write_export(b, 3_000, members=120, seed=11)
    assert a.read_bytes() == b.read_bytes()
    doc = orjson.loads(a.read_bytes())
    assert (doc["type"], len(doc["messages"])) == ("private_supergroup", 3_000)
    ids = [m["id"] for m in doc["messages"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    actions = {m.get("action") for m in doc["messages"]}
    assert {"create_group", "invite_members", "join_group_by_link", "remove_members"} <= actions
    assert any(isinstance(m.get("text"), list) for m in doc["messages"])
    assert any(m.get("reactions") for m in doc["messages"])
    times = [int(m["date_unixtime"]) for m in doc["messages"]]
    assert times == sorted(times)
    write_export(a, 500, members=50, seed=11, account=True)
    account = orjson.loads(a.read_bytes())
    assert [c["type"] for c in account["chats"]["list"]] == ["personal_chat", "private_supergroup"]


# -- the CLI, on SQLite and PostgreSQL --------------------------------------------------------


def run(url: str, capsys: pytest.CaptureFixture[str], *args: object) -> dict[str, Any]:
    capsys.readouterr()
    state.debug = False
    code = main(["--db", url, *map(str, args), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def test_cli_import_then_reimport_adds_nothing(
    database_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(database_url, capsys, "blueprint", "load", ROOT / "examples/study-group/community.toml")
    doc = json.loads(CHAT.read_text(encoding="utf-8"))
    earlier = tmp_path / "earlier" / "result.json"
    earlier.parent.mkdir()
    doc["messages"] = doc["messages"][:12]  # an export made a few days before
    earlier.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")

    first = run(database_url, capsys, "import", earlier)
    full = run(database_url, capsys, "import", CHAT)
    again = run(database_url, capsys, "import", export_folder(tmp_path))
    total = len(read(CHAT)[0])
    assert first["format"] == "telegram" and first["new"] > 10
    assert (full["new"] + full["duplicate"], full["duplicate"]) == (total, first["new"])
    assert (again["new"], again["duplicate"]) == (0, total)
    assert full["groups"] == ["reading-circle-1987654321"]
    assert full["first_at"] == "2024-03-01T01:00:00+00:00"
    assert any("telegram:name:<name>" in n for n in full["notes"])
    members = run(database_url, capsys, "members", "list", "--limit", "100")
    keys = {i["key"] for m in members for i in m["identities"]}
    assert {LIN, DEER, "telegram:name:Momo", "telegram:channel1987654321"} <= keys


def test_registry_finds_the_importer() -> None:
    importer = get_importer("telegram")
    assert importer.name == "telegram" and "JSON" in importer.description
