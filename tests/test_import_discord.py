"""DiscordChatExporter JSON → events: the exact events for the fixtures, detection, bad input
(truncated, corrupted, not an export), re-import idempotency and the CLI end to end."""

from __future__ import annotations

import contextlib
import json
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
from shequn.ingest.discord import DiscordImporter
from shequn.ingest.registry import detect

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
GENERAL = DATA / "discord" / "study-circle-general.json"
GROUP_DM = DATA / "discord" / "group-dm-2.39.json"
SHANGHAI = ZoneInfo("Asia/Shanghai")

LIN, MEI, BOB = (
    "discord:1001594178745339904",
    "discord:1001594234412134410",
    "discord:1001594299876622457",
)
BOT, TOM = "discord:1154371204117950484", "discord:1001594355512233001"


def read(path: Path, **kw: Any) -> tuple[list[Any], list[str]]:
    ctx = ImportContext(path=path, community="study-circle", tz=SHANGHAI, **kw)
    items = list(DiscordImporter().read(ctx))
    return items, ctx.notes


def ev(kind: str, at: str, ref: str, actor: str | None, subject: str | None = None, **data: Any):
    """One expected event in canonical form, in the general channel unless told otherwise."""
    source = data.pop("source", "discord-export:1154370811453702184")
    group = data.pop("group", "study-circle-general-1154370811453702184")
    return {
        "kind": kind,
        "occurred_at": at,
        "community": "study-circle",
        "group": group,
        "actor": actor,
        "subject": subject,
        "source": source,
        "source_ref": ref,
        "data": data,
    }


def test_guild_channel_export_becomes_these_events() -> None:
    items, notes = read(GENERAL)
    m = "12140000000000"
    assert [e.to_dict() for e in items] == [
        ev("member.joined", "2024-03-01T01:00:00.123000Z", f"{m}00000", LIN, actor_name="Lin"),
        ev(
            "message.posted", "2024-03-01T01:01:10.500000Z", f"{m}01111", LIN,
            length=50, text="Hello everyone! Where do we find the reading list?",
            is_question=True, actor_name="Lin",
        ),
        ev(
            "message.reacted", "2024-03-01T01:01:10.500000Z",
            f"{m}01111:reaction:👋:1001594234412134410", MEI, LIN,
            message=f"{m}01111", emoji="👋", subject_name="Lin", actor_name="Mei",
        ),
        ev(
            "message.reacted", "2024-03-01T01:01:10.500000Z",
            f"{m}01111:reaction:👋:1001594299876622457", BOB, LIN,
            message=f"{m}01111", emoji="👋", subject_name="Lin", actor_name="Bob",
        ),
        ev(
            "message.posted", "2024-03-01T01:03:00Z", f"{m}02222", MEI,
            length=63, text="@Lin it is in the pinned post: https://example.org/reading-list",
            has_link=True, has_media=True, reply_to=f"{m}01111", mentions=[LIN], actor_name="Mei",
        ),
        ev(
            "message.posted", "2024-03-01T01:05:00Z", f"{m}03333", MEI,
            length=40, text="Week 1: chapters 1-3. Discuss by Friday.", has_media=True,
            actor_name="Mei", is_pinned=True,
        ),
        ev(
            "message.reacted", "2024-03-01T01:05:00Z",
            f"{m}03333:reaction:1104371436785405992:1001594178745339904", LIN, MEI,
            message=f"{m}03333", emoji="bookworm", subject_name="Mei", actor_name="Lin",
        ),
        ev("message.pinned", "2024-03-01T01:05:30Z", f"{m}04444", MEI,
           actor_name="Mei", message=f"{m}03333"),
        ev("group.renamed", "2024-03-01T02:00:00Z", f"{m}05555", MEI,
           name="reading-room", actor_name="Mei"),
        ev(
            "message.posted", "2024-03-01T03:00:00Z", f"{m}07777", BOT,
            length=26, text="Next session: Friday 20:00", actor_name="StudyBot", is_bot=True,
        ),
        ev(
            "message.posted", "2024-03-02T00:15:00Z", f"{m}08888", BOB,
            length=43, text="Week 3 notes are up, anyone want to review?", is_question=True,
            forwarded_from="discord:869237470565392384/1154370811453700001/1213000000000055001",
            actor_name="Bob",
        ),
    ]  # fmt: skip
    assert notes == ["1 Discord message(s) of type ThreadCreated have no event kind: skipped"]


