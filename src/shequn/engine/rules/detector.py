"""The advert detector as the rules use it: the hand-written signals, plus a model if any.

A message advertises when the rules' score reaches their threshold, or when a community's
model (trained on its own labels, ``shequn rules train``) reaches its own. Either way the
verdict lists the rule signals and, for the model, the n-grams that weighed most; its score
is the larger of the rules' score and the model's probability scaled to the rules' threshold,
so one number orders messages whichever part fired.
"""

from __future__ import annotations

from shequn.engine.rules.advert import DEFAULT_THRESHOLD, RULE
from shequn.engine.rules.linear import LinearModel
from shequn.engine.rules.normalize import fold
from shequn.engine.rules.verdict import Verdict


def detect_advert(
    raw: str, *, threshold: float = DEFAULT_THRESHOLD, model: LinearModel | None = None
) -> Verdict:
    """Is ``raw`` an advert? The verdict carries every signal and the model's say."""
    folded = fold(raw)
    if model is None:
        from shequn.engine.rules.advert import signals

        evidence = signals(folded)
        score = sum(e.weight for e in evidence)
        return Verdict(RULE, score >= threshold, score, tuple(evidence))
    p, evidence = model.probability(folded)
    rules = sum(e.weight for e in evidence if e.signal != "model")
    scaled = threshold * p / model.threshold
    hit = rules >= threshold or p >= model.threshold
    return Verdict(RULE, hit, max(rules, scaled), tuple(evidence))
