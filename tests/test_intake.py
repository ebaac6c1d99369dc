"""Intake (P-IN-2): profile card, needs survey, classification by rules and by a manager."""

from __future__ import annotations

from shequn.engine.intake import classify, classify_member, record_intake
from shequn.engine.record import record
from shequn.model.blueprint_growth import Intake, IntakeRule
from shequn.model.entities import Profile
from shequn.model.events import Event
from tests.growth_helpers import COMMUNITY, at, group, loaded, wx

RULES = Intake(
    rules=[
        IntakeRule(field="paid", care="deep", stake="payer"),
        IntakeRule(field="card.company", contains="培训", stake="competitor", care="ignore"),
        IntakeRule(field="survey.role", equals="机构", stake="partner", care="deep"),
    ]
)


def test_the_first_matching_rule_decides_care_and_stake_separately():
    assert classify(Profile(wx("a"), paid=9.9), RULES)[:2] == ("deep", "payer")
    rival = Profile(wx("b"), card={"company": "某某培训学校"})
    assert classify(rival, RULES)[:2] == ("ignore", "competitor")
    assert classify(Profile(wx("c"), survey={"role": "机构 "}), RULES)[:2] == ("deep", "partner")
    care, stake, reason = classify(Profile(wx("d")), RULES)
    assert (care, stake, reason) == ("cool", "ordinary", "no rule matched: defaults")


def test_intake_is_stored_classified_and_a_manager_overrides_for_good(store):
    loaded(store, group("main"))
    p = record_intake(
        store, COMMUNITY, wx("eve"), card={"city": "杭州"}, survey={"need": "找书友"}, now=at(0)
    )
    assert (p.card, p.survey, p.care, p.stake, p.classified_by) == (
        {"city": "杭州"},
        {"need": "找书友"},
        "cool",
        "ordinary",
        "rule",
    )
    record(
        store,
        [
            Event(
                "payment.made",
                at(1),
                COMMUNITY,
                "shop",
                "o1",
                actor=wx("eve"),
                data={"amount": 99.0},
            )
        ],
    )
    p = record_intake(store, COMMUNITY, wx("eve"), survey={"level": "beginner"}, now=at(2))
    assert (p.care, p.stake, p.survey) == ("deep", "payer", {"need": "找书友", "level": "beginner"})
    p = classify_member(
        store, COMMUNITY, wx("eve"), care="cool", stake="partner", reason="合作书店"
    )
    assert (p.care, p.stake, p.classified_by) == ("cool", "partner", "manager")
    p = record_intake(store, COMMUNITY, wx("eve"), card={"city": "上海"}, now=at(3))
    assert (p.care, p.stake, p.card["city"]) == ("cool", "partner", "上海")  # the rules stay out
