"""Projections do not depend on the order facts arrive in.

Two imports of overlapping exports, in either order, must end in the same state (the store's
promise, docs/store.md). An attacker's probe found memberships whose ``left_at`` differed in 2
of 1,998 rows depending on the order: a leave older than the latest join was dropped when it
arrived after that join. Here random histories of joins, leaves, removals and invites — with
ties to the second — are recorded as batches in two shuffled orders and compared.
"""

from __future__ import annotations

import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store.db import Store
from shequn.store.rebuild import snapshot
from tests.conftest import EventFactory

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PEOPLE = [f"wechat:p{n}" for n in range(5)]
GROUPS = ["main", "senior"]

step = st.tuples(
    st.sampled_from(["member.joined", "member.left", "member.removed", "member.invited"]),
    st.sampled_from(PEOPLE),
    st.sampled_from(PEOPLE),
    st.sampled_from(GROUPS),
    st.integers(min_value=0, max_value=40),  # minutes: few values, so ties happen
)


def history(steps: list[tuple[str, str, str, str, int]]) -> list[Event]:
    out = []
    for n, (kind, who, other, group, minute) in enumerate(steps):
        at = T0 + timedelta(minutes=minute)
        common = {"occurred_at": at, "community": "study-circle", "group": group}
        ref = {"source": "export", "source_ref": f"m{n}"}
        if kind == "member.joined":
            data = {"inviter": other} if other != who else {}
            out.append(Event(kind, actor=who, data=data, **common, **ref))
        elif kind == "member.left":
            out.append(Event(kind, actor=who, **common, **ref))
        else:  # removed or invited: someone acts on someone
            out.append(Event(kind, actor=other, subject=who, **common, **ref))
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated store with the community configured, copied for each example."""
    path = tmp_path_factory.mktemp("order") / "template.db"
    with Store.open(f"sqlite:///{path}") as store:
        record(store, [EventFactory().community_configured()])
    return path


def state_after(template: Path, batches: list[list[Event]], where: Path) -> dict[str, object]:
    shutil.copy(template, where)
    with Store.open(f"sqlite:///{where}") as store:
        for batch in batches:
            record(store, batch)
        with store.read() as conn:
            return snapshot(conn)


@settings(max_examples=40, deadline=None)
@given(steps=st.lists(step, min_size=1, max_size=30), seed=st.integers(0, 2**16))
def test_batches_in_any_order_give_the_same_projections(
    template: Path, tmp_path_factory: pytest.TempPathFactory, steps: list, seed: int
) -> None:
    events = history(steps)
    rng = random.Random(seed)
    cut = sorted(rng.sample(range(1, len(events) + 1), k=min(3, len(events))))
    batches = [events[a:b] for a, b in zip([0, *cut], cut, strict=False) if events[a:b]]
    shuffled = batches[:]
    rng.shuffle(shuffled)
    tmp = tmp_path_factory.mktemp("ex")
    first = state_after(template, batches, tmp / "a.db")
    assert state_after(template, shuffled, tmp / "b.db") == first
    assert state_after(template, batches[::-1], tmp / "c.db") == first


def test_a_leave_before_the_latest_join_is_kept_whichever_comes_first(
    template: Path, tmp_path: Path
) -> None:
    ev = EventFactory()
    old = [ev("member.joined", "wechat:a", minutes=0), ev("member.left", "wechat:a", minutes=5)]
    new = [ev("member.joined", "wechat:a", minutes=10)]
    in_order = state_after(template, [old, new], tmp_path / "a.db")
    reversed_ = state_after(template, [new, old], tmp_path / "b.db")
    assert in_order == reversed_
    (row,) = in_order["group_memberships"]
    fields = dict(row)
    assert fields["status"] == repr("active")
    assert fields["left_at"] == repr(T0 + timedelta(minutes=5))  # the old leave is kept
