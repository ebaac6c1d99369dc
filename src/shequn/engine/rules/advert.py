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


Member = tuple[str, re.Pattern[str], float, tuple[re.Pattern[str], ...]]
"""One pattern of a group: its signal, the pattern, its weight and its further gates."""
Group = tuple[str, re.Pattern[str] | None, tuple[Member, ...]]
"""Patterns in a row on one view behind the same first gate (a digit): the view is read and
the gate searched once for all of them."""


@dataclass(frozen=True, slots=True)
class _Compiled:
    groups: tuple[Group, ...]
    zh: re.Pattern[str]
    en: re.Pattern[str]


def _grouped(
    patterns: tuple[tuple[str, str, str, float, tuple[str, ...]], ...],
) -> tuple[Group, ...]:
    """``advert_terms.PATTERNS`` compiled and grouped, in their order (the evidence's order)."""
    out: list[tuple[str, str | None, list[Member]]] = []
    for signal, view, pattern, weight, gates in patterns:
        first = gates[0] if gates else None
        member = (signal, re.compile(pattern), weight, tuple(re.compile(g) for g in gates[1:]))
        if out and out[-1][:2] == (view, first):
            out[-1][2].append(member)
        else:
            out.append((view, first, [member]))
    return tuple((v, None if g is None else re.compile(g), tuple(m)) for v, g, m in out)


Trie = dict[str, "Trie"]


def _alternation(words: dict[str, float]) -> str:
    """The words as one regular expression that matches the longest word at a position, like
    ``longest|long|lo`` but written as a trie (``lo(?:ng(?:est)?)?``): ``re`` tries each
    branch of a flat alternation in turn, a trie shares the prefixes — half the time on chat."""
    trie: Trie = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here
    return _branches(trie)


def _branches(node: Trie) -> str:
    arms = [re.escape(ch) + _branches(child) for ch, child in sorted(node.items()) if ch]
    if not arms:
        return ""
    body = arms[0] if len(arms) == 1 else f"(?:{'|'.join(arms)})"
    if "" not in node:
        return body
    return f"(?:{body})?" if len(arms) == 1 else f"{body}?"  # greedy: the longer word first


@cache
def _compiled() -> _Compiled:
    return _Compiled(
        groups=_grouped(PATTERNS),
        zh=re.compile(_alternation(ZH_WORDS)),
        en=re.compile(rf"(?<![\w&])(?:{_alternation(EN_WORDS)})(?![\w&])"),
    )


_LATIN = re.compile("[a-z]")
ONCE = frozenset({"repeated"})
"""Signals that count once however often they match (a repeated piece, then another)."""


def signals(folded: Folded) -> list[Evidence]:
    """Every distinct signal the rules see in one folded message."""
    c = _compiled()
    found: dict[tuple[str, str], float] = {}
    for view, gate, members in c.groups:
        text = getattr(folded, view)
        if gate is not None and gate.search(text) is None:
            continue
        for signal, pattern, weight, more in members:
            if more and any(g.search(text) is None for g in more):
                continue
            for m in pattern.finditer(text):
                key = (signal, m.group())
                found[key] = max(found.get(key, 0.0), weight)
                if signal in ONCE:
                    break
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
