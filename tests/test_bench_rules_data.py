"""benchmarks/bench_rules.py finds the shared labelled set beside the checkout — and beside
the main checkout when it runs from a git worktree elsewhere — or says where it looked."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_rules.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_rules", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_rules", module)
    spec.loader.exec_module(module)
    return module


def _layout(root: Path) -> tuple[Path, Path, Path]:
    """/work/main (a checkout), /work/wt/me (its worktree), /work/shared/moderation/dev.jsonl."""
    main, tree = root / "main", root / "wt" / "me"
    gitdir = main / ".git" / "worktrees" / "me"
    gitdir.mkdir(parents=True)
    (gitdir / "commondir").write_text("../..\n", encoding="utf-8")
    tree.mkdir(parents=True)
    (tree / ".git").write_text(f"gitdir: {gitdir}\n", encoding="utf-8")
    data = root / "shared" / "moderation" / "dev.jsonl"
    data.parent.mkdir(parents=True)
    data.write_text("", encoding="utf-8")
    return main, tree, data


def test_the_set_is_found_from_the_checkout_and_from_a_worktree(tmp_path: Path) -> None:
    bench = _bench()
    main, tree, data = _layout(tmp_path)
    assert bench.default_data(main) == data
    assert bench.default_data(tree) == data


def test_a_missing_set_says_where_it_looked_and_what_to_pass(tmp_path: Path) -> None:
    bench = _bench()
    lonely = tmp_path / "clone"
    lonely.mkdir()
    with pytest.raises(SystemExit, match=r"not found \(looked for .*dev\.jsonl.*--data"):
        bench.default_data(lonely)