def test_group_dm_from_an_older_exporter() -> None:
    """2.39: no reacting users, no exportedAt; adds, leaves and removals of a group DM."""
    items, notes = read(GROUP_DM)
    where = {
        "source": "discord-export:1214100000000000001",
        "group": "direct-messages-study-buddies-1214100000000000001",
    }
    assert [e.to_dict() for e in items] == [
        ev("member.joined", "2024-04-02T11:00:00Z", "1214100000000000100", LIN,
           channel="add", inviter=MEI, actor_name="Lin", **where),
        ev("member.invited", "2024-04-02T11:00:00Z", "1214100000000000100:invited", MEI, LIN,
           channel="add", actor_name="Mei", subject_name="Lin", **where),
        ev("message.posted", "2024-04-02T11:01:00Z", "1214100000000000107", LIN,
           length=27, text="thanks for adding me! 怎么开始?", is_question=True,
           actor_name="Lin", **where),
        ev("member.left", "2024-04-03T00:00:00Z", "1214100000000000121", BOB,
           actor_name="Bob", **where),
        ev("member.removed", "2024-04-03T01:00:00Z", "1214100000000000128", MEI, TOM,
           actor_name="Mei", subject_name="Tom", **where),
    ]  # fmt: skip
    assert notes == [
        "1 Discord message(s) of type Call have no event kind: skipped",
        "2 reaction(s) without the list of who reacted (export made before "
        "DiscordChatExporter 2.40.4): not imported",
    ]


def test_group_override_puts_everything_in_one_group() -> None:
    items, _ = read(GENERAL, group="readers")
    assert {e.group for e in items} == {"readers"}


def test_a_later_overlapping_export_gives_the_same_keys(tmp_path: Path) -> None:
    doc = json.loads(GENERAL.read_text(encoding="utf-8"))
    later = dict(doc, messages=[*doc["messages"][1:4], dict(doc["messages"][1], id="1215")])
    path = tmp_path / "later.json"
    path.write_text(json.dumps(later, indent=2), encoding="utf-8")
    first = {(e.source, e.source_ref): e.to_dict() for e in read(GENERAL)[0]}
    again = {(e.source, e.source_ref): e.to_dict() for e in read(path)[0]}
    shared = first.keys() & again.keys()
    assert len(shared) == 6 and all(first[k] == again[k] for k in shared)


def test_detection_picks_discord_for_its_fixtures_only() -> None:
    for path in sorted((DATA / "discord").iterdir()):
        assert detect(path).name == "discord", path
    others = [ROOT / "examples" / "study-group" / "events.jsonl"]
    others += [p for d in DATA.iterdir() if d.is_dir() and d.name != "discord" for p in d.iterdir()]
    for path in others:
        head = b"" if path.is_dir() else path.read_bytes()[:65536]
        assert not DiscordImporter().sniff(path, head), path


def test_a_record_that_cannot_be_mapped_is_rejected_with_its_path(tmp_path: Path) -> None:
    doc = json.loads(GENERAL.read_text(encoding="utf-8"))
    doc["messages"][1]["timestamp"] = "yesterday"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    rejected = [i for i in read(path)[0] if isinstance(i, Rejected)]
    assert [r.where for r in rejected] == ["$.messages[1]"]
    assert "yesterday" in rejected[0].reason and '"id":"1214000000000001111"' in rejected[0].raw


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (GENERAL.read_bytes().split(b"Hello everyone")[0], "$.messages[1]"),  # cut short
        (GENERAL.read_bytes().replace(b"Hello everyone", b"Hello \xff\xfe"), "$.messages[1]"),
        (b'{"messages": [{"id": "1"}]}', "$.messages[0]"),  # no guild and channel first
        (b'{"guild": {"id": "1", "name": "x"}, "messageCount": 0}', "$"),  # no channel
        (b"\x00\x01 not json", "$"),
    ],
    ids=["truncated", "invalid-utf8", "messages-first", "no-channel", "not-json"],
)
def test_a_broken_file_raises_input_format_error(
    tmp_path: Path, content: bytes, where: str
) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(InputFormatError) as info:
        read(path)
    assert info.value.line == where


def test_a_missing_file_raises_input_format_error(tmp_path: Path) -> None:
    with pytest.raises(InputFormatError):
        read(tmp_path / "nope.json")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_truncated_or_corrupted_exports_fail_cleanly(tmp_path: Path, data: st.DataObject) -> None:
    """Whatever happens to the bytes, reading ends normally or with InputFormatError."""
    raw = bytearray(data.draw(st.sampled_from([GENERAL, GROUP_DM])).read_bytes())
    raw = raw[: data.draw(st.integers(0, len(raw)))]
    for _ in range(data.draw(st.integers(0, 4))):
        if raw:
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    path = tmp_path / "export.json"
    path.write_bytes(bytes(raw))
    with contextlib.suppress(InputFormatError):
        read(path)


def test_cli_imports_then_recognises_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", f"sqlite:///{tmp_path}/x.db"]
    assert main([*db, "blueprint", "load", str(ROOT / "examples/study-group/community.toml")]) == 0
    capsys.readouterr()
    assert main([*db, "import", str(GENERAL), "--json"]) == 0
    first = orjson.loads(capsys.readouterr().out)
    assert main([*db, "import", str(GENERAL), "--json"]) == 0
    again = orjson.loads(capsys.readouterr().out)
    assert (first["format"], first["new"], first["duplicate"], first["skipped"]) == (
        "discord",
        11,
        0,
        0,
    )
    assert (again["new"], again["duplicate"]) == (0, 11)
    assert first["groups"] == ["study-circle-general-1154370811453702184"]
    assert first["members_seen"] == 4
