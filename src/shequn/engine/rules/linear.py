"""The learned advert model: logistic regression over words and character pairs, by name.

Pure Python at run time — no numpy — so a community's detector runs wherever shequn runs,
and fast enough for a live group (issue 16: 20,000 messages/s on one core, rules included).
Features (format 2, :func:`grams`) are the words of the folded text and, for Chinese, its
character pairs, repeats counted, plus one feature per rule signal that fired, so the model
learns how much to trust the hand-written rules on this community's messages. Weights are
kept by name, not hashed: a model knows only the tokens of its training messages (a few tens
of thousands), one dictionary lookup each, and a token it never saw weighs nothing.

Format 1 (CRC-32-hashed character 1–3-grams, ~100 a message) spent 60 µs a message building
and looking up n-gram strings; format 2 has ~25 and, measured on held-out rows of the training
half, the same precision and recall. A format-1 file is refused with a message to retrain.

Training (:func:`train`) is plain stochastic gradient descent with L2 on those sparse
features: a few thousand labelled lines train in seconds. A model file is JSON: the non-zero
weights, the settings, and what it was trained on (a community must know, and a model shipped
with shequn may only learn from data whose licence allows it).
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

from shequn.engine.rules.advert import signals
from shequn.engine.rules.normalize import Folded
from shequn.engine.rules.verdict import Evidence
from shequn.errors import InputFormatError
from shequn.model.i18n import N_, Said, told

DEFAULT_THRESHOLD = 0.7
"""Probability at which the model alone calls a message an advert."""
OFF = 1.0
"""A threshold no probability reaches (``probability`` is below 1 - 1e-13): the model is
switched off and the rules alone decide — what calibration chooses when no threshold is
precise enough."""
FORMAT = "shequn-advert-linear/2"
_RETIRED = {
    "shequn-advert-linear/1": N_(
        "its features (hashed character 1-3-grams) are no longer "
        "computed; retrain it with `shequn rules train` (the same labels will do)"
    )
}
_WORDS = re.compile("[a-z0-9@+]+")


def grams(folded: Folded) -> list[str]:
    """The tokens the model looks at, repeats kept: the words of the folded text (letters,
    digits, ``@``, ``+``; one regular expression, in C) and, when it has Chinese (no word
    boundaries), its character pairs — spaces collapsed, punctuation and digits kept, which
    told news from adverts better than Chinese characters alone. About 25 a message where the
    1–3-grams of format 1 made 100: the lookups are what costs."""
    out = _WORDS.findall(folded.text)
    if not folded.compact.isascii():  # the compact view keeps only ASCII and CJK
        s = " ".join(folded.text.split())
        out += [s[i : i + 2] for i in range(len(s) - 1)]
    return out


def features(folded: Folded, evidence: Sequence[Evidence]) -> list[str]:
    """The model's features by name: :func:`grams` plus one per rule signal that fired
    (``"\\x00wechat"``: a name no n-gram can have)."""
    keys = grams(folded)
    keys += sorted({"\x00" + e.signal for e in evidence})
    return keys


@dataclass(slots=True)
class LinearModel:
    """Weights by feature name, the bias, the threshold and where the training data came from."""

    weights: dict[str, float]
    bias: float = 0.0
    threshold: float = DEFAULT_THRESHOLD
    trained_on: dict[str, Any] = field(default_factory=dict)
    rule_features: bool = True
    """Whether the rule signals are features too (:func:`features`) or the words alone
    (:func:`grams`): a model the rules taught (``selftrain``) must not learn the rules back."""

    def probability(
        self, folded: Folded, evidence: Sequence[Evidence] | None = None
    ) -> tuple[float, list[Evidence]]:
        """P(advert) and the evidence: the rule signals (``evidence`` when the caller already
        has them, so the rules run once) plus the n-grams that weighed most."""
        found = signals(folded) if evidence is None else list(evidence)
        keys = features(folded, found) if self.rule_features else grams(folded)
        weights = list(map(self.weights.get, keys, repeat(0.0)))  # C speed: map over dict.get
        z = self.bias + sum(weights)
        p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        if p >= self.threshold:  # the three heaviest distinct features, as evidence
            by_key = dict(zip(keys, weights, strict=True))
            top = sorted(by_key, key=by_key.__getitem__, reverse=True)[:3]  # sorts in C
            found += (Evidence("model", k.lstrip("\x00"), by_key[k]) for k in top if by_key[k] > 0)
        return p, found

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "bias": self.bias,
                "threshold": self.threshold,
                "trained_on": self.trained_on,
                "rule_features": self.rule_features,
                "weights": {k: round(v, 5) for k, v in sorted(self.weights.items()) if v},
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str, *, path: str = "<model>") -> LinearModel:
        try:
            data = json.loads(text)
            fmt = data.get("format")
            if fmt in _RETIRED:
                raise ValueError(
                    Said("format {fmt} is no longer read: {why}", fmt=fmt, why=Said(_RETIRED[fmt]))
                )
            if fmt != FORMAT:
                raise ValueError(Said("not a {format} model", format=FORMAT))
            return cls(
                weights={str(k): float(v) for k, v in data["weights"].items()},
                bias=float(data["bias"]),
                threshold=float(data["threshold"]),
                trained_on=dict(data.get("trained_on", {})),
                rule_features=bool(data.get("rule_features", True)),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise InputFormatError(path, 1, Said("bad advert model: {error}", error=told(e))) from e

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        return cls.from_json(path.read_text(encoding="utf-8"), path=str(path))


def train(
    examples: Iterable[tuple[Folded, bool]],
    *,
    epochs: int = 8,
    rate: float = 0.2,
    l2: float = 1e-5,
    seed: int = 0,
    trained_on: dict[str, Any] | None = None,
    rule_features: bool = True,
    sample_weights: Sequence[float] | None = None,
) -> LinearModel:
    """Fit a model on (folded text, is advert) pairs; deterministic for a given ``seed``.
    ``rule_features`` False: the words alone (see :attr:`LinearModel.rule_features`).
    ``sample_weights``, one per example (1 when None), scale what each example teaches: a
    label from another community counts for less than this community's own messages."""
    pairs = list(examples)
    each = [1.0] * len(pairs) if sample_weights is None else list(sample_weights)
    rows: Sequence[tuple[list[str], float, float]] = [
        (features(f, signals(f)) if rule_features else grams(f), 1.0 if y else 0.0, w)
        for (f, y), w in zip(pairs, each, strict=True)
    ]
    weights: dict[str, float] = {}
    bias = 0.0
    order = list(range(len(rows)))
    rng = random.Random(seed)  # noqa: S311 -- a shuffle order, not a secret
    for epoch in range(epochs):
        rng.shuffle(order)
        step = rate / (1 + epoch)
        for i in order:
            feats, y, w_i = rows[i]
            z = bias + sum(weights.get(h, 0.0) for h in feats)
            g = (1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))) - y) * w_i
            bias -= step * g
            for h in feats:
                w = weights.get(h, 0.0)
                weights[h] = w - step * (g + l2 * w)
    info = {"examples": len(rows), "epochs": epochs, **(trained_on or {})}
    kept = {h: w for h, w in weights.items() if abs(w) > 1e-4}
    return LinearModel(kept, bias, trained_on=info, rule_features=rule_features)
