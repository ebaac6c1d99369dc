"""The model's threshold is chosen for precision on the training examples alone (out of
fold): the lowest threshold at which rules-or-model are precise enough there."""

from __future__ import annotations

from shequn.engine.rules.calibrate import (
    GRID,
    calibrated,
    lower_bound,
    pick_threshold,
    recalibrated,
)
from shequn.engine.rules.detector import detect_advert
from shequn.engine.rules.linear import OFF, LinearModel, train
from shequn.engine.rules.normalize import fold


def test_the_lowest_threshold_precise_enough():
    # (model probability, rules hit, is an advert)
    scored = [(0.95, False, True), (0.9, False, True), (0.62, False, False),
              (0.58, False, True), (0.1, True, True), (0.2, False, False)]  # fmt: skip
    assert pick_threshold(scored, 0.75, z=0) == 0.5  # 4 of 5 hits right at 0.5
    assert pick_threshold(scored, 0.8, z=0) == 0.5
    assert pick_threshold(scored, 0.9, z=0) == 0.65  # the false positive at 0.62 left out
    assert pick_threshold([(0.99, True, False)], 0.95) == OFF  # none precise enough: off


def test_the_precision_must_hold_with_a_margin():
    # 19 of 20 right is 0.95 — but on 20 examples that could as well be 0.90
    assert lower_bound(19, 20, z=0) == 0.95
    assert 0.87 < lower_bound(19, 20) < 0.90
    assert lower_bound(950, 1000) > 0.94  # more examples, a narrower margin
    twenty = [(0.9, False, True)] * 19 + [(0.9, False, False)]
    assert pick_threshold(twenty, 0.95, z=0) == 0.5
    assert pick_threshold(twenty, 0.95) == OFF  # not sure enough: the rules alone decide


def test_a_calibrated_model_keeps_its_threshold_and_where_it_came_from():
    ads = [f"cheap pills buy now deal {i}" for i in range(20)]
    ok = [f"see you at the meetup {i}" for i in range(20)] + ["buy the book at the meetup"]
    examples = [(fold(t), True) for t in ads] + [(fold(t), False) for t in ok]
    model = calibrated(examples, precision=0.95, trained_on={"file": "x.jsonl"})
    assert model.threshold in (*GRID, OFF)
    info = model.trained_on["threshold"]
    assert {k: v for k, v in info.items() if k != "log_loss"} == {
        "precision": 0.95, "folds": 3, "z": 1.0, "chosen": model.threshold,
        "judged": len(examples), "rules_precision": 1.0}  # fmt: skip
    assert 0 < info["log_loss"] < 0.69  # out of fold, better than a coin (ln 2)
    again = LinearModel.from_json(model.to_json())
    assert (again.threshold, again.trained_on["file"]) == (model.threshold, "x.jsonl")


def test_a_model_from_elsewhere_decides_only_where_it_is_right_here():
    """Trained on one community's adverts (pills), a model meets another community whose
    members talk about pills all day: on that community's own labels no threshold is precise
    enough, so it is switched off and the rules alone decide."""
    elsewhere = [(fold(f"cheap pills buy now {i}"), True) for i in range(30)] + [
        (fold(f"see you at the meetup {i}"), False) for i in range(30)
    ]
    model = train(elsewhere)
    assert detect_advert("pills now", model=model).hit
    here = [(fold(f"my pills now help, doctor {i}"), False) for i in range(40)] + [
        (fold(f"buy cheap pills now {i}"), True) for i in range(5)
    ]
    local = recalibrated(model, here, source="history: pharmacy-club")
    assert local.threshold == OFF and local.weights == model.weights
    assert local.trained_on["threshold"]["on"] == "history: pharmacy-club"
    assert not detect_advert("pills now", model=local).hit
    assert LinearModel.from_json(local.to_json()).threshold == OFF


def test_labels_from_elsewhere_teach_but_do_not_judge():
    elsewhere = [(fold(f"cheap pills buy now {i}"), True) for i in range(20)] + [
        (fold(f"see you at the meetup {i}"), False) for i in range(20)
    ]
    here = [(fold(f"buy tickets for the meetup now {i}"), False) for i in range(15)]
    judged_everywhere = calibrated(elsewhere + here, precision=0.95)
    judged_here = calibrated(elsewhere + here, precision=0.95, judged_from=len(elsewhere))
    assert judged_here.trained_on["threshold"]["judged"] == len(here)
    assert judged_here.weights == judged_everywhere.weights  # the same examples learned
    # here nothing is an advert: any hit of the model is wrong, so it may not decide alone
    assert judged_here.threshold == OFF


def test_a_taught_advert_counts_as_right_only_as_often_as_the_rules_are():
    """On taught messages a rule hit is an advert because the rules said so: counted as
    always right, the rules' own mistakes would be invisible and the model would get the whole
    error budget. Counted at the rules' precision, it leaves the model less."""
    rules_hits = [(0.1, True, 1.0)] * 100  # taught as adverts by the rules
    model_hits = [(0.9, False, 1.0)] * 10 + [(0.9, False, 0.0)] * 4  # the model's additions
    assert lower_bound(110, 114, z=0) > 0.95 and pick_threshold(
        rules_hits + model_hits, 0.95, z=0) == 0.5  # fmt: skip
    counted = [(0.1, True, 0.98)] * 100 + model_hits  # 2 of the 100 are errors too
    assert lower_bound(108, 114, z=0) < 0.95 and pick_threshold(counted, 0.95, z=0) == 0.93
    assert pick_threshold([(0.1, True, 0.98)] * 100, 0.95, z=0) == 0.5  # the rules alone pass


def test_calibrated_counts_the_rules_errors_on_taught_examples_only():
    ads = [(fold(f"buy cheap pills now {i}"), True) for i in range(30)]
    ok = [(fold(f"see you at the meetup {i}"), False) for i in range(30)]
    taught = [(fold(f"call 07700900{i:03d} for a prize"), True) for i in range(10)]
    plain = calibrated(ads + ok + taught, precision=0.95, taught_from=60)
    counted = calibrated(ads + ok + taught, precision=0.95, taught_from=60, rules_precision=0.5)
    assert plain.trained_on["threshold"]["rules_precision"] == 1.0
    assert counted.trained_on["threshold"]["rules_precision"] == 0.5
    assert plain.weights == counted.weights  # the same model; only its threshold may differ
    assert plain.threshold < OFF and counted.threshold == OFF  # 5 wrong in 70: not precise
