"""A transaction reads a community's blueprint once (store/tx_memo.py), and sees a new one
configured in the same transaction; the next transaction reads afresh."""

from __future__ import annotations

import json

import pytest

from shequn.engine.blueprint import blueprint_events
from shequn.store import raw
from shequn.store.append import append
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.growth_state import growth_state, growth_state_read
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, loaded


def _slugs(store_conn: object) -> list[str]:
    return [g.slug for g in get_blueprint(store_conn, COMMUNITY).groups]  # type: ignore[arg-type]


def test_a_blueprint_configured_in_the_transaction_is_the_one_read_after(store: Store) -> None:
    loaded(store, group("main"))
    wider = blueprint(group("main"), group("city"))
    with store.transaction() as conn:
        assert _slugs(conn) == ["main"]
        append(conn, blueprint_events(wider, now=T0))
        assert _slugs(conn) == ["main", "city"]
        stored, campaigns, pending = growth_state(conn, COMMUNITY)
        assert (campaigns, pending) == (False, False)
        assert [g["slug"] for g in raw.json_value(stored)["groups"]] == ["main", "city"]


def test_a_blueprint_is_read_once_per_transaction_and_afresh_in_the_next(store: Store) -> None:
    loaded(store, group("main"))
    wider = json.dumps(blueprint(group("main"), group("city")).to_dict())
    with store.transaction() as conn:
        assert _slugs(conn) == ["main"]
        # written behind the memo's back (no event): this transaction keeps what it read
        raw.run(conn, "UPDATE communities SET blueprint = ? WHERE slug = ?", (wider, COMMUNITY))
        assert _slugs(conn) == ["main"]
    with store.transaction() as conn:
        assert _slugs(conn) == ["main", "city"]
    with store.read() as conn:  # no transaction: nothing remembered
        assert _slugs(conn) == ["main", "city"]


@pytest.mark.postgres
def test_postgres_sends_the_blueprint_only_when_its_row_changed(pg_store: Store) -> None:
    loaded(pg_store, group("main"))
    with pg_store.transaction() as conn:
        first, _, _ = growth_state(conn, COMMUNITY)
    with pg_store.transaction() as conn:
        asked = growth_state_read(conn, COMMUNITY)
        assert asked.sql is not None
        assert raw.rows(conn, asked.sql, asked.params)[0][0] is None  # unchanged: not sent
        assert asked.parse(raw.rows(conn, asked.sql, asked.params))[0] == first
    wider = json.dumps(blueprint(group("main"), group("city")).to_dict())
    with pg_store.transaction() as conn:  # written behind the memo's back: a new version
        raw.run(conn, "UPDATE communities SET blueprint = ? WHERE slug = ?", (wider, COMMUNITY))
        stored, _, _ = growth_state(conn, COMMUNITY)
        raw.run(conn, "UPDATE communities SET blueprint = ? WHERE slug = ?", (first, COMMUNITY))
        again, _, _ = growth_state(conn, COMMUNITY)  # the same transaction, another version
    assert [g["slug"] for g in raw.json_value(stored)["groups"]] == ["main", "city"]
    assert again == first
