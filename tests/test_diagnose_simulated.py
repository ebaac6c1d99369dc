"""Diagnosis on simulated groups whose fate was forced: the sick ones get an urgent move of the
right kind, the thriving one gets none."""

from __future__ import annotations

from pathlib import Path

from shequn.analytics.replica import Replica
from shequn.analytics.scope import Scope
from shequn.engine.blueprint import load_into_store
from shequn.engine.record import record
from shequn.model.blueprint import load_blueprint
from shequn.plan.diagnose import diagnose
from shequn.plan.sim_params import GroupPlan, SimParams
from shequn.plan.simulate import simulate
from shequn.store.db import Store

BP = load_blueprint(Path(__file__).resolve().parent.parent / "examples/study-group/community.toml")


def test_forced_fates_get_the_moves_they_need(tmp_path: Path) -> None:
    params = SimParams(
        groups={
            "main": GroupPlan(fate="thrives"),
            "camp-21": GroupPlan(fate="dies_first_week", opens_day=76),  # 8 days old at the end
            "senior": GroupPlan(fate="declines", decline_day=62),
        }
    )
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        load_into_store(store, BP)
        record(store, simulate(BP, params, days=84, seed=3))
        with Replica.open(store, str(tmp_path / "r.duckdb")) as replica:
            moves = diagnose(replica.con, Scope(BP.community.slug))
    first = {}
    for d in moves:  # ordered by priority: the first per group is the one to act on
        first.setdefault(d.group, d)
    assert first["camp-21"].urgent
    assert first["camp-21"].rule_id in ("activate_new_group", "red_envelope_test")
    assert first["senior"].urgent
    assert first["senior"].rule_id in ("red_envelope_test", "retire_or_merge")
    assert not any(d.urgent for d in moves if d.group == "main")
