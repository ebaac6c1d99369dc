"""Every fixture export of every format: detected, imported, and re-imported as a no-op,
on SQLite and on PostgreSQL. Each format's own test file checks the exact events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shequn.cli.app import main
from shequn.ingest.registry import FORMATS, detect

DATA = Path(__file__).resolve().parent / "data"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "study-group"

FIXTURES = sorted(
    (fmt, entry)
    for fmt in FORMATS
    if (DATA / fmt).is_dir()
    for entry in (DATA / fmt).iterdir()
    if not entry.name.startswith(".")
)
FIXTURES.append(("jsonl", EXAMPLE / "events.jsonl"))


def run_json(url: str, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    capsys.readouterr()
    assert main(["--db", url, *args, "--json"]) == 0, capsys.readouterr().err
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


@pytest.mark.parametrize(("fmt", "path"), FIXTURES, ids=[f"{f}:{p.name}" for f, p in FIXTURES])
def test_detected_imported_and_idempotent(
    fmt: str, path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert detect(path).name == fmt
    run_json(database_url, capsys, "blueprint", "load", str(EXAMPLE / "community.toml"))
    first = run_json(database_url, capsys, "import", str(path))
    again = run_json(database_url, capsys, "import", str(path))
    assert first["format"] == fmt
    assert first["new"] > 0 and first["skipped"] == 0
    assert (again["new"], again["duplicate"]) == (0, first["new"])


@pytest.mark.parametrize(("fmt", "path"), FIXTURES, ids=[f"{f}:{p.name}" for f, p in FIXTURES])
def test_group_override_puts_everything_in_one_group(
    fmt: str, path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    run_json(url, capsys, "blueprint", "load", str(EXAMPLE / "community.toml"))
    summary = run_json(url, capsys, "import", str(path), "--group", "main")
    assert summary["groups"] == ["main"]
