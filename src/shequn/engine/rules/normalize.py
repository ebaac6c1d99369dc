"""Folding a message into the forms the detectors match on.

Spammers write around keyword lists: full-width letters (ＶＸ), traditional characters (賺錢),
symbols or spaces between characters (微-信, 加 V), look-alike letters (＋ѵ), digits spelt as
Chinese numerals or circled digits (①③⑧…). One pass folds all of that so each detector writes
its patterns once, against plain simplified lower-case text:

``text``     NFKC (full/half width, circled and styled digits), combining marks and
             zero-width characters removed, look-alikes folded, traditional → simplified,
             lower case. English words keep their spaces (matched on word boundaries).
``compact``  ``text`` with everything but letters, digits, CJK, ``@`` and ``+`` removed:
             微-信 → 微信.
``digits``   ``compact`` with runs of five or more numerals (一三八…, 壹贰叁…) as ASCII digits,
             so a phone number spelt in Chinese is still a phone number; short runs such as
             一起 are left alone.

Traditional → simplified uses OpenCC's character table (Apache-2.0, via
``opencc-python-reimplemented``), character by character: enough for matching, and a
``str.translate`` keeps it fast.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

_LOOKALIKES = {
    # Cyrillic and Greek letters that pass for Latin ones (ѵ in "+ѵ", а/е/о in "wеchat")
    "ѵ": "v",
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "х": "x",
    "у": "y",
    "к": "k",
    "м": "m",
    "т": "t",
    "в": "b",
    "н": "h",
    "і": "i",
    "ν": "v",
    "ο": "o",
    "α": "a",
    "ε": "e",
    "ⓥ": "v",
    "Ⓥ": "v",
    # rare Chinese characters that pass for common ones (岀 for 出, 徦 for 假, 硪 for 我…):
    # written to slip past keyword lists, hardly ever otherwise
    "岀": "出",
    "徦": "假",
    "硪": "我",
    "茴": "回",
    "呺": "号",
    "咔": "卡",
    "佰": "百",
    "菈": "拉",
    "潍": "微",
    "嶶": "微",
    "溦": "微",
    "莪": "我",
    "俳": "排",
    "恵": "惠",
}

NUMERALS = "零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖幺两"
_NUMERAL_VALUE = "0012345678912345678912"
_NUMERAL_RUN = re.compile(f"[0-9{NUMERALS}]{{5,}}")
_NUMERAL_TABLE = str.maketrans(NUMERALS, _NUMERAL_VALUE)
_NOT_WORD = re.compile(r"[^0-9a-z@+\u3400-\u9fff]+")
_DROP = frozenset(("Mn", "Me", "Cf"))


@cache
def _table() -> dict[int, str | None]:
    """One ``str.translate`` table: drop combining marks and format characters (Mn, Me, Cf:
    "飞͟机", zero-width joiners), fold look-alikes and OpenCC's traditional → simplified
    characters (first reading). Built once, on first use."""
    table: dict[int, str | None] = {
        cp: None
        for cp in (*range(0x80, 0x30000), *range(0xE0000, 0xE1000))
        if unicodedata.category(chr(cp)) in _DROP
    }
    table.update({ord(k): v for k, v in _LOOKALIKES.items()})
    source = resources.files("opencc") / "dictionary" / "TSCharacters.txt"
    for line in source.read_text(encoding="utf-8").splitlines():
        trad, _, simp = line.partition("\t")
        if len(trad) == 1 and simp:
            table.setdefault(ord(trad), simp.split(" ")[0])
    return table


@dataclass(frozen=True, slots=True)
class Folded:
    """The three views of one message (see the module docstring)."""

    text: str
    compact: str
    digits: str


def fold_text(raw: str) -> str:
    """The ``text`` view: width, marks, look-alikes, script and case folded."""
    s = unicodedata.normalize("NFKC", raw)
    if not s.isascii():
        s = s.translate(_table())
    return s.lower()


def fold(raw: str) -> Folded:
    """All three views of ``raw``."""
    text = fold_text(raw)
    compact = _NOT_WORD.sub("", text)
    digits = _NUMERAL_RUN.sub(lambda m: m.group().translate(_NUMERAL_TABLE), compact)
    return Folded(text, compact, digits)
