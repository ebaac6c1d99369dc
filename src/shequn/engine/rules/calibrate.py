"""The model's threshold, chosen for precision on the training data alone.

A false positive mutes an innocent member (issue 16's goal: precision ≥ 0.95), and a model
used *with* the rules (a message advertises when either says so) adds the model's false
positives to the rules'. So the model's threshold is not a fixed 0.7: :func:`calibrated`
trains on all the examples, then scores each example with a model trained on the *other*
folds (k-fold, out of fold) and keeps the lowest threshold of :data:`GRID` at which rules-or-
model reach the target precision there. Nothing but the training examples is looked at — the
threshold is learned like the weights, not tuned on a test set.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

from shequn.engine.rules.advert import DEFAULT_THRESHOLD as RULES_THRESHOLD
from shequn.engine.rules.linear import LinearModel, train
from shequn.engine.rules.normalize import Folded

TARGET_PRECISION = 0.95
"""Issue 16's goal for the detector, rules and model together."""
GRID = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99)
FOLDS = 3

Scored = tuple[float, bool, bool]
"""One out-of-fold example: the model's probability, did the rules hit, is it an advert."""


def calibrated(
    examples: Iterable[tuple[Folded, bool]],
    *,
    precision: float = TARGET_PRECISION,
    folds: int = FOLDS,
    rules_threshold: float = RULES_THRESHOLD,
    seed: int = 0,
    **kw: Any,
) -> LinearModel:
    """A model trained on ``examples`` whose threshold reaches ``precision`` out of fold."""
    rows = list(examples)
    model = train(rows, seed=seed, **kw)
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)  # noqa: S311 -- a fold split, not a secret
    scored: list[Scored] = []
    for k in range(folds if len(rows) >= 2 * folds else 0):
        held = set(order[k::folds])
        part = train([r for i, r in enumerate(rows) if i not in held], seed=seed, **kw)
        for i in sorted(held):
            folded, label = rows[i]
            p, evidence = part.probability(folded)
            rules = sum(e.weight for e in evidence if e.signal != "model")
            scored.append((p, rules >= rules_threshold, label))
    if scored:
        model.threshold = pick_threshold(scored, precision)
    model.trained_on["threshold"] = {"precision": precision, "folds": folds,
                                     "chosen": model.threshold}  # fmt: skip
    return model


def pick_threshold(scored: Sequence[Scored], precision: float) -> float:
    """The lowest threshold of :data:`GRID` at which rules-or-model reach ``precision`` on
    ``scored`` (the highest when none does: the model then adds only what it is surest of)."""
    for t in GRID:
        tp = sum(1 for p, rules, y in scored if (rules or p >= t) and y)
        fp = sum(1 for p, rules, y in scored if (rules or p >= t) and not y)
        if tp + fp and tp / (tp + fp) >= precision:
            return t
    return GRID[-1]
