"""Slack workspace export → events: the exact events for the directory and the zip fixtures,
detection, bad input (missing users.json, broken zip, cut day files), idempotency and the CLI."""

from __future__ import annotations

import contextlib
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.cli.app import main
from shequn.errors import InputFormatError
from shequn.ingest.base import ImportContext, Rejected
from shequn.ingest.registry import detect
from shequn.ingest.slack import SlackImporter

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
FOLDER = DATA / "slack" / "study-circle-export"
ZIP = DATA / "slack" / "all-conversations-export.zip"
LIN, MEI, BOB, BOT = "slack:U01LIN0001", "slack:U02MEI0002", "slack:U03BOB0003", "slack:B05BOT0005"
GENERAL = {"source": "slack-export:C01GENERAL", "group": "general-C01GENERAL"}
READING = {"source": "slack-export:C02READING", "group": "reading-room-C02READING"}


def read(path: Path, **kw: Any) -> tuple[list[Any], list[str]]:
    ctx = ImportContext(path=path, community="study-circle", tz=ZoneInfo("Asia/Shanghai"), **kw)
    items = list(SlackImporter().read(ctx))
    return items, ctx.notes


def ev(kind: str, at: str, ref: str, actor: str | None, subject: str | None = None, *,
       where: dict[str, str], **data: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "kind": kind,
        "occurred_at": at,
        "community": "study-circle",
        "group": where["group"],
        "actor": actor,
        "subject": subject,
        "source": where["source"],
        "source_ref": ref,
        "data": data,
    }


def test_public_channel_export_folder_becomes_these_events() -> None:
    items, notes = read(FOLDER)
    parent, g, r = "1709254800.000100", GENERAL, READING
    assert [e.to_dict() for e in items] == [
        ev("member.joined", "2024-03-01T00:46:40.000200Z", "1709254000.000200", LIN,
           where=g, actor_name="Lin"),
        ev("member.joined", "2024-03-01T00:50:00.000300Z", "1709254200.000300", BOB,
           where=g, actor_name="bob", channel="add", inviter=MEI),
        ev("member.invited", "2024-03-01T00:50:00.000300Z", "1709254200.000300:invited", MEI, BOB,
           where=g, channel="add", actor_name="Mei Wang", subject_name="bob"),
        ev("message.posted", "2024-03-01T01:00:00.000100Z", parent, MEI, where=g, length=80,
           text="Welcome @Lin and @bob! Reading list: the list (https://example.org/list) & notes",
           has_link=True, mentions=[LIN, BOB], actor_name="Mei Wang"),
        ev("message.reacted", "2024-03-01T01:00:00.000100Z", f"{parent}:reaction:wave:U01LIN0001",
           LIN, MEI, where=g, message=parent, emoji="wave", actor_name="Lin",
           subject_name="Mei Wang"),
        ev("message.reacted", "2024-03-01T01:00:00.000100Z", f"{parent}:reaction:wave:U03BOB0003",
           BOB, MEI, where=g, message=parent, emoji="wave", actor_name="bob",
           subject_name="Mei Wang"),
        ev("message.reacted", "2024-03-01T01:00:00.000100Z",
           f"{parent}:reaction:+1::skin-tone-2:U01LIN0001", LIN, MEI, where=g, message=parent,
           emoji="+1::skin-tone-2", actor_name="Lin", subject_name="Mei Wang"),
        ev("message.posted", "2024-03-01T01:05:00.000500Z", "1709255100.000500", LIN, where=g,
           length=27, text="Where do we meet on Friday?", is_question=True, reply_to=parent,
           actor_name="Lin"),
        ev("message.posted", "2024-03-01T01:20:00.000600Z", "1709256000.000600", BOB, where=g,
           length=16, text="notes for week 1", has_media=True, actor_name="bob", is_pinned=True),
        ev("message.pinned", "2024-03-02T01:00:00.000100Z", "1709341200.000100", MEI, where=g,
           message="1709256000.000600", actor_name="Mei Wang"),
        ev("message.posted", "2024-03-02T02:00:00.000200Z", "1709344800.000200", BOT, where=g,
           length=40, text="Reminder: session tonight at 20:00 @here", actor_name="StudyBot",
           is_bot=True),
        ev("message.posted", "2024-03-02T02:36:40.000400Z", "1709347000.000400", LIN, where=g,
           length=31, text="Friday works, see #reading-room", reply_to=parent, actor_name="Lin"),
        ev("member.left", "2024-03-02T02:53:20.000500Z", "1709348000.000500", BOB, where=g,
           actor_name="bob"),
        ev("group.renamed", "2024-03-03T01:40:00.000100Z", "1709430000.000100", MEI, where=r,
           name="reading-room", actor_name="Mei Wang"),
        ev("member.joined", "2024-03-03T01:50:00.000200Z", "1709430600.000200", LIN, where=r,
           actor_name="Lin", channel="add", inviter=MEI),
        ev("member.invited", "2024-03-03T01:50:00.000200Z", "1709430600.000200:invited", MEI, LIN,
           where=r, channel="add", actor_name="Mei Wang", subject_name="Lin"),
        ev("message.posted", "2024-03-03T02:00:00.000300Z", "1709431200.000300", LIN, where=r,
           length=10, text="这周读到第三章了吗？", is_question=True, actor_name="Lin"),
    ]  # fmt: skip
    assert notes == [
        "1 Slack message(s) of subtype channel_topic have no event kind: skipped",
        "2 reaction(s) counted by Slack without naming who reacted: not imported",
    ]


