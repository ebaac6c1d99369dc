"""Reading an export in a second process (ingest/read_ahead.py) changes nothing but the
speed: the same events, the same summary, the same records set aside, the same errors, and a
killed import still resumes to the log of one clean run."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shequn.errors import InputFormatError
from shequn.ingest.job import ImportJob, ImportSummary
from shequn.ingest.registry import FORMATS
from tests.test_import_resume import _fresh_like, big_export, fingerprint, stored_events

DATA = Path(__file__).resolve().parent / "data"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "study-group"
EXPORTS = sorted(
    entry
    for fmt in FORMATS
    if (DATA / fmt).is_dir()
    for entry in (DATA / fmt).iterdir()
    if not entry.name.startswith(".")
)


def read(path: Path, *, ahead: bool, skip_bad: io.StringIO | None = None) -> tuple[
    list[dict[str, object]], ImportSummary
]:  # fmt: skip
    job = ImportJob.for_path(
        path, community="study-circle", tz=ZoneInfo("Asia/Shanghai"), skip_bad=skip_bad
    )
    job.read_ahead = ahead
    events = [e.to_dict() for e in job.events()]
    return events, job.finish(len(events), 0)


@pytest.mark.parametrize("path", EXPORTS, ids=[f"{p.parent.name}:{p.name}" for p in EXPORTS])
def test_every_fixture_reads_the_same_in_a_second_process(path: Path) -> None:
    here, here_summary = read(path, ahead=False)
    ahead, ahead_summary = read(path, ahead=True)
    assert here and ahead == here
    assert ahead_summary == here_summary


def test_records_set_aside_and_the_first_fatal_error_come_back(tmp_path: Path) -> None:
    export = big_export(tmp_path / "export.jsonl", 5_000)
    lines = export.read_bytes().splitlines(keepends=True)
    lines[10] = b'{"kind": "message.posted", "occurred_at": "yesterday"}\n'
    lines[4_000] = b"not json\n"
    export.write_bytes(b"".join(lines))
    aside_here, aside_there = io.StringIO(), io.StringIO()
    here = read(export, ahead=False, skip_bad=aside_here)
    there = read(export, ahead=True, skip_bad=aside_there)
    assert there == here and here[1].skipped == 2
    assert aside_there.getvalue() == aside_here.getvalue() != ""

    with pytest.raises(InputFormatError) as in_process:
        read(export, ahead=False)
    with pytest.raises(InputFormatError) as read_ahead:
        read(export, ahead=True)
    assert str(read_ahead.value) == str(in_process.value)
    assert str(read_ahead.value).startswith(f"{export}:11: ")


def test_killed_while_reading_ahead_resumes_to_the_same_log(
    database_url: str, tmp_path: Path
) -> None:
    export = big_export(tmp_path / "export.jsonl", 12_000)
    args = ["import", str(export), "--batch-size", "500", "--json"]
    env = {**os.environ, "SHEQUN_IMPORT_READ_AHEAD": "1"}
    assert cli(database_url, "blueprint", "load", str(EXAMPLE / "community.toml")).wait() == 0
    before = stored_events(database_url)
    proc = cli(database_url, *args, env=env)
    while stored_events(database_url) < before + 1_500 and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = stored_events(database_url)
    assert before < killed_at < before + 12_000, "the kill did not land mid-import"

    finish = cli(database_url, *args, env=env)
    out, err = finish.communicate(timeout=300)
    assert finish.returncode == 0, err.decode()
    summary = json.loads(out)
    assert (summary["new"] + summary["duplicate"], summary["duplicate"]) == (
        12_000,
        killed_at - before,
    )
    clean = _fresh_like(database_url, tmp_path)
    assert cli(clean, "blueprint", "load", str(EXAMPLE / "community.toml")).wait() == 0
    assert cli(clean, *args).wait() == 0
    assert fingerprint(database_url)[1:] == fingerprint(clean)[1:]


def cli(url: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "import sys; from shequn.cli.app import main; sys.exit(main())",
         "--db", url, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )  # fmt: skip
