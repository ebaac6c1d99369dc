"""How alike two questions are, in Chinese and in English (P-ENG-3: a repeated question gets
the answer already given).

Chinese has no spaces, so words cannot be split off without a dictionary; character pairs
(bigrams) carry most of a short question's meaning ("怎么报名" → 怎么, 么报, 报名) and are the
usual unit for matching Chinese without one. English and other spaced text is compared by
lower-cased words. Question particles and filler words are dropped on both sides, so
"请问怎么报名？" and "怎么报名呢" are the same question. The score is Dice's coefficient over
these tokens (0: nothing shared, 1: the same).

The store finds the candidates with its full-text index (SQLite FTS5 trigram, PostgreSQL
pg_trgm, ``store/qa.py``) from :func:`search_terms`; this module only ranks them.
"""

from __future__ import annotations

import re

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[^\W_]+", re.UNICODE)
_IS_CJK = re.compile(rf"[{_CJK}]")
_FILLER_ZH = re.compile(r"请问|大家|有人知道|有谁知道|一下|的|了|[吗呢么嘛啊吧呀]+$")
_STOP_EN = frozenset({
    "a", "an", "the", "is", "are", "was", "were", "do", "does", "did", "i", "you", "we", "it",
    "to", "of", "in", "on", "for", "and", "or", "can", "could", "anyone", "someone", "please",
    "how", "what", "why", "when", "where", "who", "which", "there", "this", "that", "be", "my",
    "me", "any", "know",
})  # fmt: skip


def tokens(text: str) -> frozenset[str]:
    """The question's tokens: Chinese character pairs (a lone character stands alone) and
    lower-cased words of two or more letters, fillers and question words removed."""
    out: set[str] = set()
    for run in _RUN.findall(text.lower()):
        if _IS_CJK.match(run):
            core = _FILLER_ZH.sub(" ", run)
            for part in core.split():
                out.update(part[i : i + 2] for i in range(max(1, len(part) - 1)))
        elif len(run) >= 2 and run not in _STOP_EN:
            out.add(run)
    return frozenset(out)


def similarity(a: str, b: str) -> float:
    """Dice's coefficient over :func:`tokens`: 1.0 for the same question however phrased
    with fillers, 0.0 when nothing is shared."""
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return 0.0
    return 2 * len(ta & tb) / (len(ta) + len(tb))


def search_terms(text: str, limit: int = 24) -> list[str]:
    """Substrings a full-text trigram index can look up for ``text``: each Chinese run's
    three-character windows (a shorter run whole), and each word of three or more letters.
    A candidate shares at least one of them; :func:`similarity` then ranks."""
    terms: list[str] = []
    for run in _RUN.findall(text.lower()):
        if _IS_CJK.match(run):
            for part in _FILLER_ZH.sub(" ", run).split():
                grams = [part[i : i + 3] for i in range(max(1, len(part) - 2))]
                terms += grams if len(part) >= 2 else []
        elif len(run) >= 3 and run not in _STOP_EN:
            terms.append(run)
    return list(dict.fromkeys(terms))[:limit]


__all__ = ["search_terms", "similarity", "tokens"]
