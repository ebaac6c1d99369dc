"""Tables (CSV/TSV) as files: every time format, byte-order marks and delimiters, broken and
damaged files, streaming, detection among the other formats.

The rows' mapping into events is in ``test_import_csv.py``.
"""

from __future__ import annotations

import contextlib
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.errors import InputFormatError
from shequn.ingest.base import Rejected
from shequn.ingest.registry import detect, head_of
from shequn.ingest.table import TableImporter, parse_mapping
from shequn.model.events import Event
from tests.csv_helpers import DATA, EXAMPLE, MAPPED, TWO_CHATS_MAP, context, read, table

# --- times -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "utc"),
    [
        ("2025-03-10T08:00:00+08:00", "2025-03-10T00:00:00"),
        ("2025-03-10T00:00:00Z", "2025-03-10T00:00:00"),
        ("2025-03-10T08:00:00", "2025-03-10T00:00:00"),  # no zone: Asia/Shanghai
        ("2025-03-10 08:00", "2025-03-10T00:00:00"),
        ("2025-03-10 08:00:05", "2025-03-10T00:00:05"),
        ("2025-03-10 08:00:05.250", "2025-03-10T00:00:05.250"),
        ("2025/03/10 08:00", "2025-03-10T00:00:00"),
        ("2025/3/9 8:05", "2025-03-09T00:05:00"),
        ("2025-3-9 8:05:01", "2025-03-09T00:05:01"),
        ("2025-03-10", "2025-03-09T16:00:00"),
        ("1741564800", "2025-03-10T00:00:00"),  # epoch seconds
        ("1741564800.5", "2025-03-10T00:00:00.500"),
        ("1741564800000", "2025-03-10T00:00:00"),  # epoch milliseconds
    ],
)
def test_time_formats(tmp_path: Path, cell: str, utc: str) -> None:
    (event,) = read(table(tmp_path, f"time,user\n{cell},u1\n"))
    assert isinstance(event, Event)
    assert event.occurred_at == datetime.fromisoformat(utc).replace(tzinfo=UTC)


def test_time_format_option(tmp_path: Path) -> None:
    path = table(tmp_path, "time,user\n10.03.2025 08:00,u1\n10.03.2025 08:00 +0000,u1\n")
    importer = TableImporter(time_format="%d.%m.%Y %H:%M")
    at = [e.occurred_at if isinstance(e, Event) else e.reason for e in read(path, importer)]
    assert at == [
        datetime(2025, 3, 10, 0, 0, tzinfo=UTC),
        "column time: '10.03.2025 08:00 +0000' is not a time (%d.%m.%Y %H:%M)",
    ]
    with_zone = TableImporter(time_format="%d.%m.%Y %H:%M %z")
    (event,) = read(table(tmp_path, "time,user\n10.03.2025 08:00 +0000,u1\n"), with_zone)
    assert isinstance(event, Event) and event.occurred_at == datetime(2025, 3, 10, 8, tzinfo=UTC)


# --- reading the file ------------------------------------------------------------------


