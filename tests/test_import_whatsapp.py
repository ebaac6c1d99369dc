"""The WhatsApp "Export chat" importer: exact events from each layout, the day/month decision,
overlapping exports, detection, broken input, and an end-to-end ``shequn import``."""

from __future__ import annotations

import json
import tempfile
import tracemalloc
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.cli.app import main
from shequn.errors import InputFormatError
from shequn.ingest.base import ImportContext, Rejected
from shequn.ingest.registry import detect, head_of
from shequn.ingest.whatsapp import WhatsAppImporter
from shequn.ingest.whatsapp_lines import DateOrder, parse_header, person, read_system, to_datetime
from shequn.model.events import Event

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "whatsapp"
US = DATA / "WhatsApp Chat with Study Circle.txt"
EU = DATA / "WhatsApp Chat with Reading Club.txt"
CN = DATA / "WhatsApp Chat with 读书会.txt"
IOS = DATA / "WhatsApp Chat - Book Sprint.txt"
ZIP = DATA / "WhatsApp Chat - Night Owls.zip"
EXAMPLE = ROOT / "examples" / "study-group"
TZ = ZoneInfo("Asia/Shanghai")


def run(path: Path, group: str | None = None) -> tuple[list[Event | Rejected], list[str]]:
    ctx = ImportContext(path=path, community="study-circle", tz=TZ, group=group)
    items = list(WhatsAppImporter().read(ctx))
    return items, ctx.notes


def rows(items: list[Event | Rejected]) -> list[tuple[Any, ...]]:
    """(kind, local time, actor, subject, group, data): everything but the hashed refs."""
    out: list[tuple[Any, ...]] = []
    for e in items:
        assert isinstance(e, Event), e
        local = e.occurred_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S")
        out.append((e.kind, local, e.actor, e.subject, e.group, e.data))
    return out


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


# --- exact events, one fixture per layout ---------------------------------------------------


def test_android_us_12h_with_narrow_spaces() -> None:
    items, notes = run(US)
    g = "study-circle"
    lin, xiao, mei = "whatsapp:Lin Wei", "whatsapp:Xiao Zhou", "whatsapp:Mei"
    phone = "whatsapp:+8613800138000"
    link = "hi all, found the link on https://example.org/club"
    mei_says = {"length": 50, "text": link, "has_link": True, "actor_name": "Mei"}
    assert rows(items) == [
        ("member.invited", "2023-12-28 20:03:00", lin, xiao, g,
         {"channel": "add", "actor_name": "Lin Wei", "subject_name": "Xiao Zhou"}),
        ("member.joined", "2023-12-28 20:03:00", xiao, None, g,
         {"channel": "add", "actor_name": "Xiao Zhou", "inviter": lin}),
        ("member.invited", "2023-12-28 20:03:00", lin, phone, g,
         {"channel": "add", "actor_name": "Lin Wei", "subject_name": "+86 138 0013 8000"}),
        ("member.joined", "2023-12-28 20:03:00", phone, None, g,
         {"channel": "add", "actor_name": "+86 138 0013 8000", "inviter": lin}),
        ("message.posted", "2023-12-29 09:15:00", "whatsapp:Ah Qing", None, g,
         {"length": 40, "text": "Good morning! What are we reading first?",
          "is_question": True, "actor_name": "Ah Qing"}),
        ("message.posted", "2023-12-29 09:16:00", lin, None, g,
         {"length": 82, "actor_name": "Lin Wei",
          "text": '"Thinking, Fast and Slow". Reading plan:\nweek 1: chapters 1-4\n'
                  "week 2: chapters 5-9"}),
        ("message.posted", "2023-12-29 09:20:00", phone, None, g,
         {"length": 0, "has_media": True, "actor_name": "+86 138 0013 8000"}),
        ("message.posted", "2023-12-29 09:21:00", xiao, None, g,
         {"length": 0, "deleted": True, "actor_name": "Xiao Zhou"}),
        ("member.joined", "2023-12-30 22:05:00", mei, None, g,
         {"channel": "link", "actor_name": "Mei"}),
        ("message.posted", "2023-12-30 22:06:00", mei, None, g, mei_says),
        ("message.posted", "2023-12-30 22:06:00", mei, None, g, mei_says),
        ("group.renamed", "2023-12-31 11:59:00", lin, None, g,
         {"name": "Study Circle 2024", "actor_name": "Lin Wei"}),
        ("message.posted", "2023-12-31 12:30:00", lin, None, g,
         {"length": 40, "text": "@8613800138000 can you share your notes?", "is_question": True,
          "mentions": [phone], "actor_name": "Lin Wei"}),
        ("member.left", "2024-01-01 08:00:00", xiao, None, g, {"actor_name": "Xiao Zhou"}),
        ("member.removed", "2024-01-01 09:30:00", lin, mei, g,
         {"actor_name": "Lin Wei", "subject_name": "Mei"}),
    ]  # fmt: skip
    events = [e for e in items if isinstance(e, Event)]
    assert {e.source for e in events} == {"whatsapp-export:Study Circle"}
    refs = [e.source_ref for e in events]
    assert len(set(refs)) == len(refs)
    assert refs[10] == refs[9] + ".1"  # the same words twice in one minute: a repeat counter
    assert notes == [
        "dates read as month/day/year: 12/31/23 has a second part above 12",
        "5 system lines ignored: 1 encryption notice, 1 group created, 1 lines about you "
        "(the export does not name its owner), 1 icon change, 1 phone number change",
    ]


