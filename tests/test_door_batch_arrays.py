"""A door's batch writes its events, entries, link uses, actions and joins as arrays on
PostgreSQL (``raw.Array``, issue 22) and the knocks one at a time as before: both must store
the same projections and the same events, and a rebuild must give them again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from shequn.engine import links as links_module
from shequn.engine.campaigns import configure_campaign
from shequn.engine.entry import Request, enter, enter_many
from shequn.engine.links import ensure_referral_link
from shequn.engine.record import record
from shequn.store import sql_text
from shequn.store import tables as t
from shequn.store.db import Store
from shequn.store.rebuild import rebuild, snapshot
from tests.conftest import new_pg_database
from tests.growth_helpers import COMMUNITY, at, group, loaded, wx
from tests.test_fission import INVITE3, joined

INVITERS = sql_text.ARRAY_FROM + 4  # more links than the arrays form needs
KNOCKS = 2 * INVITERS


def _scenario(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[Request]:
    codes = iter(range(INVITERS))
    monkeypatch.setattr(links_module, "new_code", lambda: f"code{next(codes)}")  # both alike
    bp = loaded(store, group("main"))
    record(store, [joined(f"inv{k}", -100 + k) for k in range(INVITERS)])
    configure_campaign(store, COMMUNITY, INVITE3, now=at(-50))
    links = [
        ensure_referral_link(store, bp, wx(f"inv{k}"), campaign="invite3", now=at(-40))
        for k in range(INVITERS)
    ]
    return [
        Request(wx(f"n{k}"), link=links[k % INVITERS].code, at=at(k), ref=f"k-{k}")
        for k in range(KNOCKS)
    ]


def _events(store: Store) -> list[tuple[Any, ...]]:
    """The events from the first knock on, in the log's order (ids)."""
    e = t.events.c
    cols = (e.occurred_at, e.source, e.source_ref, e.kind, e.group_slug, e.actor, e.subject, e.data)
    with store.read() as conn:
        found = conn.execute(select(*cols).where(e.occurred_at >= at(0)).order_by(e.id))
        return [tuple(r) for r in found]


def _by_time(events: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(events, key=lambda r: (r[0], r[1], r[2]))


@pytest.fixture
def second(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A second empty store of the same kind as ``store``."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'second.db'}"
    else:
        url = new_pg_database(request.getfixturevalue("pg_base_url"))
    s = Store.open(url)
    yield s
    s.close()


def test_a_batch_stores_what_its_knocks_one_at_a_time_store(
    store: Store, second: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    knocks = _scenario(store, monkeypatch)
    assert _scenario(second, monkeypatch) == knocks
    enter_many(store, COMMUNITY, knocks)  # one batch: the arrays forms on PostgreSQL
    record(store, [joined(f"n{k}", 100 + k) for k in range(KNOCKS)])
    for k, knock in enumerate(knocks):  # one at a time: the small forms
        enter(second, COMMUNITY, knock)
        record(second, [joined(f"n{k}", 100 + k)])
    with store.read() as conn:
        batched = snapshot(conn)
    with second.read() as conn:
        alone = snapshot(conn)
    assert batched == alone
    logged = _events(store)
    assert logged == _by_time(logged)  # a batch's ids follow time, (source, ref) on ties
    assert _by_time(logged) == _by_time(_events(second))
    with store.read() as conn:
        uses = dict(conn.execute(select(t.links.c.code, t.links.c.uses)).all())
        joined_entries = conn.execute(
            select(t.entries.c.status).where(t.entries.c.status == "joined")
        ).all()
    assert sorted(uses.values()) == [2] * INVITERS  # each link used by two newcomers
    assert len(joined_entries) == KNOCKS
    rebuild(store)
    with store.read() as conn:
        assert snapshot(conn) == batched
