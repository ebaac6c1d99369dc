"""Every command's help shows every bracketed text its author wrote.

With Rich markup on, Typer read ``[default: sqlite:///shequn.db]`` in ``--db``'s help and
``[diagnosis.<rule id>]`` in ``diagnose``'s as style tags and dropped them ("Database URL .").
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from shequn.cli.app import app

BRACKETED = re.compile(r"\[[^\[\]]+\]")


def commands() -> list[tuple[list[str], Any]]:
    root = typer.main.get_command(app)
    found: list[tuple[list[str], Any]] = []

    def walk(path: list[str], cmd: Any) -> None:  # Typer's own click: duck-typed
        found.append((path, cmd))
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            walk([*path, name], sub)

    walk([], root)
    return found


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("path", "cmd"),
    commands(),
    ids=lambda x: " ".join(x) or "shequn" if isinstance(x, list) else "",
)
def test_help_keeps_bracketed_text(path: list[str], cmd: Any) -> None:
    written = [cmd.help or ""] + [getattr(p, "help", None) or "" for p in cmd.params]
    wanted = [m for text in written for m in BRACKETED.findall(text)]
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    shown = _flat(result.output)
    for text in wanted:
        assert _flat(text) in shown, (path, text)
