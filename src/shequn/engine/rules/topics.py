"""Banned topics (P-RUL-1; 004: no politics, no religion) with wildcards.

A pattern is a word or phrase with ``*`` (any run: up to 4 characters in Chinese, the rest
of the word in English) and ``?`` (one character). English patterns match on word boundaries
in the folded text (``polit*`` catches "politics", not "impolite"); Chinese ones match in the
``compact`` view, so spaces, symbols, traditional characters and full-width forms between the
characters do not hide a word. A topic name shequn knows (``politics``, ``religion``, or
their Chinese names) stands for its word list, so ``culture.banned_topics = ["politics"]``
works as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from shequn.engine.rules.normalize import Folded, fold_text
from shequn.engine.rules.verdict import Evidence, Verdict

RULE = "banned_topic"

TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "politics": (
        "政治", "政府", "共产党", "国民党", "总书记", "国家主席", "领导人", "选举", "台独", "藏独",
        "六四", "游行", "示威", "政权", "反共", "民主运动", "politic*", "election*",
        "government*", "president*", "democrat*", "republican*", "parliament*", "protest*",
        "communis*",
    ),
    "religion": (
        "宗教", "佛教", "基督", "耶稣", "上帝", "伊斯兰", "真主", "传教", "信教", "教会", "法轮",
        "religio*", "church*", "jesus", "allah", "bible", "quran", "koran", "mosque*",
        "missionar*", "pray*", "gospel*",
    ),
}  # fmt: skip
_ALIASES = {"政治": "politics", "宗教": "religion"}


@dataclass(frozen=True, slots=True)
class Matcher:
    """Compiled patterns: one regex for English on ``text``, one for Chinese on ``compact``."""

    en: re.Pattern[str] | None
    zh: re.Pattern[str] | None


def expand(entries: Iterable[str]) -> list[str]:
    """Topic names replaced by their word lists; other entries are patterns already."""
    out: list[str] = []
    for entry in entries:
        name = _ALIASES.get(entry.strip(), entry.strip().lower())
        out.extend(TOPIC_WORDS.get(name, (entry,)))
    return out


def _regex(pattern: str, cjk: bool) -> str:
    body = "".join(
        (r"\w{0,4}?" if cjk else r"\w*") if c == "*" else (r"\w" if c == "?" else re.escape(c))
        for c in pattern
    )
    return body if cjk else rf"\b{body}\b"


@cache
def compile_patterns(patterns: tuple[str, ...]) -> Matcher:
    """The matcher for ``patterns`` (already expanded), cached by the exact tuple."""
    en: list[str] = []
    zh: list[str] = []
    for raw in patterns:
        folded = fold_text(raw)
        cjk = not folded.replace("*", "").replace("?", "").isascii()
        if cjk:
            folded = re.sub(r"[^\w*?]+", "", folded)
        (zh if cjk else en).append(_regex(folded, cjk))
    return Matcher(
        re.compile("|".join(en)) if en else None, re.compile("|".join(zh)) if zh else None
    )


def topic_verdict(folded: Folded, patterns: tuple[str, ...]) -> Verdict:
    """Does the message touch a banned topic? Evidence: every word that matched."""
    m = compile_patterns(patterns)
    hits: dict[str, None] = {}
    if m.en is not None:
        hits.update(dict.fromkeys(x.group() for x in m.en.finditer(folded.text)))
    if m.zh is not None:
        hits.update(dict.fromkeys(x.group() for x in m.zh.finditer(folded.compact)))
    evidence = tuple(Evidence("topic", h) for h in hits)
    return Verdict(RULE, bool(hits), float(len(hits)), evidence)
