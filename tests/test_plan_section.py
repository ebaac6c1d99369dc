"""The blueprint's figures govern the metric, the diagnosis, the simulator and the forecast
(issue 23 item 12): change one in the TOML file and every part that uses it follows."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from shequn.analytics.lifecycle import life_cycle
from shequn.analytics.scope import Scope
from shequn.model.blueprint import Blueprint, load_blueprint
from shequn.plan.diagnose import blueprint_overrides, configure
from shequn.plan.forecast import forecast
from shequn.plan.sim_params import SimParams, sim_params
from shequn.plan.simulate import simulate
from tests.analytics_helpers import COMMUNITY, event, join, post

STUDY = load_blueprint(
    Path(__file__).resolve().parent.parent / "examples/study-group/community.toml"
)


def with_changes(bp: Blueprint, **sections: dict[str, Any]) -> Blueprint:
    data = bp.to_dict()
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    return Blueprint.model_validate(data)


def test_plan_sets_the_simulators_parameters() -> None:
    bp = with_changes(
        STUDY,
        plan={"invite_rate": 1.5, "retention_days": 60, "life_months": 36},
        community={"planned_life_months": 12},
    )
    p = sim_params(bp, scale=0.5)
    assert (p.invites_per_inviter, p.engaged_days, p.scale) == (1.5, 60, 0.5)
    assert p.life_days == 1095  # [plan] life_months wins over the community's 12 months
    assert sim_params(STUDY).life_days == 730  # 24 months, the seeds' two years
    bp = with_changes(STUDY, plan={"conversion": {"low": 0.05, "high": 0.3}})
    p = sim_params(bp)
    assert (p.convert_low, p.convert_mid, p.convert_high) == (0.05, 0.2, 0.3)


def test_waves_follow_each_groups_entry_unless_plan_overrides() -> None:
    def day_one_joins(bp: Blueprint) -> int:
        return Counter(e.group for e in simulate(bp, days=1, seed=3) if e.kind == "member.joined")[
            "main"
        ]

    groups = [{**g, "entry": {**g["entry"], "wave_size": 5}} for g in STUDY.to_dict()["groups"]]
    small = Blueprint.model_validate({**STUDY.to_dict(), "groups": groups})
    default = day_one_joins(STUDY)
    assert day_one_joins(small) == default - 15  # one wave of 5 instead of 20
    assert day_one_joins(with_changes(STUDY, plan={"wave_size": 5})) == default - 15
    assert day_one_joins(with_changes(small, plan={"wave_size": 20})) == default


def test_forecast_uses_the_blueprints_plan() -> None:
    bp = with_changes(STUDY, plan={"invite_rate": 1.5, "inviter_share": 0.4, "renewal_rate": 0.3})
    fc = forecast(bp, days=7, runs=1, workers=1)
    assert (fc.params["invites_per_inviter"], fc.params["inviter_share"]) == (1.5, 0.4)
    assert (fc.params["renewal_rate"], fc.params["life_days"]) == (0.3, 730)
    assert fc.sim_params() == sim_params(bp)
    assert SimParams().invites_per_inviter == 3  # without a blueprint: the seeds' "invite 3"


def test_diagnosis_retires_at_the_blueprints_life() -> None:
    (retire,) = [r for r in configure() if r.id == "retire_or_merge"]
    assert retire.params["life_days"] == 730
    longer = with_changes(STUDY, community={"planned_life_months": 36})
    (retire,) = [r for r in configure(blueprint_overrides(longer)) if r.id == "retire_or_merge"]
    assert retire.params["life_days"] == 1095


def test_the_7_day_rule_is_the_blueprints(replica_of) -> None:
    """Two people, five posts by day 8: meets a 9-day rule set in the blueprint the log holds,
    fails the seeds' 7 days when the metric is given them."""
    events = [
        join("b", day=0, group="thin"),
        join("c", day=0, group="thin"),
        *[post(p, day=d, group="thin") for p, d in (("b", 1), ("c", 1), ("b", 2), ("c", 8))],
        post("c", day=6, group="thin"),
        post("b", day=20, group="thin"),
    ]
    bp = with_changes(STUDY, plan={"seven_day_days": 9})
    con = replica_of(events, blueprint=bp.to_dict())
    (own,) = life_cycle(con, Scope(COMMUNITY))
    assert (own.seven_day_rule, own.evidence["first_7_days"]) == ("met", {"events": 5, "people": 2})
    assert own.evidence["seven_day_rule_needs"] == {"days": 9, "events": 5, "people": 2}
    (seeds,) = life_cycle(con, Scope(COMMUNITY), seven_day_days=7)
    assert (seeds.seven_day_rule, seeds.evidence["first_7_days"]["events"]) == ("failed", 4)


def test_without_a_blueprint_the_seeds_rule_holds(replica_of) -> None:
    events = [join("b", day=0, group="thin"), post("b", day=8, group="thin")]
    (life,) = life_cycle(replica_of(events), Scope(COMMUNITY))  # the log's blueprint is {}
    assert life.evidence["seven_day_rule_needs"] == {"days": 7, "events": 5, "people": 2}


def test_the_dead_group_test_waits_the_blueprints_hours(replica_of) -> None:
    """A test envelope grabbed after 3 hours: dead by the seeds' 2 hours, alive when the
    blueprint's [engagement.envelopes] test_hours is 4."""
    events = [
        join("a", day=0, group="g2"),
        join("b", day=0, group="g2"),
        *[post(p, day=d, group="g2") for d in range(10) for p in ("a", "b")],
        event(
            "redenvelope.sent",
            "a",
            day=10,
            hour=20,
            group="g2",
            envelope="e2",
            purpose="dead_group_test",
        ),
        event("redenvelope.grabbed", "b", day=10, hour=23, group="g2", envelope="e2"),
    ]
    bp = with_changes(STUDY, engagement={"envelopes": {"test_hours": 4}})
    con = replica_of(events, blueprint=bp.to_dict())
    (own,) = life_cycle(con, Scope(COMMUNITY), germination_days=0)
    assert own.stage != "dead"
    (seeds,) = life_cycle(con, Scope(COMMUNITY), germination_days=0, envelope_test_hours=2.0)
    assert seeds.stage == "dead" and "unclaimed" in seeds.reason
