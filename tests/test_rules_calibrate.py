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
    assert model.trained_on["threshold"] == {"precision": 0.95, "folds": 3, "z": 1.0,
                                             "chosen": model.threshold,
                                             "judged": len(examples)}  # fmt: skip
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
