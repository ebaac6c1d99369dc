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


def has_link(text: str) -> bool:
    """Contains an http(s) or www. URL."""
    # A substring test first: most messages have no link, and it is far cheaper than the regex.
    if "://" not in text and "www." not in text.lower():
        return False
    return bool(_URL.search(text))


def first_link(text: str) -> str | None:
    m = _URL.search(text)
    return m.group(0) if m else None


def is_question(text: str) -> bool:
    """Ends with ? or ？, ends with a Chinese question particle (吗 呢 么 嘛 没有), or starts
    with a question word (how/what/why…, 请问/怎么/为什么/如何/有没有…)."""
    text = text.strip()
    if not text:
        return False
    # Only the last few characters can end a question and only the first few start one:
    # look there instead of letting the regexes scan the whole message.
    return bool(_QUESTION_END.search(text[-16:]) or _QUESTION_START.match(text[:40]))


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
