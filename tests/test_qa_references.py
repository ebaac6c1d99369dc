"""A Q&A entry always names a community and a group that exist (migration 0320).

On PostgreSQL the per-row foreign keys of ``qa_entries`` gave way to set-based triggers (one
check per inserting statement: issue 22). These tests write past the projection, straight
into the tables — every path a writer could take — and check that a dangling reference is
refused with SQLSTATE 23503 as before, that the referenced rows cannot go while an entry names
them, and that an import's questions (the projection's path) still go in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from psycopg import errors
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from shequn.engine.record import record
from shequn.store.db import Store

pytestmark = pytest.mark.postgres

_INSERT = (
    "INSERT INTO qa_entries (community_id, group_id, question_ref, asker, question, asked_at, "
    "status) SELECT c, g, 'ref-' || n, 'wechat:a', '报名表在哪里?', now(), 'open' "
    "FROM unnest(CAST(:c AS integer[]), CAST(:g AS integer[])) WITH ORDINALITY AS u(c, g, n)"
)


def _stored(store: Store, ev: Any) -> tuple[int, int]:
    """A community with a group and one question, through the projection; its ids."""
    record(store, [
        ev.community_configured(),
        ev("message.posted", "wechat:a", minutes=1, ref="q1", text="报名表在哪里下载?",
           is_question=True),
    ])  # fmt: skip
    with store.read() as conn:
        row = conn.execute(text("SELECT community_id, group_id FROM qa_entries")).one()
    assert row[1] is not None  # the question's group, so both references are exercised
    return int(row[0]), int(row[1])


def _refused(store: Store, write: Callable[[Connection], object]) -> None:
    with pytest.raises(IntegrityError) as caught, store.transaction() as conn:
        write(conn)
    assert isinstance(caught.value.orig, errors.ForeignKeyViolation)


def test_no_per_row_foreign_keys_but_one_check_per_statement(pg_store: Store, ev: Any) -> None:
    _stored(pg_store, ev)
    with pg_store.read() as conn:
        fks = conn.execute(text(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'qa_entries'::regclass "
            "AND contype = 'f'"
        )).scalars().all()  # fmt: skip
        triggers = dict(conn.execute(text(
            "SELECT tgname, tgtype FROM pg_trigger WHERE tgrelid = 'qa_entries'::regclass "
            "AND NOT tgisinternal"
        )).all())  # fmt: skip
    assert fks == []
    assert sorted(triggers) == ["qa_entries_references", "qa_entry_references"]
    assert triggers["qa_entries_references"] & 1 == 0  # TRIGGER_TYPE_ROW unset: per statement


def test_a_dangling_community_or_group_is_refused(pg_store: Store, ev: Any) -> None:
    community, group = _stored(pg_store, ev)
    missing = 1 + max(community, group) * 1000

    def insert(c: list[int], g: list[int | None]) -> Callable[[Connection], object]:
        return lambda conn: conn.execute(text(_INSERT), {"c": c, "g": g})

    _refused(pg_store, insert([missing], [group]))
    _refused(pg_store, insert([community], [missing]))
    # one bad row among many good ones fails the whole statement
    _refused(pg_store, insert([community] * 500, [group] * 499 + [missing]))
    _refused(pg_store, lambda conn: conn.execute(
        text("UPDATE qa_entries SET group_id = :g"), {"g": missing}))  # fmt: skip
    _refused(pg_store, lambda conn: conn.execute(
        text("UPDATE qa_entries SET community_id = :c"), {"c": missing}))  # fmt: skip
    with pg_store.transaction() as conn:  # good references, and no group at all, go in
        conn.execute(text(_INSERT), {"c": [community] * 3, "g": [group, None, group]})
        conn.execute(text("UPDATE qa_entries SET group_id = :g"), {"g": group})
    with pg_store.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM qa_entries")).scalar() == 4


def test_a_named_community_or_group_stays(pg_store: Store, ev: Any) -> None:
    community, group = _stored(pg_store, ev)
    with pg_store.transaction() as conn:  # what else names the group goes first
        conn.execute(text("DELETE FROM group_memberships"))
        conn.execute(text("DELETE FROM referrals"))
    _refused(pg_store, lambda conn: conn.execute(
        text("DELETE FROM groups WHERE id = :g"), {"g": group}))  # fmt: skip
    _refused(pg_store, lambda conn: conn.execute(
        text("UPDATE groups SET id = id + 1000 WHERE id = :g"), {"g": group}))  # fmt: skip
    _refused(pg_store, lambda conn: conn.execute(
        text("UPDATE communities SET id = id + 1000 WHERE id = :c"), {"c": community}))  # fmt: skip
    with pg_store.transaction() as conn:  # once no entry names it, the group may go
        conn.execute(text("DELETE FROM qa_entries"))
        conn.execute(text("DELETE FROM groups WHERE id = :g"), {"g": group})
