"""The public surface is deliberate: what __all__ lists is importable and used like this."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import shequn


def test_all_names_resolve():
    assert sorted(shequn.__all__) == shequn.__all__
    for name in shequn.__all__:
        assert getattr(shequn, name) is not None, name


def test_import_is_light():
    """`import shequn` must not pull in SQLAlchemy, Alembic or pydantic-heavy modules."""
    code = (
        "import shequn, sys; "
        "print(','.join(m for m in ('sqlalchemy', 'alembic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_usage_from_python(tmp_path):
    from pathlib import Path

    example = Path(__file__).resolve().parent.parent / "examples/study-group/community.toml"
    store = shequn.Store.open(f"sqlite:///{tmp_path / 'x.db'}")
    shequn.load_into_store(store, shequn.load_blueprint(example))
    joined = shequn.Event(
        kind="member.joined",
        occurred_at=datetime(2026, 1, 5, tzinfo=UTC),
        community="study-circle",
        group="main",
        actor=shequn.identity_key("wechat", "wxid_1"),
        source="script",
        source_ref="1",
    )
    assert shequn.record(store, [joined]).new == 1
    assert shequn.record(store, [joined]).duplicate == 1
    store.close()