def test_android_eu_24h_with_attached_file_and_you() -> None:
    items, notes = run(EU)
    g, priya, tom = "reading-club", "whatsapp:Priya", "whatsapp:Tom"
    assert rows(items) == [
        ("member.joined", "2023-12-30 18:01:00", priya, None, g,
         {"channel": "add", "actor_name": "Priya"}),  # "You added Priya": no inviter known
        ("message.posted", "2023-12-30 18:05:00", priya, None, g,
         {"length": 21, "text": "Thanks for adding me!", "actor_name": "Priya"}),
        ("member.joined", "2023-12-31 21:41:00", tom, None, g,
         {"channel": "link", "actor_name": "Tom"}),
        ("message.posted", "2023-12-31 21:42:00", tom, None, g,
         {"length": 45, "text": "Happy new year, readers 🎉\nWhich book is next?",
          "is_question": True, "actor_name": "Tom"}),
        ("message.posted", "2024-01-01 10:00:00", priya, None, g,
         {"length": 20, "text": "My shelf for January", "has_media": True,
          "actor_name": "Priya"}),
        ("member.removed", "2024-01-01 10:02:00", None, tom, g, {"subject_name": "Tom"}),
    ]  # fmt: skip
    assert notes[0] == "dates read as day/month/year: 31/12/2023 has a first part above 12"
    assert notes[1] == (
        "3 system lines ignored: 1 encryption notice, 1 group created, 1 description change"
    )


def test_ios_12h_system_lines_written_as_messages() -> None:
    items, notes = run(IOS)
    g, dana, sam = "book-sprint", "whatsapp:Dana Reyes", "whatsapp:Sam Ito"
    phone = "whatsapp:+14155550134"
    shown = "+1 (415) 555\u20110134"
    assert rows(items) == [
        ("member.invited", "2023-12-30 20:01:40", dana, sam, g,
         {"channel": "add", "actor_name": "Dana Reyes", "subject_name": "Sam Ito"}),
        ("member.joined", "2023-12-30 20:01:40", sam, None, g,
         {"channel": "add", "actor_name": "Sam Ito", "inviter": dana}),
        ("message.posted", "2023-12-30 20:02:05", sam, None, g,
         {"length": 33, "text": "Hey! Is the first sprint tonight?", "is_question": True,
          "actor_name": "Sam Ito"}),
        ("message.posted", "2023-12-30 20:03:11", dana, None, g,
         {"length": 0, "has_media": True, "actor_name": "Dana Reyes"}),
        ("member.joined", "2023-12-30 20:04:00", phone, None, g,
         {"channel": "link", "actor_name": shown}),
        ("message.posted", "2023-12-31 21:41:05", phone, None, g,
         {"length": 48, "text": "Happy new year! How many pages did everyone read",
          "is_question": True, "actor_name": shown}),  # asked without its "?"
        ("message.posted", "2023-12-31 21:42:30", "whatsapp:Kit", None, g,
         {"length": 11, "text": "120 pages 📚", "actor_name": "Kit"}),
        ("group.renamed", "2023-12-31 21:43:00", dana, None, g,
         {"name": "Book Sprint 2024", "actor_name": "Dana Reyes"}),
        ("member.left", "2024-01-01 10:15:00", sam, None, g, {"actor_name": "Sam Ito"}),
        ("message.posted", "2024-01-01 10:20:00", dana, None, g,
         {"length": 0, "deleted": True, "actor_name": "Dana Reyes"}),
    ]  # fmt: skip
    assert notes == [
        "dates read as month/day/year: 12/31/23 has a second part above 12",
        "3 system lines ignored: 1 encryption notice, 1 group created, 1 lines about you "
        "(the export does not name its owner)",
    ]


