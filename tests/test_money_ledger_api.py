"""The benefit-sharing ledger over HTTP (P-MON-4): owners and managers read it — a scoped
manager the agents of their groups — and record payouts; a group leader is refused (money is
not theirs to handle), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store.db import Store
from tests.growth_helpers import COMMUNITY, T0, group, loaded, wx
from tests.money_helpers import MONEY, money_api


def _earned(agent: str, ref: str, amount: float) -> Event:
    return Event("commission.earned", T0, COMMUNITY, "test", ref, subject=agent,
                 data={"amount": amount, "level": 1, "payment": f"p-{ref}"})  # fmt: skip


def test_the_ledger_by_role_and_a_payout(store: Store, tmp_path: Path, database_url: str):
    loaded(store, *(group(g) for g in ("main", "fans", "course", "senior")), extra=MONEY)
    bob, eve = wx("bob"), wx("eve")
    joins = [Event("member.joined", T0, COMMUNITY, "test", f"j-{who}", group=g, actor=who)
             for who, g in ((bob, "fans"), (eve, "course"))]  # fmt: skip
    record(store, [*joins, _earned(bob, "c1", 19.9), _earned(eve, "c2", 9.9)])
    api, secrets = money_api(store, database_url, tmp_path)
    owner, manager = api.as_(secrets["owner"]), api.as_(secrets["manager"])
    base = f"communities/{COMMUNITY}/commission"
    assert [(a["agent"], a["owed"]) for a in owner.get(base).json()] == [(bob, 1990), (eve, 990)]
    assert [a["agent"] for a in manager.get(base).json()] == [bob]  # manager of fans only
    assert api.as_(secrets["group_leader"]).get(base).status_code == 403
    paid = manager.post(f"{base}/payouts", json={"agent": bob, "amount": "10", "note": "转账 1"})
    assert (paid.json()["paid"], paid.json()["owed"]) == (1000, 990)
    assert manager.post(f"{base}/payouts", json={"agent": bob, "amount": "10"}).status_code == 409
    assert manager.post(f"{base}/payouts", json={"agent": eve, "amount": "1"}).status_code == 404
    [statement] = owner.get(base, params={"agent": bob}).json()
    assert [(e["kind"], e["amount_minor"]) for e in statement["entries"]] == [
        ("earned", 1990),
        ("paid", 1000),
    ]
    api.close()
