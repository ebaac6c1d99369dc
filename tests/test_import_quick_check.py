"""The re-import quick check (issue 22): an export imported before is recognised stretch by
stretch from the bytes (ingest/telegram_frames.py, ingest/stretches.py) — nothing new is
stored, every record is still accounted for, and a killed import resumes to the log of one
clean run. Cutting the file into pieces reads every layout the way ijson does."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from benchmarks.make_telegram_export import write_export

from shequn.cli.app import main
from shequn.ingest import telegram_frames
from shequn.ingest.base import ImportContext
from shequn.ingest.telegram import TelegramImporter
from shequn.model.events import Event
from tests.test_import_read_ahead import cli
from tests.test_import_resume import _fresh_like, fingerprint, stored_events

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "study-group" / "community.toml"
CHAT = Path(__file__).resolve().parent / "data" / "telegram" / "reading-circle" / "result.json"
SAME = ("events", "records", "imported", "skipped", "ignored", "members_seen", "groups",
        "first_at", "last_at", "timezone")  # fmt: skip


def imported(url: str, export: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert (
        main(["--db", url, "import", str(export), "--group", "main", "--json", "--lang", "en"]) == 0
    )
    summary: dict[str, Any] = json.loads(capsys.readouterr().out)
    return summary


def test_a_reimport_is_recognised_stores_nothing_and_accounts_for_every_record(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "result.json"
    write_export(export, 4_000, members=200, seed=5)
    assert main(["--db", database_url, "blueprint", "load", str(EXAMPLE)]) == 0
    capsys.readouterr()
    first = imported(database_url, export, capsys)
    stored = stored_events(database_url)
    again = imported(database_url, export, capsys)

    assert stored_events(database_url) == stored
    assert (again["new"], again["duplicate"]) == (0, first["new"])
    assert {k: again[k] for k in SAME} == {k: first[k] for k in SAME}
    assert again["records"] == again["imported"] + sum(again["ignored"].values()) == 4_000
    assert any(n.startswith("4,000 records in ") and "imported before" in n
               for n in again["notes"])  # fmt: skip


def test_a_later_export_reads_only_what_changed(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same chat exported again with one more message: the pieces before it are
    recognised, the new message is the only thing stored."""
    export = tmp_path / "result.json"
    write_export(export, 4_000, members=200, seed=5)
    assert main(["--db", database_url, "blueprint", "load", str(EXAMPLE)]) == 0
    capsys.readouterr()
    first = imported(database_url, export, capsys)
    head, tail = export.read_bytes().rsplit(b"\n]}", 1)
    newest = orjson.loads(head.rsplit(b"\n", 1)[1])
    extra = {**newest, "id": newest["id"] + 1, "text": "one more", "text_entities": []}
    for key in ("reactions", "reply_to_message_id", "forwarded_from", "photo", "file"):
        extra.pop(key, None)
    export.write_bytes(head + b",\n" + orjson.dumps(extra) + b"\n]}" + tail)

    later = imported(database_url, export, capsys)
    assert (later["new"], later["duplicate"]) == (1, first["new"])
    assert later["records"] == 4_001
    recognised = next(n for n in later["notes"] if "imported before" in n)
    assert int(recognised.split(" records")[0].replace(",", "")) > 3_000


def test_a_killed_import_resumes_to_the_same_log(database_url: str, tmp_path: Path) -> None:
    """Stretches are stored only once their events are committed: killed mid-import (reading
    ahead in a second process), the next run completes the log of one clean run."""
    export = tmp_path / "result.json"
    write_export(export, 12_000, members=300, seed=9)
    args = ["import", str(export), "--group", "main", "--batch-size", "500", "--json"]
    env = {**os.environ, "SHEQUN_IMPORT_READ_AHEAD": "1"}
    assert cli(database_url, "blueprint", "load", str(EXAMPLE)).wait() == 0
    before = stored_events(database_url)
    proc = cli(database_url, *args, env=env)
    while stored_events(database_url) < before + 3_000 and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = stored_events(database_url)
    finish = cli(database_url, *args, env=env)
    out, err = finish.communicate(timeout=600)
    assert finish.returncode == 0, err.decode()
    resumed = json.loads(out)

    clean = _fresh_like(database_url, tmp_path)
    assert cli(clean, "blueprint", "load", str(EXAMPLE)).wait() == 0
    once = cli(clean, *args)
    out, err = once.communicate(timeout=600)
    assert once.returncode == 0, err.decode()
    assert before < killed_at < before + json.loads(out)["new"], "the kill missed the import"
    assert resumed["new"] + resumed["duplicate"] == json.loads(out)["new"]
    assert fingerprint(database_url)[1:] == fingerprint(clean)[1:]


# -- cutting the array into pieces reads every layout alike ------------------------------


def events_of(path: Path, **kw: Any) -> list[dict[str, Any]]:
    ctx = ImportContext(path=path, community="c", tz=ZoneInfo("Asia/Shanghai"), **kw)
    return [e.to_dict() for e in TelegramImporter().read(ctx) if isinstance(e, Event)]


def test_every_layout_gives_the_events_of_the_minified_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram Desktop's indentation, one message per line, indentation that changes half
    way (cuts land inside messages and are mended), keys after ``messages``: all read as the
    minified file (which is not cut: ijson reads it)."""
    doc = json.loads(CHAT.read_text("utf-8"))
    minified = tmp_path / "min.json"
    minified.write_bytes(orjson.dumps(doc))
    assert telegram_frames.layout(minified.read_bytes()) is None
    want = events_of(minified)
    monkeypatch.setattr(telegram_frames, "PIECE", 300)  # many pieces of a small chat
    monkeypatch.setattr(telegram_frames, "READ", 97)
    messages = [orjson.dumps(m) for m in doc["messages"]]
    half = len(messages) // 2
    uneven = [json.dumps(m, indent=1).replace("\n", "\n  ") if n < half
              else json.dumps(m, indent=1) for n, m in enumerate(doc["messages"])]  # fmt: skip
    header = orjson.dumps({k: doc[k] for k in ("name", "type", "id")})[:-1]
    layouts = {
        "telegram": CHAT.read_bytes(),
        "lines": header + b', "messages": [\n' + b",\n".join(messages) + b"\n]}\n",
        "uneven": header
        + b',\n "messages": [\n  '
        + ",\n  ".join(uneven).encode()
        + b'\n ],\n "more": {"messages": [\n  {}]}\n}',
    }
    for name, data in layouts.items():
        path = tmp_path / f"{name}.json"
        path.write_bytes(data)
        assert telegram_frames.layout(data) is not None, name
        assert events_of(path) == want, name
        assert events_of(path, known=lambda digest: None) == want, name
