"""The advert detector as the rules use it: the hand-written signals, plus a model if any.

A message advertises when the rules' score reaches their threshold, or when a community's
model (trained on its own labels, ``shequn rules train``) reaches its own. Either way the
verdict lists the rule signals and, for the model, the features that weighed most; its score
is the larger of the rules' score and the model's probability scaled to the rules' threshold,
so one number orders messages whichever part fired. The message is folded once and the rules
run once: the model takes their signals as features (``linear.features``). The model runs only
when it can change the verdict — when the rules alone do not already call the message an
advert (the hit is the same either way; a message the rules flag is explained, and scored, by
the rules alone). On a live group, where most messages are neither, that saves little; it
saves the model's time on every advert the rules catch.
"""

from __future__ import annotations

from shequn.engine.rules.advert import DEFAULT_THRESHOLD, RULE, signals
from shequn.engine.rules.linear import OFF, LinearModel
from shequn.engine.rules.normalize import Folded, fold
from shequn.engine.rules.verdict import Verdict


def detect_folded(
    folded: Folded, *, threshold: float = DEFAULT_THRESHOLD, model: LinearModel | None = None
) -> Verdict:
    """Is the (already folded) message an advert? For callers that fold it for other rules."""
    evidence = signals(folded)
    rules = sum(e.weight for e in evidence)
    if model is None or rules >= threshold or model.threshold >= OFF:  # it could not change it
        return Verdict(RULE, rules >= threshold, rules, tuple(evidence))
    p, evidence = model.probability(folded, evidence)
    hit = p >= model.threshold
    return Verdict(RULE, hit, max(rules, threshold * p / model.threshold), tuple(evidence))


def detect_advert(
    raw: str, *, threshold: float = DEFAULT_THRESHOLD, model: LinearModel | None = None
) -> Verdict:
    """Is ``raw`` an advert? The verdict carries every signal and the model's say."""
    return detect_folded(fold(raw), threshold=threshold, model=model)
