"""The generated reference docs match the code, and everything a user can meet is documented.

STYLE.md point 10: every CLI command and event kind has documentation, and a test fails when
one is missing. ``docs/events.md`` and ``docs/cli.md`` are rendered by ``scripts/docs.py``;
these tests fail when a checked-in file is stale, so a change to a kind or a command carries
its doc change in the same commit.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest

from shequn.model.events import Event
from shequn.model.kinds import KINDS

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "docs.py"


def _load_script() -> ModuleType:
    """Import scripts/docs.py by path: scripts/ is not a package and not on sys.path."""
    spec = importlib.util.spec_from_file_location("shequn_docs_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and typing look the module up by name
    spec.loader.exec_module(module)
    return module


docs = _load_script()


@pytest.mark.parametrize("name", sorted(docs.GENERATED))
def test_generated_doc_is_current(name: str) -> None:
    path = ROOT / name
    assert path.is_file(), f"{name} is missing: run `{docs.WRITE_COMMAND}`"
    rendered = docs.GENERATED[name]()
    assert path.read_text(encoding="utf-8") == rendered, (
        f"{name} is stale: the code changed and the doc did not. "
        f"Run `{docs.WRITE_COMMAND}` and commit the result."
    )


def test_check_mode_reports_stale_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--check`` is what CI runs: it must fail, and say which file, when one is out of date."""
    monkeypatch.setattr(docs, "ROOT", tmp_path)
    assert docs.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "stale: docs/events.md" in err and "stale: docs/cli.md" in err
    assert docs.WRITE_COMMAND in err
    assert docs.main(["--write"]) == 0
    assert docs.main(["--check"]) == 0
    (tmp_path / "docs" / "cli.md").write_text("old\n", encoding="utf-8")
    assert docs.main(["--check"]) == 1
    assert capsys.readouterr().err.splitlines()[0] == "stale: docs/cli.md"


# --- event reference ------------------------------------------------------------------


def test_every_kind_has_a_heading() -> None:
    text = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^### `([a-z_]+\.[a-z_]+)`$", text, flags=re.MULTILINE))
    missing = sorted(set(KINDS) - headings)
    assert not missing, f"docs/events.md has no section for {missing}"
    assert not headings - set(KINDS), (
        f"docs/events.md documents unknown kinds {headings - set(KINDS)}"
    )


def test_every_kind_field_is_documented() -> None:
    """Each data field of each kind appears in that kind's section, not just somewhere."""
    text = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^### `([^`]+)`\n(.*?)(?=^##|\Z)", text, re.MULTILINE | re.DOTALL))
    for kind, spec in KINDS.items():
        for f in spec.fields:
            assert f"| `{f.name}` |" in sections[kind], f"{kind}: data.{f.name} undocumented"


def test_examples_in_the_event_reference_are_valid_events() -> None:
    """The JSONL a reader copies from the doc must import."""
    text = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    block = re.search(r"```jsonl\n(.*?)```", text, re.DOTALL)
    assert block is not None, "docs/events.md lost its JSONL example"
    lines = block.group(1).splitlines()
    assert len(lines) == len(docs.EXAMPLE_EVENTS)
    for line in lines:
        event = Event.from_dict(orjson.loads(line))
        assert "phone" not in event.data  # the doc promises phones are hashed on input
    assert "phone_sha256" in Event.from_dict(docs.EXAMPLE_EVENTS[1]).data


# --- command-line reference -----------------------------------------------------------


def _commands() -> list[tuple[str, Any, Any]]:
    return list(docs.iter_commands())


def test_every_command_has_help() -> None:
    """A command, option or argument without help is a gap in ``--help`` and in docs/cli.md."""
    gaps = []
    for path, command, ctx in _commands():
        if not (command.help or command.short_help or "").strip():
            gaps.append(f"{path}: no help text (give the function a docstring)")
        for param in command.get_params(ctx):
            if not (getattr(param, "help", None) or "").strip():
                gaps.append(f"{path} {param.opts[0]}: no help=")
    assert not gaps, "\n".join(gaps)


def test_every_command_has_a_section() -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    paths = [p for p, _, _ in _commands()]
    assert {"shequn", "shequn events add", "shequn members list"} <= set(paths)
    assert paths == sorted(paths, key=lambda p: p.split())  # stable, depth-first, by name
    for path in paths:
        assert f"\n## {path}\n" in text, f"docs/cli.md has no section for `{path}`"


def test_cli_doc_does_not_depend_on_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendering on a narrow, colorful terminal gives the same bytes, without ANSI or boxes."""
    wide = docs.render_cli_md()
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert docs.render_cli_md() == wide
    assert "\x1b" not in wide
    assert not set("╭╮╰╯│─") & set(wide)
