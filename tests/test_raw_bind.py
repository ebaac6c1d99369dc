"""Values bound for fixed SQL (``store/raw.py``) take the form SQLAlchemy's types give them,
so rows written either way read back alike."""

from __future__ import annotations

from pathlib import Path

from shequn.store import raw
from shequn.store import tables as t
from shequn.store.db import Store


def test_json_columns_are_bound_as_sqlalchemy_binds_them_absent_values_as_json_null(
    tmp_path: Path,
) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/bind.db")
    values = [None, {"msgid": "full {g}", "args": {"g": "城市-1"}}, ["invited:3"], "x", 0]
    names = ("gates",)
    with store.transaction() as conn:
        sqlalchemy_binds = t.entries.c.gates.type.bind_processor(conn.dialect)
        assert sqlalchemy_binds is not None
        bound = raw.bound(conn, t.entries, names, [{"gates": v} for v in values])
    store.close()
    assert bound == [(sqlalchemy_binds(v),) for v in values]
    assert bound[0] == ("null",)
