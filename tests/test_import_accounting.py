"""Every importer accounts for every input record (issue 23 item 5): a record read is imported
(it became at least one event), set aside with a reason (``--skip-bad``), or ignored by a
rule, counted by reason — and the three add up to the records in the file, counted here
straight from the fixture, without the importer. (QQ, WeChat and WhatsApp have theirs in
their own test files.)"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shequn.ingest.base import Importer
from shequn.ingest.discord import DiscordImporter
from shequn.ingest.job import ImportJob, ImportSummary
from shequn.ingest.jsonl import CanonicalJsonl
from shequn.ingest.slack import SlackImporter
from shequn.ingest.table import TableImporter, parse_mapping
from shequn.ingest.telegram import TelegramImporter
from shequn.model.events import Event

DATA = Path(__file__).resolve().parent / "data"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def run(importer: Importer, path: Path) -> tuple[ImportSummary, list[Event], list[dict[str, str]]]:
    """Import ``path`` with ``--skip-bad``: the summary, the events, the records set aside."""
    bad = io.StringIO()
    job = ImportJob.for_path(
        path, community="study-circle", tz=SHANGHAI, importer=importer, skip_bad=bad
    )
    events = list(job.events())
    aside = [json.loads(line) for line in bad.getvalue().splitlines()]
    return job.summary, events, aside


def adds_up(s: ImportSummary, records: int) -> None:
    assert s.records == records
    assert s.imported is not None
    assert s.imported + s.skipped + sum(s.ignored.values()) == records


def messages_with_events(events: Iterable[Event]) -> int:
    """Distinct input messages behind the events (a reaction or an invitation shares its
    message's reference, with a suffix after ``:``)."""
    return len({(e.source, e.source_ref.split(":")[0]) for e in events})


# --- Telegram: one message object = one record --------------------------------------------


def telegram_messages(path: Path) -> int:
    data = json.loads(path.read_text("utf-8"))
    if "messages" in data:
        return len(data["messages"])
    chats = [*data["chats"]["list"], *data.get("left_chats", {}).get("list", [])]
    return sum(len(c.get("messages", [])) for c in chats)


@pytest.mark.parametrize(
    "path",
    [
        DATA / "telegram" / "reading-circle" / "result.json",
        DATA / "telegram" / "account" / "result.json",
        DATA / "telegram" / "book-club-2019.json",
    ],
    ids=lambda p: p.parent.name if p.name == "result.json" else p.stem,
)
def test_telegram_counts_every_message(path: Path) -> None:
    s, events, aside = run(TelegramImporter(), path)
    adds_up(s, telegram_messages(path))
    assert s.imported == messages_with_events(events)
    assert s.skipped == len(aside)


def test_telegram_names_what_it_ignored() -> None:
    s, _, _ = run(TelegramImporter(), DATA / "telegram" / "account" / "result.json")
    private = {k: n for k, n in s.ignored.items() if k.startswith("Telegram private chats")}
    assert private == {
        "Telegram private chats (personal_chat): shequn imports groups": 1,
        "Telegram private chats (saved_messages): shequn imports groups": 1,
    }
    s, _, _ = run(TelegramImporter(), DATA / "telegram" / "reading-circle" / "result.json")
    assert s.ignored and all(k.startswith("Telegram ") for k in s.ignored)


# --- Discord: one message object = one record ----------------------------------------------


@pytest.mark.parametrize("name", ["study-circle-general.json", "group-dm-2.39.json"])
def test_discord_counts_every_message(name: str) -> None:
    path = DATA / "discord" / name
    s, events, aside = run(DiscordImporter(), path)
    adds_up(s, len(json.loads(path.read_text("utf-8"))["messages"]))
    assert s.imported == messages_with_events(events)
    assert s.skipped == len(aside)
    assert all(k.startswith("Discord messages with no event kind (") for k in s.ignored)


# --- Slack: one message in a day file = one record ----------------------------------------


def slack_messages(path: Path) -> int:
    """Messages in the day files (``<conversation>/<YYYY-MM-DD>.json``) of a folder or zip."""
    if path.is_dir():
        days = [(p.relative_to(path).as_posix(), p.read_bytes()) for p in path.glob("*/*.json")]
    else:
        with zipfile.ZipFile(path) as z:
            days = [(n, z.read(n)) for n in z.namelist() if n.count("/") == 1 and n[-5:] == ".json"]
    return sum(len(json.loads(raw)) for _, raw in days)


@pytest.mark.parametrize("name", ["study-circle-export", "all-conversations-export.zip"])
def test_slack_counts_every_message(name: str) -> None:
    path = DATA / "slack" / name
    s, events, aside = run(SlackImporter(), path)
    adds_up(s, slack_messages(path))
    assert s.imported == messages_with_events(events)
    assert s.skipped == len(aside)
    assert all(k.startswith("Slack messages with no event kind (") for k in s.ignored)


def test_slack_counts_an_unlisted_folder_as_one_record_set_aside(tmp_path: Path) -> None:
    export = tmp_path / "export"
    source = DATA / "slack" / "study-circle-export"
    for f in source.rglob("*"):
        if f.is_file():
            (export / f.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
            (export / f.relative_to(source)).write_bytes(f.read_bytes())
    (export / "random").mkdir()
    (export / "random" / "2024-03-05.json").write_text(
        '[{"type": "message", "user": "U01", "text": "hi", "ts": "1709600000.000100"}]'
    )
    s, _, aside = run(SlackImporter(), export)
    adds_up(s, slack_messages(source) + 1)
    assert [a["where"].rsplit(":", 1)[1] for a in aside] == ["random"]


# --- CSV / TSV: one row after the header = one record -------------------------------------


def table_rows(path: Path, delimiter: str) -> int:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.reader(f, delimiter=delimiter)]
    first = next(i for i, r in enumerate(rows) if any(c.strip() for c in r))
    return len(rows) - first - 1


@pytest.mark.parametrize(
    ("name", "delimiter"),
    [
        ("csv/canonical-events.csv", ","),
        ("csv/canonical-events.tsv", "\t"),
        ("csv/chat-archive.csv", ","),
        ("csv/semicolon-export.csv", ";"),
    ],
)
def test_table_counts_every_row(name: str, delimiter: str) -> None:
    path = DATA / name
    s, events, aside = run(TableImporter(), path)
    adds_up(s, table_rows(path, delimiter))
    assert s.imported == len(events)  # one event per row
    assert s.skipped == len(aside)


def test_table_counts_blank_and_rejected_rows(tmp_path: Path) -> None:
    path = tmp_path / "two-chats.csv"
    path.write_text(
        (DATA / "csv-mapped" / "two-chats.csv").read_text("utf-8")
        + "\n"  # a blank row
        + "10|reading-club|31.02.2025 09:00|tg_11|Ann|no such day||\n"  # a date that is none
        + "11|reading-club|15.03.2025 09:00|tg_12\n",  # cut short
        encoding="utf-8",
    )
    importer = TableImporter(
        mapping=parse_mapping(
            "at=sent_at,actor=from_userid,text=text,name=from_name,reply_to=reply_id,"
            "id=msg_id,kind=type,group=chat"
        ),
        time_format="%d.%m.%Y %H:%M",
        platform="telegram",
    )
    s, events, aside = run(importer, path)
    adds_up(s, table_rows(path, "|"))
    assert (s.imported, s.skipped, s.ignored) == (len(events), 2, {"blank rows": 1})
    last = table_rows(path, "|") + 1  # the header is line 1
    assert [a["where"].rsplit(":", 1)[1] for a in aside] == [str(last - 1), str(last)]


# --- canonical JSONL: one line = one record ------------------------------------------------


def test_jsonl_counts_every_line(tmp_path: Path) -> None:
    lines = (
        (DATA.parent.parent / "examples" / "study-group" / "events.jsonl")
        .read_text("utf-8")
        .splitlines()[:40]
    )
    path = tmp_path / "events.jsonl"
    path.write_text(
        "# exported from the old bot, March\n"
        + "\n".join(lines[:20])
        + "\n\n"
        + '{"kind": "message.posted", "occurred_at": "2025-03-02T10:00:00+08:00"\n'  # cut
        + "\n".join(lines[20:])
        + "\n",
        encoding="utf-8",
    )
    s, events, aside = run(CanonicalJsonl(), path)
    adds_up(s, len(path.read_text("utf-8").splitlines()))
    assert (s.imported, s.skipped) == (len(events), 1) == (40, 1)
    assert s.ignored == {"blank lines and # comments": 2}
    assert [a["where"].rsplit(":", 1)[1] for a in aside] == ["23"]
