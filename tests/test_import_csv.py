"""Tables (CSV/TSV) into events: canonical columns, guessed and given mappings, times, bad rows.

The expected events are written out by hand: they are the contract docs/import/csv.md makes.
The hashed ``row-…`` refs are pinned literally too — if they changed, every table imported
before would import again as new events.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from shequn.cli.app import main
from shequn.cli.common import state
from shequn.errors import InputFormatError, ShequnError
from shequn.ingest.base import Rejected
from shequn.ingest.table import TableImporter, parse_mapping
from shequn.model.events import Event
from tests.csv_helpers import DATA, EXAMPLE, MAPPED, TWO_CHATS_MAP, context, read, table


def message(at: str, actor: str, ref: str, source: str, group: str, **data: object) -> Event:
    return Event(
        kind="message.posted",
        occurred_at=datetime.fromisoformat(at),
        community="study-circle",
        source=source,
        source_ref=ref,
        group=group,
        actor=actor,
        data=dict(data),
    )


# --- parse_mapping ---------------------------------------------------------------------


def test_parse_mapping_reads_target_column_pairs() -> None:
    assert parse_mapping(TWO_CHATS_MAP) == {
        "at": "sent_at",
        "actor": "from_userid",
        "text": "text",
        "name": "from_name",
        "reply_to": "reply_id",
        "id": "msg_id",
        "kind": "type",
        "group": "chat",
    }
    assert parse_mapping(" at = Sent At , actor=uid ,") == {"at": "Sent At", "actor": "uid"}


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("at=time,actor=uid,when=x", "unknown target(s) when"),
        ("at=time", "--map needs actor=COLUMN"),
        ("at=time,actor", "'actor' is not target=column"),
        ("at=time,actor=a,actor=b", "actor is mapped twice"),
    ],
)
def test_parse_mapping_names_the_mistake(spec: str, problem: str) -> None:
    with pytest.raises(ShequnError, match=re.escape(problem)):
        parse_mapping(spec)


# --- canonical tables ------------------------------------------------------------------


def test_canonical_csv_with_data_columns() -> None:
    path = DATA / "canonical-events.csv"
    ctx = context(path)
    items = list(TableImporter().read(ctx))

    def event(kind: str, at: str, ref: str, **kw: object) -> Event:
        fields: dict[str, object] = {"actor": "wechat:wxid_reader01", "group": "main", **kw}
        return Event(
            kind=kind,
            occurred_at=datetime.fromisoformat(at),
            community="study-circle",  # no community column: the one imported into
            source="sheet:march",
            source_ref=ref,
            **fields,  # type: ignore[arg-type]
        )

    assert items == [
        event("member.joined", "2025-03-10T08:00:00+08:00", "j-1", data={"actor_name": "小林"}),
        event(
            "message.posted",
            "2025-03-10T08:05:00+08:00",
            "m-1",
            data={"actor_name": "小林", "text": "大家好, 今天读第三章吗?", "length": 12},
        ),
        event(
            "message.posted",
            "2025-03-10T08:07:30+08:00",  # written without a zone: read in Asia/Shanghai
            "m-2",
            actor="wechat:wxid_lead",
            data={
                "actor_name": "阿青",
                "text": "读的, 笔记在 https://example.org/ch3",
                "reply_to": "m-1",
                "has_link": True,
                "mentions": ["wechat:wxid_reader01"],
            },
        ),
        event(
            "payment.made", "2025-03-10T09:00:00+00:00", "p-1", group=None, data={"amount": 99.5}
        ),
        event(
            "role.changed",
            "2025-03-11T10:00:00+08:00",
            "r-1",
            group=None,
            actor="wechat:wxid_lead",
            subject="wechat:wxid_reader01",
            data={"role": "group_leader"},
        ),
    ]
    assert ctx.notes == ["delimiter: comma (detected)"]
    assert ctx.naive_times


def test_canonical_tsv_with_a_data_json_column() -> None:
    def camp(kind: str, at: str, ref: str, data: dict[str, object]) -> Event:
        return Event(
            kind=kind,
            occurred_at=datetime.fromisoformat(at),
            community="study-circle",
            source="sheet:camp",
            source_ref=ref,
            group="camp-21",
            actor="wechat:wxid_camper7",
            data=data,
        )

    assert read(DATA / "canonical-events.tsv") == [
        camp(
            "member.joined",
            "2025-03-12T19:00:00+08:00",
            "camp-j-7",
            {"actor_name": "小周", "channel": "qr", "campaign": "spring-camp"},
        ),
        camp(
            "checkin.done", "2025-03-13T07:30:00+08:00", "camp-c-7-1", {"camp": "camp-21", "day": 1}
        ),
        camp(
            "message.posted",
            "2025-03-13T07:31:00+08:00",
            "camp-m-7-1",
            {"length": 5, "text": "打卡第一天"},
        ),
        camp("member.left", "2025-03-20T22:10:00+08:00", "camp-l-7", {}),
    ]


def test_group_option_moves_canonical_and_mapped_rows() -> None:
    canonical = read(DATA / "canonical-events.csv", group="main-2")
    assert [e.group for e in canonical if isinstance(e, Event)] == ["main-2"] * 3 + [None] * 2
    mapped = read(DATA / "chat-archive.csv", group="main-2")
    assert {e.group for e in mapped if isinstance(e, Event)} == {"main-2"}


def test_canonical_cells_of_the_wrong_type_are_rejected(tmp_path: Path) -> None:
    head = "kind,occurred_at,group,actor,source,source_ref,data.length,data.has_link,data\n"
    path = table(
        tmp_path,
        head
        + "message.posted,2025-03-10T08:00:00+08:00,main,wechat:a,s,1,twelve,,\n"
        + "message.posted,2025-03-10T08:00:00+08:00,main,wechat:a,s,2,3,maybe,\n"
        + 'message.posted,2025-03-10T08:00:00+08:00,main,wechat:a,s,3,,,"[1,2]"\n'
        + "message.sent,2025-03-10T08:00:00+08:00,main,wechat:a,s,4,,,\n"
        + "message.posted,soon,main,wechat:a,s,5,,,\n"
        + "message.posted,2025-03-10T08:00:00+08:00,,wechat:a,s,6,,,\n",
    )
    assert read(path) == [
        Rejected("2", "column data.length: 'twelve' is not a whole number",
                 "message.posted,2025-03-10T08:00:00+08:00,main,wechat:a,s,1,twelve,,"),
        Rejected("3", "column data.has_link: 'maybe' is not true/false/1/0/yes/no",
                 "message.posted,2025-03-10T08:00:00+08:00,main,wechat:a,s,2,3,maybe,"),
        Rejected("4", "column data: not a JSON object",
                 'message.posted,2025-03-10T08:00:00+08:00,main,wechat:a,s,3,,,"[1,2]"'),
        Rejected("5", "column kind: 'message.sent' is not an event kind",
                 "message.sent,2025-03-10T08:00:00+08:00,main,wechat:a,s,4,,,"),
        Rejected("6", "column occurred_at: 'soon' is not a time (ISO 8601, YYYY-MM-DD "
                 "HH:MM[:SS] or epoch seconds/ms)", "message.posted,soon,main,wechat:a,s,5,,,"),
        Rejected("7", "message.posted needs a group",
                 "message.posted,2025-03-10T08:00:00+08:00,,wechat:a,s,6,,,"),
    ]  # fmt: skip


def test_canonical_table_with_an_unknown_column_is_not_read(tmp_path: Path) -> None:
    path = table(tmp_path, "kind,occurred_at,actor,mood\n")
    with pytest.raises(InputFormatError, match=r"chat.csv:1: unknown column\(s\) mood: a canon"):
        read(path)


# --- mapped tables ---------------------------------------------------------------------


def test_chat_archive_is_mapped_by_guessing_its_headers() -> None:
    ctx = context(DATA / "chat-archive.csv")
    items = list(TableImporter().read(ctx))
    source, group = "table-import:chat-archive", "chat-archive"
    assert items == [
        message("2025-03-10T00:00:00+00:00", "chat:1001", "501", source, group,
                length=42, text="Morning all, has anyone started chapter 4?",
                is_question=True, actor_name="Mei"),
        message("2025-03-10T00:01:02+00:00", "chat:1002", "502", source, group,
                length=51, text='Yes — the part about habits, "tiny steps", is great',
                reply_to="501", actor_name="Tomás"),
        message("2025-03-10T00:01:40.500+00:00", "chat:1003", "503", source, group, length=0),
        message("2025-03-10T00:03:20+00:00", "chat:1001", "504", source, group,
                length=24, text="Two lines\nin one message", reply_to="502", actor_name="Mei"),
    ]  # fmt: skip
    assert ctx.notes == [
        "delimiter: comma (detected)",
        "columns mapped: at=timestamp, actor=user_id, name=username, text=message, "
        "id=message_id, reply_to=reply_to_id",
    ]
    assert not ctx.naive_times  # epoch times carry their zone


def test_semicolon_export_with_kind_values_and_hashed_refs() -> None:
    ctx = context(DATA / "semicolon-export.csv")
    items = list(TableImporter().read(ctx))
    source, group = "table-import:semicolon-export", "semicolon-export"

    def member(kind: str, at: str, ref: str) -> Event:
        return Event(kind=kind, occurred_at=datetime.fromisoformat(at), community="study-circle",
                     source=source, source_ref=ref, group=group, actor="chat:wxid_amy",
                     data={"actor_name": "Amy"})  # fmt: skip

    hello = {"length": 9, "text": "hello 大家好", "actor_name": "Amy"}
    assert items == [
        member("member.joined", "2025-03-14T20:00:00+08:00", "row-72d0987eddbd92c91c12"),
        message("2025-03-14T20:01:15+08:00", "chat:wxid_amy", "row-0be7a41c0246c343bdc1",
                source, group, **hello),
        # the same words at the same second: a second message, told apart by a counter
        message("2025-03-14T20:01:15+08:00", "chat:wxid_amy", "row-0be7a41c0246c343bdc1-1",
                source, group, **hello),
        message("2025-03-14T20:02:00+08:00", "chat:wxid_bo", "row-884748743df6311d4119",
                source, group, length=0, has_media=True, actor_name="Bo"),
        member("member.left", "2025-03-15T08:00:00+08:00", "row-5843625558f19ab74dca"),
    ]  # fmt: skip
    assert ctx.notes == [
        "delimiter: semicolon (detected)",
        "columns mapped: at=date, actor=sender, name=sender_name, text=content, kind=type",
    ]


def test_explicit_mapping_time_format_platform_and_two_chats() -> None:
    path = MAPPED / "two-chats.csv"
    with pytest.raises(
        InputFormatError, match=r"headers: msg_id, chat, sent_at, from_userid.*--map"
    ):
        read(path)  # from_userid is no name a guess knows
    importer = TableImporter(
        mapping=parse_mapping(TWO_CHATS_MAP), time_format="%d.%m.%Y %H:%M", platform="telegram"
    )
    source = "table-import:two-chats"
    assert read(path, importer) == [
        # ids are per chat: 7 in reading-club and 7 in night-owls are different messages
        message("2025-03-14T21:00:00+08:00", "telegram:tg_11", "reading-club:7", source,
                "reading-club", length=16, text="Who has the PDF?", is_question=True,
                actor_name="Ann"),
        message("2025-03-14T21:02:00+08:00", "telegram:tg_12", "reading-club:8", source,
                "reading-club", length=16, text="I do, sending it", reply_to="reading-club:7",
                actor_name="Ben"),
        message("2025-03-14T23:59:00+08:00", "telegram:tg_11", "night-owls:7", source,
                "night-owls", length=12, text="still awake?", is_question=True,
                actor_name="Ann"),
        Event(kind="member.joined", occurred_at=datetime.fromisoformat("2025-03-15T08:00+08:00"),
              community="study-circle", source=source, source_ref="reading-club:9",
              group="reading-club", actor="telegram:tg_13", data={"actor_name": "Cy"}),
    ]  # fmt: skip


def test_media_column_and_case_insensitive_mapping(tmp_path: Path) -> None:
    path = table(
        tmp_path, "When,UID,Attachment\n2025-03-10 08:00,u1,IMG_1.jpg\n2025-03-10 08:01,u1,0\n"
    )
    importer = TableImporter(mapping=parse_mapping("at=when,actor=uid,media=attachment"))
    assert [e.data for e in read(path, importer) if isinstance(e, Event)] == [
        {"length": 0, "has_media": True},
        {"length": 0},
    ]


def test_mapping_naming_a_missing_column_lists_the_headers(tmp_path: Path) -> None:
    path = table(tmp_path, "time,uid\n2025-03-10 08:00,u1\n")
    importer = TableImporter(mapping=parse_mapping("at=time,actor=user,text=body"))
    with pytest.raises(InputFormatError) as e:
        read(path, importer)
    assert e.value.problem == (
        "--map names column(s) the table does not have: actor=user, text=body (headers: time, uid)"
    )


def test_unguessable_table_asks_for_map(tmp_path: Path) -> None:
    path = table(tmp_path, "when,who,what\n2025-03-10 08:00,u1,hi\n")
    with pytest.raises(InputFormatError) as e:
        read(path)
    assert str(e.value) == (
        f"{path}:1: cannot tell which columns hold the time and the user id "
        "(headers: when, who, what); name them with --map, e.g. "
        "--map at=TIME_COLUMN,actor=USER_ID_COLUMN,text=TEXT_COLUMN (docs/import/csv.md)"
    )


def test_bad_rows_are_rejected_with_their_line_and_column(tmp_path: Path) -> None:
    path = table(
        tmp_path,
        "time,user_id,text,type\n"
        '2025-03-10 08:00,u1,"two\nlines",message\n'  # lines 2-3
        "\n"  # a blank line is skipped
        "yesterday,u1,hi,message\n"
        "2025-03-10 08:02,,hi,message\n"
        "2025-03-10 08:03,u2,hi,service\n"
        "2025-03-10 08:04,u2,hi\n",
    )
    items = read(path)
    assert items[1:] == [
        Rejected("5", "column time: 'yesterday' is not a time (ISO 8601, YYYY-MM-DD HH:MM[:SS] "
                 "or epoch seconds/ms)", "yesterday,u1,hi,message"),
        Rejected("6", "column user_id is empty: every row needs a user id",
                 "2025-03-10 08:02,,hi,message"),
        Rejected("7", "column type: 'service' is not one of message, join/joined, leave/left "
                 "or a media type (see docs/import/csv.md)", "2025-03-10 08:03,u2,hi,service"),
        Rejected("8", "the row has 3 columns, the header has 4", "2025-03-10 08:04,u2,hi"),
    ]  # fmt: skip
    assert isinstance(items[0], Event) and items[0].data["text"] == "two\nlines"


# --- end to end ------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", sorted(DATA.iterdir()), ids=lambda p: p.name)
def test_cli_imports_a_table_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture: Path
) -> None:
    db = ["--db", f"sqlite:///{tmp_path}/x.db"]
    state.debug = False
    assert main([*db, "blueprint", "load", str(EXAMPLE / "community.toml")]) == 0
    capsys.readouterr()
    runs = []
    for _ in range(2):
        assert main([*db, "import", str(fixture), "--json"]) == 0
        runs.append(json.loads(capsys.readouterr().out))
    first, again = runs
    assert first["format"] == "csv" and first["skipped"] == 0
    assert first["new"] == first["events"] > 0
    assert (again["new"], again["duplicate"]) == (0, first["new"])


def test_keys_longer_than_the_store_holds_are_rejected(tmp_path: Path) -> None:
    path = table(tmp_path, f"time,user,id\n2025-03-10 08:00,u1,{'9' * 300}\n")
    importer = TableImporter(mapping=parse_mapping("at=time,actor=user,id=id"))
    (item,) = read(path, importer)
    assert isinstance(item, Rejected) and item.reason == "column id: longer than 255"
