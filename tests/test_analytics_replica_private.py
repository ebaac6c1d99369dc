"""A replica in the shared cache folder is trusted only while no one else can change it.

The report and the dashboard show what the replica holds; a replica someone else can write
would let them show their own figures (``replica.default_path``, ``cachedir.private``).
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from shequn.analytics.replica import Replica, default_path
from shequn.engine.record import record
from shequn.errors import StoreError
from shequn.store.db import Store
from tests.analytics_helpers import configured, join, post
from tests.conftest import new_pg_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def server_like(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pg_base_url: str
) -> Iterator[Store]:
    """A store on a server, so its replica goes to the cache folder."""
    monkeypatch.setenv("SHEQUN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SHEQUN_ANALYTICS_PATH", raising=False)
    store = Store.open(new_pg_database(pg_base_url))
    record(store, [configured(), join("a", day=0), post("a", day=0)])
    yield store
    store.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_replica_is_private_to_its_user(server_like: Store, tmp_path: Path):
    with Replica.open(server_like) as replica:
        assert replica.con.execute("SELECT count(*) FROM events").fetchall() == [(3,)]
    path = Path(default_path(server_like))
    assert path.parent == tmp_path / "cache"
    assert (mode(path.parent), mode(path)) == (0o700, 0o600)


def test_a_replica_others_can_write_is_not_read(server_like: Store):
    Replica.open(server_like).close()
    path = Path(default_path(server_like))
    path.chmod(0o666)  # planted, or left open by hand
    with pytest.raises(StoreError) as raised:
        Replica.open(server_like)
    assert str(path) in str(raised.value)
    assert "SHEQUN_ANALYTICS_PATH" in str(raised.value)
    path.chmod(0o600)
    with Replica.open(server_like) as replica:  # made private again: used as before
        assert replica.sync().copied == 0


def test_a_cache_folder_others_can_write_is_not_used(server_like: Store, tmp_path: Path):
    folder = tmp_path / "cache"
    folder.mkdir()
    folder.chmod(0o777)
    with pytest.raises(StoreError, match="other users"):
        Replica.open(server_like)
    assert list(folder.iterdir()) == []  # nothing was written there