def test_ios_zip_with_media_dotted_dates_and_crlf() -> None:
    items, notes = run(ZIP)
    g, ana, ben, chloe = "night-owls", "whatsapp:Ana", "whatsapp:Ben", "whatsapp:Chloé"
    assert rows(items) == [
        ("member.invited", "2023-12-29 22:10:02", ana, ben, g,
         {"channel": "add", "actor_name": "Ana", "subject_name": "Ben"}),
        ("member.joined", "2023-12-29 22:10:02", ben, None, g,
         {"channel": "add", "actor_name": "Ben", "inviter": ana}),
        ("member.invited", "2023-12-29 22:10:02", ana, chloe, g,
         {"channel": "add", "actor_name": "Ana", "subject_name": "Chloé"}),
        ("member.joined", "2023-12-29 22:10:02", chloe, None, g,
         {"channel": "add", "actor_name": "Chloé", "inviter": ana}),
        ("message.posted", "2023-12-29 23:05:44", ben, None, g,
         {"length": 15, "text": "Anyone awake? 🦉", "is_question": True, "actor_name": "Ben"}),
        ("message.posted", "2023-12-29 23:06:10", chloe, None, g,
         {"length": 0, "has_media": True, "actor_name": "Chloé"}),
        ("message.posted", "2023-12-30 00:15:00", ana, None, g,
         {"length": 61, "text": 'Night reading tonight:\n"The Left Hand of Darkness", chapter 3',
          "actor_name": "Ana"}),
        ("member.removed", "2023-12-31 21:41:05", ana, ben, g,
         {"actor_name": "Ana", "subject_name": "Ben"}),
    ]  # fmt: skip
    assert items[0].source == "whatsapp-export:Night Owls"  # type: ignore[union-attr]
    assert notes[0] == "dates read as day/month/year: 31/12/23 has a first part above 12"


def test_year_first_dates_and_a_non_latin_chat_name() -> None:
    items, notes = run(CN)
    g = rows(items)[0][4]
    assert g.startswith("whatsapp-") and len(g) == len("whatsapp-") + 8
    assert rows(items) == [
        ("message.posted", "2023-12-31 21:41:00", "whatsapp:林老师", None, g,
         {"length": 12, "text": "大家好，今晚读第三章吗？", "is_question": True,
          "actor_name": "林老师"}),
        ("message.posted", "2023-12-31 21:45:00", "whatsapp:阿青", None, g,
         {"length": 2, "text": "好的", "actor_name": "阿青"}),
        ("member.left", "2024-01-01 09:00:00", "whatsapp:小周", None, g, {"actor_name": "小周"}),
    ]  # fmt: skip
    assert items[0].source == "whatsapp-export:读书会"  # type: ignore[union-attr]
    assert notes == ["dates are year/month/day: no day/month order to decide"]


def test_group_option_names_the_group_and_the_source(tmp_path: Path) -> None:
    plain = tmp_path / "export.txt"
    plain.write_bytes(EU.read_bytes())
    items, _ = run(plain, group="club")
    events = [e for e in items if isinstance(e, Event)]
    assert {(e.group, e.source) for e in events} == {("club", "whatsapp-export:club")}
    _, notes = run(plain)
    assert any("does not name the chat" in n and "'export'" in n for n in notes)


# --- the day/month decision ------------------------------------------------------------------


def decide(*stamps: str) -> tuple[bool, str]:
    order = DateOrder()
    for s in stamps:
        h = parse_header(f"{s} - A: x")
        assert h is not None, s
        order.feed(h)
    return order.decide()


def test_day_month_decision() -> None:
    assert decide("1/2/24, 10:00", "13/2/24, 10:00") == (
        True,
        "dates read as day/month/year: 13/2/24 has a first part above 12",
    )
    assert decide("1/2/24, 10:00", "2/13/24, 10:00")[0] is False
    # nothing above 12: 1/5 → 2/1 runs backwards read day-first, forwards read month-first
    assert decide("1/5/24, 10:00", "2/1/24, 10:00") == (
        False,
        "no date part above 12; read as month/day/year because only that keeps the messages "
        "in time order",
    )
    assert decide("1/2/24, 10:00", "1/3/24, 10:00") == (
        True,
        "no date part above 12 and both readings keep the messages in order: read as "
        "day/month/year (the default); check the dates",
    )


