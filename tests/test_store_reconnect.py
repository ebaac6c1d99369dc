"""A PostgreSQL store gets over a lost connection without pinging the server per transaction.

The pool used to send a ``SELECT 1`` before every transaction (``pool_pre_ping``): a round
trip per transaction, two per join at the door. Now a connection psycopg knows is broken is
replaced at checkout, and one idle for ``IDLE_PING_SECONDS`` is pinged first (store/db.py).
"""

from __future__ import annotations

import psycopg
import pytest

from shequn.errors import StoreError
from shequn.store import db, raw
from shequn.store.db import Store

pytestmark = pytest.mark.postgres


def _backend_pid(store: Store) -> int:
    with store.transaction() as conn:
        found = raw.first(conn, "SELECT pg_backend_pid()")
    assert found is not None
    return int(found[0])


def _terminate(store: Store, pid: int) -> None:
    """What a server restart does to a pooled connection: its backend goes away."""
    url = store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_used_connection_is_reused_without_a_ping(pg_store: Store) -> None:
    pings: list[object] = []
    dialect = pg_store.engine.dialect
    real = dialect.do_ping
    dialect.do_ping = lambda c: pings.append(c) or real(c)  # type: ignore[method-assign]
    first, second = _backend_pid(pg_store), _backend_pid(pg_store)
    assert first == second  # the same pooled connection, handed out twice
    assert pings == []


def test_an_idle_connection_whose_server_went_is_replaced_before_use(
    pg_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _backend_pid(pg_store)
    _terminate(pg_store, before)
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # it has been idle "long enough"
    after = _backend_pid(pg_store)  # no error: the ping failed and the pool reconnected
    assert after != before


def test_a_connection_lost_while_fresh_fails_once_then_is_replaced(pg_store: Store) -> None:
    before = _backend_pid(pg_store)
    _terminate(pg_store, before)
    with pytest.raises(StoreError, match="connection is lost"):  # unnoticed while fresh
        _backend_pid(pg_store)
    after = _backend_pid(pg_store)  # psycopg marked it broken: replaced at checkout
    assert after != before
