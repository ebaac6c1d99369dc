"""A batch at the door sent again (a bot retrying after a lost answer: the same knocks, the
same refs) admits nobody twice: no event, entry, action, seat or link use more, and every
knocker is told what the first answer said (issue 22: the batch's writes as arrays)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from shequn.engine.entry import enter_many
from shequn.engine.record import record
from shequn.store import tables as t
from shequn.store.db import Store
from shequn.store.rebuild import snapshot
from tests.growth_helpers import COMMUNITY
from tests.test_door_batch_arrays import KNOCKS, _scenario
from tests.test_fission import joined


def _counts(store: Store) -> dict[str, Any]:
    with store.read() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (t.events, t.entries, t.actions, t.group_memberships, t.referrals)
        } | {"uses": conn.execute(select(func.sum(t.links.c.uses))).scalar_one()}


def test_a_retried_batch_admits_nobody_twice(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    knocks = _scenario(store, monkeypatch)
    first = enter_many(store, COMMUNITY, knocks)
    before, counts = _snapshot(store), _counts(store)
    again = enter_many(store, COMMUNITY, knocks)  # the same refs: nothing new
    assert again == first
    assert _counts(store) == counts
    assert _snapshot(store) == before
    record(store, [joined(f"n{k}", 100 + k) for k in range(KNOCKS)])
    joined_once = _counts(store)
    assert enter_many(store, COMMUNITY, knocks) is not None  # after the joins, once more
    assert _counts(store) == joined_once
    assert counts["uses"] == KNOCKS  # each knock used its link once, the retries none


def _snapshot(store: Store) -> Any:
    with store.read() as conn:
        return snapshot(conn)