def test_ambiguous_file_reports_its_guess(tmp_path: Path) -> None:
    f = tmp_path / "WhatsApp Chat with Tiny.txt"
    f.write_text("3/4/24, 09:00 - Ann: first\n4/4/24, 09:00 - Ann: second\n", encoding="utf-8")
    items, notes = run(f)
    first = items[0]
    assert isinstance(first, Event) and first.occurred_at.astimezone(TZ).month == 4
    assert "(the default); check the dates" in notes[0]


def test_header_variants() -> None:
    cases = {
        "12/31/23, 9:41 PM - A: x": (2023, 12, 31, 21, 41, 0),
        "12/31/23, 9:41\u202fp.m. - A: x": (2023, 12, 31, 21, 41, 0),
        "12/31/2023, 12:05 a. m. - A: x": (2023, 12, 31, 0, 5, 0),
        "\u200e[31.12.23, 21:41:05] A: x": (2023, 12, 31, 21, 41, 5),
        "[12/31/23, 9:41:05\u202fAM] A: x": (2023, 12, 31, 9, 41, 5),
        "2023/12/31 21:41 - A: x": (2023, 12, 31, 21, 41, 0),
        "31-12-2023 21.41 - A: x": (2023, 12, 31, 21, 41, 0),
    }
    for line, want in cases.items():
        h = parse_header(line)
        assert h is not None, line
        day_first = h.parts[0] > 12 or h.parts[1] <= 12
        assert to_datetime(h, day_first) == datetime(*want), line
    for not_header in ("week 1: chapters", "[31.12.23, 21:41] A: x", "2023-12-31 21:41 A: x"):
        assert parse_header(not_header) is None


def test_people_and_system_lines() -> None:
    assert person("+86 138-0013-8000") == ("+8613800138000", "+86 138-0013-8000")
    assert person("~\u202fKit") == ("Kit", "Kit")
    assert person("Lin Wei") == ("Lin Wei", "Lin Wei")
    s = read_system("Ana added Ben, Chloé and Dev")
    assert s is not None and (s.kind, s.actor) == ("added", "Ana")
    assert s.subjects == ("Ben", "Chloé", "Dev")
    s = read_system('Ana changed the subject from "A" to "B: c"')
    assert s is not None and (s.kind, s.name) == ("renamed", "B: c")
    assert read_system("+1 555 0100 changed to +1 555 0199").kind == "phone number change"  # type: ignore[union-attr]
    assert read_system("Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt") is None


# --- overlapping exports, bad input, detection, streaming -----------------------------------


def test_later_overlapping_export_repeats_the_shared_refs(tmp_path: Path) -> None:
    lines = lines_of(US)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    early = tmp_path / "a" / US.name
    late = tmp_path / "b" / US.name
    early.write_text("".join(lines[:14]), encoding="utf-8")  # up to the rename
    late.write_text("".join(lines[8:]), encoding="utf-8")  # from the media message on
    a = {e.source_ref: e for e in run(early)[0] if isinstance(e, Event)}
    b = {e.source_ref: e for e in run(late)[0] if isinstance(e, Event)}
    shared = set(a) & set(b)
    assert len(shared) == 6  # media, deleted, Mei joins, Mei twice, the rename
    assert all(a[r] == b[r] for r in shared)
    assert {e.source_ref for e in run(US)[0] if isinstance(e, Event)} == set(a) | set(b)


def test_broken_inputs(tmp_path: Path) -> None:
    def fails(name: str, content: bytes, line: int | None, words: str) -> None:
        f = tmp_path / name
        f.write_bytes(content)
        with pytest.raises(InputFormatError) as err:
            run(f)
        assert err.value.line == line and words in err.value.problem, err.value

    fails("a.txt", b"12/31/23, 9:41 PM - A: ok\n12/31/23, 9:42 PM - A: \xff\xfe\n", 2, "UTF-8")
    fails("b.txt", b"just some notes\nnothing else\n", None, "no line looks like")
    fails("c.txt", b"", None, "no line looks like")
    fails("d.zip", ZIP.read_bytes()[:300], None, "cannot open")
    empty = tmp_path / "e.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("photo.jpg", b"\xff\xd8")
    with pytest.raises(InputFormatError, match="no chat text in this zip"):
        run(empty)


