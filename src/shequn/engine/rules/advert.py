"""The advert detector (P-RUL-1): contact details and promotion words, zh and en.

Pure: folded text in (``normalize.fold``), a :class:`Verdict` out whose evidence names every
signal that fired and its weight. The score is the sum of the weights of the distinct hits; a
message advertises at ``threshold`` or more. An optional learned model
(``linear.LinearModel``) adds its own evidence; see :func:`detect`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from shequn.engine.rules.advert_terms import EN_WORDS, PATTERNS, ZH_WORDS
from shequn.engine.rules.normalize import Folded, fold
from shequn.engine.rules.verdict import Evidence, Verdict

RULE = "advert"
DEFAULT_THRESHOLD = 0.8
"""Score at which the rules alone call a message an advert (``[rules.advert] threshold``)."""


@dataclass(frozen=True, slots=True)
class _Compiled:
    patterns: tuple[tuple[str, str, re.Pattern[str], float], ...]
    zh: re.Pattern[str]
    en: re.Pattern[str]


def _alternation(words: dict[str, float]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _compiled() -> _Compiled:
    return _Compiled(
        patterns=tuple((s, v, re.compile(p), w) for s, v, p, w in PATTERNS),
        zh=re.compile(_alternation(ZH_WORDS)),
        en=re.compile(rf"(?<![\w&])(?:{_alternation(EN_WORDS)})(?![\w&])"),
    )


_LATIN = re.compile("[a-z]")


def signals(folded: Folded) -> list[Evidence]:
    """Every distinct signal the rules see in one folded message."""
    c = _compiled()
    found: dict[tuple[str, str], float] = {}
    for signal, view, pattern, weight in c.patterns:
        for m in pattern.finditer(getattr(folded, view)):
            key = (signal, m.group())
            found[key] = max(found.get(key, 0.0), weight)
    if not folded.compact.isascii():
        for m in c.zh.finditer(folded.compact):
            found.setdefault(("promotion", m.group()), ZH_WORDS[m.group()])
    if _LATIN.search(folded.text):
        for m in c.en.finditer(folded.text):
            found.setdefault(("promotion", m.group()), EN_WORDS[m.group()])
    return [Evidence(signal, match, weight) for (signal, match), weight in found.items()]


def rule_verdict(raw: str, threshold: float = DEFAULT_THRESHOLD) -> Verdict:
    """The rules' verdict on ``raw`` text, without a model."""
    evidence = signals(fold(raw))
    score = sum(e.weight for e in evidence)
    return Verdict(RULE, score >= threshold, score, tuple(evidence))