def test_full_export_zip_covers_private_channels_group_and_direct_messages() -> None:
    items, notes = read(ZIP)
    dm = {"source": "slack-export:D08DM00001", "group": "D08DM00001"}
    mpim = {"source": "slack-export:G07MPIM001", "group": "mpdm-lin-xiao-mei-bob-chen-1-G07MPIM001"}
    org = {"source": "slack-export:G03ORGANIZE", "group": "organizers-G03ORGANIZE"}
    assert [e.to_dict() for e in items] == [
        ev("message.posted", "2024-03-05T02:00:00.000100Z", "1709604000.000100", MEI, where=dm,
           length=30, text="can you lead the next session?", is_question=True,
           actor_name="Mei Wang"),
        ev("message.posted", "2024-03-04T02:00:00.000100Z", "1709517600.000100", BOB,
           where=GENERAL, length=31, text="Anyone up for a review session?", is_question=True,
           actor_name="bob"),
        ev("message.posted", "2024-03-04T02:20:00.000100Z", "1709518800.000100", LIN, where=mpim,
           length=18, text="see you all friday", actor_name="Lin"),
        ev("member.joined", "2024-03-04T01:50:00.000100Z", "1709517000.000100", BOB, where=org,
           actor_name="bob", channel="add", inviter=MEI),
        ev("member.invited", "2024-03-04T01:50:00.000100Z", "1709517000.000100:invited", MEI, BOB,
           where=org, channel="add", actor_name="Mei Wang", subject_name="bob"),
        ev("message.posted", "2024-03-04T02:05:00.000200Z", "1709517900.000200", MEI, where=org,
           length=27, text="Thanks for helping out @bob", mentions=[BOB], actor_name="Mei Wang"),
        ev("message.reacted", "2024-03-04T02:05:00.000200Z",
           "1709517900.000200:reaction:pray:U03BOB0003", BOB, MEI, where=org,
           message="1709517900.000200", emoji="pray", actor_name="bob", subject_name="Mei Wang"),
    ]  # fmt: skip
    assert notes == []


def test_group_override_and_stable_keys_across_exports(tmp_path: Path) -> None:
    assert {e.group for e in read(FOLDER, group="readers")[0]} == {"readers"}
    later = tmp_path / "later"
    shutil.copytree(FOLDER, later)
    (later / "general" / "2024-03-01.json").unlink()  # a later export from 2024-03-02 on
    first = {(e.source, e.source_ref): e.to_dict() for e in read(FOLDER)[0]}
    again = {(e.source, e.source_ref): e.to_dict() for e in read(later)[0]}
    assert again.keys() < first.keys() and all(first[k] == again[k] for k in again)


def test_detection_picks_slack_for_its_fixtures_only() -> None:
    for path in (FOLDER, ZIP):
        assert detect(path).name == "slack", path
    others = [ROOT / "examples" / "study-group" / "events.jsonl", ROOT / "examples" / "study-group"]
    others += [p for d in DATA.iterdir() if d.is_dir() and d.name != "slack" for p in d.iterdir()]
    for path in others:
        head = b"" if path.is_dir() else path.read_bytes()[:65536]
        assert not SlackImporter().sniff(path, head), path


