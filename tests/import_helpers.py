"""Shared steps of the per-format import tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import strategies as st

from shequn.cli.app import main
from shequn.ingest.base import ImportContext, Importer, Rejected
from shequn.model.events import Event

BLUEPRINT = Path(__file__).resolve().parent.parent / "examples" / "study-group" / "community.toml"
DATA = Path(__file__).parent / "data"


def read_with(
    importer: Importer, path: Path, group: str | None = None
) -> tuple[list[Event | Rejected], list[str]]:
    """Everything ``importer`` reads from ``path`` for the example community, and its notes."""
    ctx = ImportContext(
        path=path, community="study-circle", tz=ZoneInfo("Asia/Shanghai"), group=group
    )
    return list(importer.read(ctx)), ctx.notes


def events_with(importer: Importer, path: Path) -> list[Event]:
    """The events of ``path``, which must hold no rejected record."""
    items, _ = read_with(importer, path)
    assert not [i for i in items if isinstance(i, Rejected)]
    return [i for i in items if isinstance(i, Event)]


def brief(e: Event) -> tuple[Any, ...]:
    """What a test compares of an event: kind, time, actor, subject, data."""
    return (e.kind, e.occurred_at.isoformat(), e.actor, e.subject, e.data)


def assert_claims_only_its_own(importer: Importer, folder: str) -> None:
    """``importer`` sniffs no other format's fixture (``tests/data/*/``) nor canonical JSONL."""
    example = BLUEPRINT.parent / "events.jsonl"
    assert not importer.sniff(example, example.read_bytes()[:65536])
    for other in DATA.glob("*/*"):
        if other.is_file() and other.parent.name != folder:
            assert not importer.sniff(other, other.read_bytes()[:65536]), other


def damaged_copy(data: st.DataObject, sources: list[Path], tmp_path: Path) -> Path:
    """One of ``sources``, cut at a random byte and with up to three random bytes changed."""
    source = data.draw(st.sampled_from(sources))
    raw = bytearray(source.read_bytes())
    raw = raw[: data.draw(st.integers(0, len(raw)))]
    for _ in range(data.draw(st.integers(0, 3))):
        if raw:
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    path = tmp_path / source.name
    path.write_bytes(bytes(raw))
    return path


def cli_import_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """`shequn import FIXTURE --json` twice into a fresh SQLite store; both summaries."""
    db = ["--db", f"sqlite:///{tmp_path}/x.db"]
    assert main([*db, "blueprint", "load", str(BLUEPRINT)]) == 0
    capsys.readouterr()
    assert main([*db, "import", str(fixture), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main([*db, "import", str(fixture), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    return first, again