def test_records_that_cannot_be_mapped_are_rejected(tmp_path: Path) -> None:
    f = tmp_path / "WhatsApp Chat with X.txt"
    lines = ["ed text from a cut file", "12/31/23, 9:41 PM - A: fine", "2/30/24, 9:41 PM - A: x"]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items, _ = run(f)
    assert [type(i).__name__ for i in items] == ["Rejected", "Event", "Rejected"]
    assert items[0] == Rejected("1", "text before the first message header", items[0].raw)  # type: ignore[union-attr]
    assert items[2].where == "3" and "impossible date" in items[2].reason  # type: ignore[union-attr]


def test_file_cut_inside_its_last_character_keeps_the_rest(tmp_path: Path) -> None:
    f = tmp_path / EU.name
    f.write_bytes(EU.read_bytes()[: EU.read_bytes().index("🎉".encode()) + 2])
    items, _ = run(f)
    assert isinstance(items[-1], Event) and items[-1].data["text"] == "Happy new year, readers"


FIXTURES = sorted(p for p in DATA.iterdir() if not p.name.startswith("."))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_detected_as_whatsapp(path: Path) -> None:
    assert detect(path).name == "whatsapp"


def test_other_formats_are_not_taken() -> None:
    others = [EXAMPLE / "events.jsonl", EXAMPLE / "community.toml"]
    for d in (ROOT / "tests" / "data").iterdir():
        if d.is_dir() and not d.name.startswith("whatsapp"):
            others += sorted(d.iterdir())
    for p in others:
        assert not WhatsAppImporter().sniff(p, head_of(p)), p
    assert detect(EXAMPLE / "events.jsonl").name != "whatsapp"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.sampled_from(FIXTURES),
    cut=st.floats(min_value=0, max_value=1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=4),
)
def test_damaged_exports_never_crash(
    which: Path, cut: float, flips: list[tuple[float, int]]
) -> None:
    data = bytearray(which.read_bytes()[: int(len(which.read_bytes()) * cut)])
    for where, byte in flips:
        if data:
            data[min(int(where * len(data)), len(data) - 1)] = byte
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / which.name
        f.write_bytes(bytes(data))
        try:
            for item in WhatsAppImporter().read(
                ImportContext(path=f, community="study-circle", tz=TZ)
            ):
                assert isinstance(item, Event | Rejected)
        except InputFormatError:
            pass


def peak_memory(f: Path, n: int) -> int:
    with f.open("w", encoding="utf-8") as fp:
        for k in range(n):
            fp.write(f"{1 + k % 12}/13/24, {k % 24}:{k % 60:02d} - P{k % 97}: message {k}\n")
    tracemalloc.start()
    ctx = ImportContext(path=f, community="study-circle", tz=TZ)
    assert sum(1 for _ in WhatsAppImporter().read(ctx)) == n
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def test_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    small = peak_memory(tmp_path / "WhatsApp Chat with Small.txt", 3_000)
    large = peak_memory(tmp_path / "WhatsApp Chat with Large.txt", 12_000)
    assert large < small * 1.5, (small, large)  # four times the file, not four times the memory


def test_cli_import_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", f"sqlite:///{tmp_path}/x.db"]
    assert main([*db, "blueprint", "load", str(EXAMPLE / "community.toml")]) == 0
    capsys.readouterr()
    summaries = []
    for _ in range(2):
        assert main([*db, "import", str(US), "--json"]) == 0
        summaries.append(json.loads(capsys.readouterr().out))
    first, again = summaries
    assert (first["format"], first["new"], first["duplicate"]) == ("whatsapp", 15, 0)
    assert (again["new"], again["duplicate"]) == (0, 15)
    assert first["groups"] == ["study-circle"] and first["members_seen"] == 5
    assert "dates read as month/day/year" in first["notes"][0]


def test_cli_later_export_adds_only_the_new_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", f"sqlite:///{tmp_path}/x.db"]
    assert main([*db, "blueprint", "load", str(EXAMPLE / "community.toml")]) == 0
    (tmp_path / "old").mkdir()
    early = tmp_path / "old" / US.name
    early.write_text("".join(lines_of(US)[:14]), encoding="utf-8")
    capsys.readouterr()
    assert main([*db, "import", str(early), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["new"] == 12
    assert main([*db, "import", str(US), "--json"]) == 0
    later = json.loads(capsys.readouterr().out)
    assert (later["new"], later["duplicate"]) == (3, 12)