def test_unmappable_records_and_unknown_folders_are_rejected(tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(FOLDER, export)
    day = export / "general" / "2024-03-02.json"
    messages = json.loads(day.read_text(encoding="utf-8"))
    messages[1]["ts"] = "soon"
    day.write_text(json.dumps(messages), encoding="utf-8")
    (export / "random").mkdir()
    (export / "random" / "2024-03-02.json").write_text("[]", encoding="utf-8")
    rejected = [i for i in read(export)[0] if isinstance(i, Rejected)]
    assert [r.where for r in rejected] == ["general/2024-03-02.json[1]", "random"]
    assert "soon" in rejected[0].reason and "channels.json" in rejected[1].reason


def _broken_folder(tmp_path: Path, name: str, content: bytes | None) -> Path:
    export = tmp_path / "export"
    shutil.copytree(FOLDER, export)
    if content is None:
        (export / name).unlink()
    else:
        (export / name).write_bytes(content)
    return export


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        ("users.json", None, None),
        ("general/2024-03-01.json",
         (FOLDER / "general/2024-03-01.json").read_bytes().split(b'"reply_users"')[0],
         "general/2024-03-01.json[2]"),  # cut inside the thread parent, the third message
        ("general/2024-03-02.json", b'[{"ts": "1709341200.000100", "text": "\xff"}]',
         "general/2024-03-02.json[0]"),
        ("channels.json", b'{"not": "a list"', "channels.json[0]"),
    ],
    ids=["no-users-json", "cut-day-file", "invalid-utf8", "broken-channels-json"],
)  # fmt: skip
def test_a_broken_export_raises_input_format_error(
    tmp_path: Path, name: str, content: bytes | None, where: str | None
) -> None:
    with pytest.raises(InputFormatError) as info:
        read(_broken_folder(tmp_path, name, content))
    assert info.value.line == where


def test_a_zip_that_will_not_open_raises_input_format_error(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    path.write_bytes(ZIP.read_bytes()[:200])
    with pytest.raises(InputFormatError):
        read(path)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("channels.json", "[]")
    with pytest.raises(InputFormatError, match=r"users\.json"):
        read(path)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_truncated_or_corrupted_zip_fails_cleanly(tmp_path: Path, data: st.DataObject) -> None:
    """Whatever happens to the bytes, reading ends normally or with InputFormatError."""
    raw = bytearray(ZIP.read_bytes())
    raw = raw[: data.draw(st.integers(0, len(raw)))]
    for _ in range(data.draw(st.integers(0, 4))):
        if raw:
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    path = tmp_path / "export.zip"
    path.write_bytes(bytes(raw))
    with contextlib.suppress(InputFormatError):
        read(path)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_truncated_or_corrupted_folder_fails_cleanly(tmp_path: Path, data: st.DataObject) -> None:
    files = sorted(p.relative_to(FOLDER).as_posix() for p in FOLDER.rglob("*.json"))
    name = data.draw(st.sampled_from(files))
    raw = bytearray((FOLDER / name).read_bytes())
    raw = raw[: data.draw(st.integers(0, len(raw)))]
    for _ in range(data.draw(st.integers(0, 4))):
        if raw:
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    shutil.rmtree(tmp_path / "export", ignore_errors=True)
    with contextlib.suppress(InputFormatError):
        read(_broken_folder(tmp_path, name, bytes(raw)))


@pytest.mark.parametrize("fixture", [FOLDER, ZIP], ids=["folder", "zip"])
def test_cli_imports_then_recognises_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture: Path
) -> None:
    db = ["--db", f"sqlite:///{tmp_path}/x.db"]
    assert main([*db, "blueprint", "load", str(ROOT / "examples/study-group/community.toml")]) == 0
    capsys.readouterr()
    assert main([*db, "import", str(fixture), "--json"]) == 0
    first = orjson.loads(capsys.readouterr().out)
    assert main([*db, "import", str(fixture), "--json"]) == 0
    again = orjson.loads(capsys.readouterr().out)
    total = 17 if fixture == FOLDER else 7
    assert (first["format"], first["new"], first["duplicate"], first["skipped"]) == (
        "slack",
        total,
        0,
        0,
    )
    assert (again["new"], again["duplicate"]) == (0, total)
