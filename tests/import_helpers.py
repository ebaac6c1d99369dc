"""Shared steps of the per-format import tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from shequn.cli.app import main

BLUEPRINT = Path(__file__).resolve().parent.parent / "examples" / "study-group" / "community.toml"


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