def test_bom_crlf_and_delimiters(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufefftime;user;text\r\n2025-03-10 08:00;u1;a, b, c\r\n".encode())
    ctx = context(path)
    (event,) = TableImporter().read(ctx)
    assert isinstance(event, Event) and event.data["text"] == "a, b, c"
    assert ctx.notes[0] == "delimiter: semicolon (detected)"
    piped = table(tmp_path, "time|user\n2025-03-10 08:00|u1\n", "piped.txt")
    assert [e.actor for e in read(piped, TableImporter(delimiter="|"))] == ["chat:u1"]
    tabbed = table(tmp_path, "time\tuser\n2025-03-10 08:00\tu1\n", "tabbed.txt")
    assert [e.actor for e in read(tabbed, TableImporter(delimiter="tab"))] == ["chat:u1"]


@pytest.mark.parametrize(
    ("content", "line", "problem"),
    [
        (b"", 1, "no header row: the first line must name columns"),
        (b"\n\n", 1, "no header row: the first line must name columns"),
        (b"time,user\n2025-03-10 08:00,\xff\xfe\n", 1, "bytes that are not UTF-8 near this line"),
    ],
)
def test_broken_files_stop_with_what_was_expected(
    tmp_path: Path, content: bytes, line: int, problem: str
) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    with pytest.raises(InputFormatError) as e:
        read(path)
    assert (e.value.line, e.value.problem[: len(problem)]) == (line, problem)


def test_reading_streams(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as fp:
        fp.write("timestamp,user_id,message\n")
        for n in range(60_000):
            fp.write(f"{1741564800 + n},u{n % 50},message number {n}\n")
    ctx = context(path)
    first = next(iter(TableImporter().read(ctx)))
    assert isinstance(first, Event) and first.data["text"] == "message number 0"
    assert ctx.bytes_read < path.stat().st_size / 4  # the rest is not read yet


def test_overlapping_exports_share_keys(tmp_path: Path) -> None:
    """A later export of the same chat, saved under the same name, re-uses the keys."""
    rows = [f"2025/03/14 20:0{n};wxid_amy;msg {n}" for n in range(5)]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    early = table(tmp_path / "a", "\n".join(["date;sender;content", *rows[:3]]), "club.csv")
    late = table(tmp_path / "b", "\n".join(["date;sender;content", *rows[1:]]), "club.csv")

    def keys(path: Path) -> list[tuple[str, str]]:
        return [(e.source, e.source_ref) for e in read(path) if isinstance(e, Event)]

    assert keys(early) == keys(early)
    assert keys(early)[1:] == keys(late)[:2]


# --- detection -------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(DATA.iterdir()) + sorted(MAPPED.iterdir()), ids=str)
def test_detect_picks_csv_for_tables(path: Path) -> None:
    assert detect(path).name == "csv"


def test_detect_leaves_json_alone(tmp_path: Path) -> None:
    jsonl = EXAMPLE / "events.jsonl"
    assert detect(jsonl).name == "jsonl"
    assert not TableImporter().sniff(jsonl, head_of(jsonl))
    misnamed = table(tmp_path, '[{"kind": "member.joined"}]', "export.csv")
    assert not TableImporter().sniff(misnamed, head_of(misnamed))


@pytest.mark.parametrize(
    ("first_line", "claimed"),
    [
        ("time\tuser\ttext", True),
        ("date;sender;content", True),
        ("just one column", False),
        ("[12/03/2025, 09:15] Ann: hi", False),
        ("2025-03-10,u1,hi", False),  # data, not a header
    ],
)
def test_sniff_reads_a_header_in_any_text_file(
    tmp_path: Path, first_line: str, claimed: bool
) -> None:
    path = table(tmp_path, first_line + "\n", "export.txt")
    assert TableImporter().sniff(path, head_of(path)) is claimed


# --- robustness ------------------------------------------------------------------------

FIXTURES = [(p, TableImporter()) for p in sorted(DATA.iterdir())] + [
    (
        MAPPED / "two-chats.csv",
        TableImporter(mapping=parse_mapping(TWO_CHATS_MAP), time_format="%d.%m.%Y %H:%M"),
    )
]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fixture=st.sampled_from(FIXTURES),
    cut=st.floats(min_value=0, max_value=1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=4),
)
def test_damaged_tables_import_or_fail_cleanly(
    tmp_path: Path,
    fixture: tuple[Path, TableImporter],
    cut: float,
    flips: list[tuple[float, int]],
) -> None:
    source, importer = fixture
    data = bytearray(source.read_bytes())
    data = data[: int(len(data) * cut)]
    for where, byte in flips:
        if data:
            data[min(int(where * len(data)), len(data) - 1)] = byte
    path = tmp_path / source.name
    path.write_bytes(bytes(data))
    with contextlib.suppress(InputFormatError):
        for item in importer.read(context(path)):
            assert isinstance(item, Event | Rejected)


def test_random_truncations_of_every_fixture(tmp_path: Path) -> None:
    rng = random.Random(7)  # repeatable cuts, not secrets
    for source, importer in FIXTURES:
        data = source.read_bytes()
        for _ in range(20):
            path = tmp_path / source.name
            path.write_bytes(data[: rng.randrange(len(data) + 1)])
            with contextlib.suppress(InputFormatError):
                list(importer.read(context(path)))
