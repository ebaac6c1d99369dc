"""Reading meaning off message text, the same way for every importer and live connector.

Exports tell us what was said, not what it was: a question, a link share. These small,
documented heuristics decide, so every platform's messages are measured alike (P-MEA-5:
questions and links count as valuable talk). It lives in ``model`` so the importers and the
connectors (which may import ``model`` only) share one mapping, not two copies.
"""

from __future__ import annotations

import re
from typing import Any

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_QUESTION_END = re.compile(r"(?:[?？]|吗|呢|么|嘛|没有)[\s。！!~～]*$")
_QUESTION_START = re.compile(
    r"\s*(?:(?:how|what|why|when|where|who|which|can|could|does|should|anyone)\b"
    r"|请问|怎么|为什么|如何|有没有|谁|哪|什么|是否)",
    re.IGNORECASE,
)
# Inside a message (each clause of a short one): chat asks mid-message and leaves out the "?".
_CLAUSES = re.compile(r"(?<=[?？。！!.…\n])|[,，;；]")
_ASKS_EN = re.compile(
    r"(?:(?:hi|hey|oh|ok|okay|k|so|and|but|then|also|aight|hmm+|yeah|yes|no|well|lol|haha"
    r"|dear|baby|babe|morning|anyway|@\S+)\b[\s,.!:~]*)*"  # fillers first: "hey, ok so …"
    r"(?:(?:how|what|why|when|where|who|which|can|could|does|should|anyone|wat|wats|whats"
    r"|hows|wheres|whos|what's|how's|where's|who's)\b"
    r"|(?:are|is|do|did|will|would|shall|have|has|r|was|were|am)\s+"
    r"(?:you|u|ü|ur|your|we|i|he|she|it|they|there|this|that|anyone|any)\b"
    r"|(?:do\s+)?(?:you|u)\s+know\s+(?:how|what|wat|where|when|who|if|whether)\b)",
    re.IGNORECASE,
)
_ASKS_ZH = re.compile(
    r"啥|咋|是不是|可不可以|能不能|要不要|会不会|行不行|对不对|好不好|几点|在哪|什么情况"
)
_ANY_ONE = re.compile(r"(?:什么|谁|哪\S?)\S{0,4}?[都也]")  # 什么都/谁也: "any", not a question
_MAYBE_ZH = re.compile(r"[?？吗呢么嘛啥咋不谁哪否何问点没]")
"""The first characters of everything a Chinese clause asks with: a message with none of them
is let go at once (a character set is the cheapest scan ``re`` has)."""
_ENDS = frozenset("?？吗呢么嘛有。！!~～")
"""The characters :data:`_QUESTION_END` can end on (whitespace aside, which a stripped text
does not end with): a text ending otherwise skips that search."""
_STARTS = frozenset("hwcdsaHWCDSAſ请怎为如有谁哪什是")
"""The characters :data:`_QUESTION_START` can begin with in a stripped text (its words'
first letters in either case, with ``ſ``, which ``re.IGNORECASE`` folds to ``s``):
``tests/test_qa_detector.py`` checks both sets against the regexes over all of Unicode."""
_HANDLE = re.compile(r"@\w{4}")
_PHONE = re.compile(r"\d{5}")
_CLAUSED = 200
"""Longer messages are judged by their ends only: in chat they are nearly always adverts."""


def has_link(text: str) -> bool:
    """Contains an http(s) or www. URL."""
    # Substring tests first: most messages have no link, and they are far cheaper than the
    # regex; a text without a "." has no "www." in any case, so it is not lowered at all.
    if "://" not in text and ("." not in text or "www." not in text.lower()):
        return False
    return bool(_URL.search(text))


def first_link(text: str) -> str | None:
    m = _URL.search(text)
    return m.group(0) if m else None


def is_question(text: str) -> bool:
    """Asks something (P-ENG-3, P-MEA-5): the message ends with ? or ？ or a Chinese question
    particle (吗 呢 么 嘛 没有), or starts with a question word (how/what/why…,
    请问/怎么/为什么/如何/有没有…); or, in a message of up to 200 characters with no contact in
    it (a link, an @handle after the start, a phone number: an advert's question is a pitch),
    one of its clauses does — or, past a filler ("hey", "ok so", an @mention), starts like an
    English question ("are you", "did u", "wats", "u know how") or holds a Chinese interrogative
    (啥 咋 是不是 能不能 要不要 几点 在哪…). "什么都"/"谁也" (any, every) and a clause ending in
    "!" ask nothing. Measured on real chat: ``benchmarks/qa_detector.py``."""
    text = text.strip()
    if not text:
        return False
    # Only the last few characters can end a question and only the first few start one:
    # look there instead of letting the regexes scan the whole message, and only when the
    # last or first character can be part of it (most messages: neither).
    if text[-1] in _ENDS and _QUESTION_END.search(text[-16:]):
        return True
    if text[0] in _STARTS and _QUESTION_START.match(text[:40]) and not _ANY_ONE.match(text[:8]):
        return True
    if len(text) > _CLAUSED:
        return False
    # The contact test last among the cheap ones: a Chinese message with none of the
    # characters a clause asks with is let go before it.
    marked = "?" in text or "？" in text
    if not marked and not text.isascii() and not _MAYBE_ZH.search(text):
        return False
    if _contact(text):
        return False
    return marked or any(_asks(c.strip()) for c in _CLAUSES.split(text))


def _contact(text: str) -> bool:
    """A link, an @handle after the start or a phone number: how an advert says "call me"."""
    return (
        "://" in text
        or "www." in text
        or "t.me/" in text
        or ("@" in text[1:] and _HANDLE.search(text, 1) is not None)
        or _PHONE.search(text) is not None
    )


def _asks(clause: str) -> bool:
    """One clause (no question mark in it) of a short message asks something."""
    if not clause:
        return False
    if clause.isascii():  # English: how it starts, past a filler
        return clause[-1] != "!" and _ASKS_EN.match(clause) is not None
    if _QUESTION_END.search(clause[-8:]):
        return True
    if clause[-1] in "!！" or _ANY_ONE.search(clause):
        return False
    return bool(_QUESTION_START.match(clause[:40]) or _ASKS_ZH.search(clause))


def message_data(
    text: str,
    *,
    has_media: bool = False,
    reply_to: str | None = None,
    mentions: list[str] | None = None,
    forwarded_from: str | None = None,
    actor_name: str | None = None,
    keep_text: bool = True,
) -> dict[str, Any]:
    """The ``data`` of a ``message.posted`` event, with only the keys that carry something."""
    data: dict[str, Any] = {"length": len(text)}
    if keep_text and text:
        data["text"] = text
    if has_link(text):
        data["has_link"] = True
    if has_media:
        data["has_media"] = True
    if is_question(text):
        data["is_question"] = True
    if reply_to is not None:
        data["reply_to"] = reply_to
    if mentions:
        data["mentions"] = mentions
    if forwarded_from:
        data["forwarded_from"] = forwarded_from
    if actor_name:
        data["actor_name"] = actor_name
    return data
