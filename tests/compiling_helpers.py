"""What the compiled-SQL tests share (``test_analytics_compiled*.py``): an expression built
anew on every call, as metrics build theirs, and a count of what Ibis is asked to compile."""

from __future__ import annotations

from typing import Any

import ibis
import pytest

from shequn.analytics import portable


def above(limit: Any) -> Any:
    """Messages longer than ``limit``, counted: built anew on every call, as metrics do."""
    t = portable.ev()
    return t.filter(t.length > ibis.literal(limit, type="float64")).count().as_table()


def compilations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The dialects Ibis is asked to compile for, in order."""
    asked: list[str] = []
    real = ibis.to_sql

    def counting(expr: Any, dialect: str) -> Any:
        asked.append(dialect)
        return real(expr, dialect=dialect)

    monkeypatch.setattr(ibis, "to_sql", counting)
    return asked
