"""A big batch goes into the log whole (on PostgreSQL a COPY into ``events`` itself) and,
when some of its events are stored already, through the form that skips them: the same
events, ids in time order and projections either way (``store/append_pg.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import select, text

from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store import append_pg
from shequn.store import tables as t
from shequn.store.queries import count_events
from shequn.store.rebuild import rebuild, snapshot
from tests.conftest import T0

BIG = append_pg.FEW + 200  # over the size from which PostgreSQL copies a batch in


def talk(ev, first: int, last: int):
    """Messages ``first`` to ``last - 1`` of a chat among ten people, one a minute."""
    return [
        ev("message.posted", f"wechat:p{k % 10}", minutes=k, ref=f"m{k}", text=f"说 {k}",
           actor_name=f"成员 {k % 10}")
        for k in range(first, last)
    ]  # fmt: skip


def log(store) -> list[tuple[int, str]]:
    with store.read() as conn:
        found = conn.execute(text("SELECT id, source_ref FROM events ORDER BY id")).all()
    return [(int(i), ref) for i, ref in found]


def test_a_big_batch_with_stored_events_adds_only_the_new_ones(store, ev, monkeypatch):
    staged = []
    keep = append_pg._staged
    monkeypatch.setattr(append_pg, "_staged", lambda *a: staged.append(1) or keep(*a))
    began = datetime.now(UTC)
    first = record(store, [ev.community_configured(), *talk(ev, 0, BIG)], batch_size=2 * BIG)
    assert (first.new, first.duplicate, first.stored_before) == (BIG + 1, 0, 0)
    assert staged == []  # all new: straight into the log (PostgreSQL), no staging table
    # The second half of the first batch is stored already; the rest is new.
    mixed = talk(ev, BIG // 2, 2 * BIG)
    again = record(store, mixed, batch_size=2 * BIG)
    assert (again.new, again.duplicate, again.stored_before) == (BIG, BIG // 2, BIG // 2)
    if store.dialect == "postgresql":
        assert staged == [1]  # the COPY was refused and undone; the staging form skipped them
    ended = datetime.now(UTC)
    stored = log(store)
    assert len(stored) == 2 * BIG + 1 == len({ref for _, ref in stored})
    with store.read() as conn:
        recorded = conn.execute(select(t.events.c.recorded_at)).scalars().all()
    assert all(began <= at <= ended for at in recorded)  # the moment each batch went in
    messages = [ref for _, ref in stored if ref != "cfg"]
    assert messages == [f"m{k}" for k in range(2 * BIG)]  # ids follow time across both
    with store.read() as conn:
        live = snapshot(conn)
    rebuild(store)
    with store.read() as conn:
        assert snapshot(conn) == live
        assert count_events(conn) == 2 * BIG + 1


def test_after_a_batch_with_stored_events_the_next_new_one_still_goes_in(store, ev):
    """A resumed import: its first batch holds events stored before, the next ones none."""
    record(store, [ev.community_configured(), *talk(ev, 0, BIG)], batch_size=BIG + 1)
    resumed = record(store, talk(ev, BIG - 10, 4 * BIG - 10), batch_size=BIG)
    assert (resumed.new, resumed.stored_before) == (3 * BIG - 10, 10)
    messages = [ref for _, ref in log(store) if ref != "cfg"]
    assert messages == [f"m{k}" for k in range(4 * BIG - 10)]


AWKWARD = ["tab\there", "new\nline\r\n", "back\\slash \\N \\.", "\\", "emoji 🎉 and 中文",
           "\x01\x1f control", "", "  spaced  ", "quote \" ' ,;|"]  # fmt: skip


@pytest.mark.postgres
def test_awkward_values_go_through_both_binary_copies_unchanged(pg_store, ev, monkeypatch):
    """The COPY forms send binary rows (``FORMAT BINARY``, data as ``jsonb``'s binary form):
    texts, times to the microsecond, nulls and JSON come back as they went in, through the
    COPY into ``events`` and through the staging table alike."""
    copies: list[str] = []
    keep = psycopg.Cursor.copy
    monkeypatch.setattr(
        psycopg.Cursor,
        "copy",
        lambda cur, sql, *a, **k: copies.append(str(sql)) or keep(cur, sql, *a, **k),
    )
    made = [ev.community_configured()]
    for k in range(BIG):
        text_ = AWKWARD[k % len(AWKWARD)]
        made.append(
            Event(
                kind="message.posted",
                occurred_at=T0 + timedelta(seconds=k, microseconds=k % 999_983),
                community=ev.community,
                group="main",
                actor=f"wechat:p{k % 7}",
                subject=None if k % 3 else f"wechat:p{k % 5}",
                source="test",
                source_ref=f"r\t{k}\\",
                data={"text": text_, "n": k, "f": k / 7, "big": 2**62 + k, "none": None,
                      "nested": {"list": [text_, True, False, 1.5e-300]}},
            )
        )  # fmt: skip
    first = record(pg_store, made[: BIG // 2], batch_size=2 * BIG)  # all new: into events
    again = record(pg_store, made, batch_size=2 * BIG)  # half stored: the staging form
    assert (first.new, again.new, again.stored_before) == (BIG // 2, BIG - BIG // 2 + 1, BIG // 2)
    assert copies and all(c.endswith("(FORMAT BINARY)") for c in copies)
    assert any(c.startswith("COPY events_staging") for c in copies)
    with pg_store.read() as conn:
        rows = conn.execute(
            select(t.events.c.kind, t.events.c.occurred_at, t.events.c.community_slug,
                   t.events.c.group_slug, t.events.c.actor, t.events.c.subject,
                   t.events.c.source, t.events.c.source_ref, t.events.c.data)
            .order_by(t.events.c.id)
        ).all()  # fmt: skip
    want = sorted(made, key=lambda e: (e.occurred_at, e.source, e.source_ref))
    assert [tuple(r) for r in rows] == [
        (e.kind, e.occurred_at, e.community, e.group, e.actor, e.subject, e.source,
         e.source_ref, e.data)
        for e in want
    ]  # fmt: skip
