"""The model's threshold is chosen for precision on the training examples alone (out of
fold): the lowest threshold at which rules-or-model are precise enough there."""

from __future__ import annotations

from shequn.engine.rules.calibrate import GRID, calibrated, pick_threshold
from shequn.engine.rules.linear import LinearModel
from shequn.engine.rules.normalize import fold


def test_the_lowest_threshold_precise_enough():
    # (model probability, rules hit, is an advert)
    scored = [(0.95, False, True), (0.9, False, True), (0.62, False, False),
              (0.58, False, True), (0.1, True, True), (0.2, False, False)]  # fmt: skip
    assert pick_threshold(scored, 0.75) == 0.5  # 4 of 5 hits right at 0.5
    assert pick_threshold(scored, 0.8) == 0.5
    assert pick_threshold(scored, 0.9) == 0.65  # the false positive at 0.62 left out
    assert pick_threshold([(0.99, True, False)], 0.95) == GRID[-1]  # none precise enough


def test_a_calibrated_model_keeps_its_threshold_and_where_it_came_from():
    ads = [f"cheap pills buy now deal {i}" for i in range(20)]
    ok = [f"see you at the meetup {i}" for i in range(20)] + ["buy the book at the meetup"]
    examples = [(fold(t), True) for t in ads] + [(fold(t), False) for t in ok]
    model = calibrated(examples, precision=0.95, bits=12, trained_on={"file": "x.jsonl"})
    assert model.threshold in GRID
    assert model.trained_on["threshold"] == {"precision": 0.95, "folds": 3,
                                             "chosen": model.threshold}  # fmt: skip
    again = LinearModel.from_json(model.to_json())
    assert (again.threshold, again.trained_on["file"]) == (model.threshold, "x.jsonl")
