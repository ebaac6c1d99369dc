"""The learned advert model: logistic regression over hashed character n-grams.

Pure Python at run time — no numpy — so a community's detector runs wherever shequn runs.
Features are the character 1–3-grams of the folded text (``normalize.fold``; 1-grams only for
CJK, where one character carries meaning) hashed into ``2**bits`` buckets with CRC-32 (stable
across processes, unlike ``hash``), plus one feature per rule signal that fired, so the model
learns how much to trust the hand-written rules on this community's messages.

Training (:func:`train`) is plain stochastic gradient descent with L2 on those sparse binary
features: a few thousand labelled lines train in seconds. A model file is JSON: the non-zero
weights, the settings, and what it was trained on (a community must know, and a model shipped
with shequn may only learn from data whose licence allows it).
"""

from __future__ import annotations

import heapq
import json
import math
import random
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shequn.engine.rules.advert import signals
from shequn.engine.rules.normalize import Folded
from shequn.engine.rules.verdict import Evidence
from shequn.errors import InputFormatError

DEFAULT_BITS = 18
DEFAULT_THRESHOLD = 0.7
"""Probability at which the model alone calls a message an advert."""
_FORMAT = "shequn-advert-linear/1"


def grams(folded: Folded) -> set[str]:
    """The distinct character n-grams the model looks at (before hashing)."""
    s = " ".join(folded.text.split())
    out = {s[i : i + 2] for i in range(len(s) - 1)}
    out.update(s[i : i + 3] for i in range(len(s) - 2))
    out.update(filter("\u2e7f".__lt__, s))  # CJK unigrams
    return out


def _keys(folded: Folded) -> tuple[set[str], list[Evidence]]:
    """The features by name: the n-grams and one per rule signal that fired. Distinct names,
    not distinct buckets: two n-grams hashed into one bucket both count (in training too), so
    a weight can be looked up by name from a cache without hashing again."""
    evidence = signals(folded)
    keys = grams(folded)
    keys.update("\x00" + e.signal for e in evidence)
    return keys, evidence


def bucket(key: str, mask: int) -> int:
    return zlib.crc32(key.encode()) & mask


CACHE_LIMIT = 500_000
"""N-gram weights a model remembers (a few tens of MB at most): chat repeats its n-grams, so
after the first messages almost every weight is one dictionary lookup instead of a CRC-32."""


class _Weights(dict[str, float]):
    """Weight by n-gram name, filled on first sight from the hashed buckets (up to
    :data:`CACHE_LIMIT`): ``sum(map(cache.__getitem__, keys))`` then runs in C, misses and
    all — ``__missing__`` is only called for a name not seen yet."""

    __slots__ = ("buckets", "mask")

    def __init__(self, buckets: dict[int, float], bits: int) -> None:
        super().__init__()
        self.buckets, self.mask = buckets, (1 << bits) - 1

    def __missing__(self, key: str) -> float:
        weight = self.buckets.get(bucket(key, self.mask), 0.0)
        if len(self) < CACHE_LIMIT:
            self[key] = weight
        return weight


@dataclass(slots=True)
class LinearModel:
    """Weights by bucket, the bias, the settings and where the training data came from."""

    weights: dict[int, float]
    bias: float = 0.0
    bits: int = DEFAULT_BITS
    threshold: float = DEFAULT_THRESHOLD
    trained_on: dict[str, Any] = field(default_factory=dict)
    _cache: _Weights = field(init=False, repr=False, compare=False)
    """Weight by n-gram, filled as messages come (see :class:`_Weights`)."""

    def __post_init__(self) -> None:
        self._cache = _Weights(self.weights, self.bits)

    def probability(self, folded: Folded) -> tuple[float, list[Evidence]]:
        """P(advert) and the evidence: the rule signals plus the n-grams that weighed most."""
        keys, evidence = _keys(folded)
        cache = self._cache
        z = self.bias + sum(map(cache.__getitem__, keys))
        p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        if p >= self.threshold:  # the same three as sorting every (weight, n-gram) pair
            top = heapq.nlargest(3, zip(map(cache.__getitem__, keys), keys, strict=True))
            model = (Evidence("model", g.lstrip("\x00"), x) for x, g in top if x > 0)
            evidence = [*evidence, *model]
        return p, evidence

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": _FORMAT,
                "bits": self.bits,
                "bias": self.bias,
                "threshold": self.threshold,
                "trained_on": self.trained_on,
                "weights": {str(k): round(v, 5) for k, v in sorted(self.weights.items()) if v},
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str, *, path: str = "<model>") -> LinearModel:
        try:
            data = json.loads(text)
            if data.get("format") != _FORMAT:
                raise ValueError(f"not a {_FORMAT} model")
            return cls(
                weights={int(k): float(v) for k, v in data["weights"].items()},
                bias=float(data["bias"]),
                bits=int(data["bits"]),
                threshold=float(data["threshold"]),
                trained_on=dict(data.get("trained_on", {})),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise InputFormatError(path, 1, f"bad advert model: {e}") from e

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        return cls.from_json(path.read_text(encoding="utf-8"), path=str(path))


def train(
    examples: Iterable[tuple[Folded, bool]],
    *,
    bits: int = DEFAULT_BITS,
    epochs: int = 8,
    rate: float = 0.2,
    l2: float = 1e-5,
    seed: int = 0,
    trained_on: dict[str, Any] | None = None,
) -> LinearModel:
    """Fit a model on (folded text, is advert) pairs; deterministic for a given ``seed``."""
    mask = (1 << bits) - 1
    rows: Sequence[tuple[list[int], float]] = [
        ([bucket(k, mask) for k in _keys(f)[0]], 1.0 if y else 0.0) for f, y in examples
    ]
    weights: dict[int, float] = {}
    bias = 0.0
    order = list(range(len(rows)))
    rng = random.Random(seed)  # noqa: S311 -- a shuffle order, not a secret
    for epoch in range(epochs):
        rng.shuffle(order)
        step = rate / (1 + epoch)
        for i in order:
            feats, y = rows[i]
            z = bias + sum(weights.get(h, 0.0) for h in feats)
            g = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))) - y
            bias -= step * g
            for h in feats:
                w = weights.get(h, 0.0)
                weights[h] = w - step * (g + l2 * w)
    info = {"examples": len(rows), "epochs": epochs, **(trained_on or {})}
    return LinearModel(
        {h: w for h, w in weights.items() if abs(w) > 1e-4}, bias, bits, trained_on=info
    )
