"""The line grammar of WhatsApp's "Export chat" text: headers, dates, system lines, media.

Pure functions on strings, no I/O, so every quirk is tested with plain values. The importer
(:mod:`shequn.ingest.whatsapp`) drives them. Sources for each fact are listed in that module's
docstring; what is here is what those sources show:

* a message starts with a header, ``12/31/23, 9:41 PM - `` (Android) or ``[31.12.23, 21:41:05] ``
  (iOS, always with seconds); the date layout, the clock and the separators follow the phone's
  locale; ``a.m.``/``p. m.`` and a NARROW NO-BREAK SPACE (U+202F) before AM/PM occur;
* lines may start with LEFT-TO-RIGHT MARK (U+200E); iOS puts one before media placeholders and
  before system text, which iOS attributes to the group (or to the actor) like a message;
* a line without a header continues the previous message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from shequn.ingest.whatsapp_locales import MARKS, is_deleted, is_media_placeholder
from shequn.model.i18n import Said

_SP = r"[ \u00a0\u202f]"
_DATE = r"(?P<d1>\d{1,4})(?P<sep>[./-])(?P<d2>\d{1,2})(?P=sep)(?P<d3>\d{1,4})\.?"
_TIME = (
    r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?"
    rf"(?:{_SP}?(?P<ampm>[AaPp]\.?{_SP}?[Mm]\.?))?"
)
_ANDROID = re.compile(rf"{_DATE},?{_SP}{_TIME}{_SP}-{_SP}(?P<rest>.*)")
_IOS = re.compile(rf"\[{_DATE},?{_SP}{_TIME}\]{_SP}(?P<rest>.*)")


@dataclass(frozen=True, slots=True)
class Header:
    """The timestamp of one line, as written, and what follows it."""

    parts: tuple[int, int, int]  # date components in file order
    year_first: bool
    hour: int
    minute: int
    second: int
    pm: bool | None  # None on a 24-hour clock
    rest: str
    bracketed: bool  # iOS layout


def parse_header(line: str) -> Header | None:
    """A header line's parts, or None for a continuation line."""
    line = line.lstrip(MARKS)
    bracketed = line.startswith("[")
    m = (_IOS if bracketed else _ANDROID).fullmatch(line)
    if m is None or (bracketed and m["s"] is None):
        return None
    d1, d2, d3 = m["d1"], m["d2"], m["d3"]
    year_first = len(d1) == 4
    if not year_first and len(d3) not in (2, 4):
        return None
    ampm = m["ampm"]
    pm = None if ampm is None else ampm.lower().startswith("p")
    hour, minute = int(m["h"]), int(m["mi"])
    if minute > 59 or hour > (12 if pm is not None else 23):
        return None
    return Header(
        parts=(int(d1), int(d2), int(d3)),
        year_first=year_first,
        hour=hour,
        minute=minute,
        second=int(m["s"] or 0),
        pm=pm,
        rest=m["rest"],
        bracketed=bracketed,
    )


def to_datetime(h: Header, day_first: bool) -> datetime | None:
    """The naive time of a header read with the given day/month order (None if impossible)."""
    a, b, c = h.parts
    if h.year_first:
        year, month, day = a, b, c
    else:
        day, month = (a, b) if day_first else (b, a)
        year = c + 2000 if c < 100 else c
    hour = h.hour
    if h.pm is not None:
        hour = hour % 12 + (12 if h.pm else 0)
    try:
        return datetime(year, month, day, hour, h.minute, h.second)
    except ValueError:
        return None


class DateOrder:
    """Gathers evidence for day/month order over a whole file, then decides once.

    A first date part above 12 can only be a day; a second part above 12 only a day. When no
    date says, the reading under which time never goes backwards wins; failing that, day first
    (most of the world's locales), and the note says it was a guess.
    """

    def __init__(self) -> None:
        self.max_first = self.max_second = 0
        self.example_first = self.example_second = ""
        self._prev: dict[bool, datetime | None] = {True: None, False: None}
        self.backwards = {True: 0, False: 0}
        self.headers = 0
        self.year_first = 0

    def feed(self, h: Header) -> None:
        self.headers += 1
        if h.year_first:
            self.year_first += 1
            return
        a, b, _ = h.parts
        shown = "/".join(str(p) for p in h.parts)
        if a > self.max_first:
            self.max_first, self.example_first = a, shown
        if b > self.max_second:
            self.max_second, self.example_second = b, shown
        for day_first in (True, False):
            at = to_datetime(h, day_first)
            prev = self._prev[day_first]
            if at is None:
                self.backwards[day_first] += 1
                continue
            if prev is not None and at < prev:
                self.backwards[day_first] += 1
            self._prev[day_first] = at

    def decide(self) -> tuple[bool, Said]:
        """(day_first, the sentence for ``ctx.note``)."""
        if self.headers == self.year_first:
            return True, Said("dates are year/month/day: no day/month order to decide")
        if self.max_first > 12 and self.max_second <= 12:
            return True, Said(
                "dates read as day/month/year: {example} has a first part above 12",
                example=self.example_first,
            )
        if self.max_second > 12 and self.max_first <= 12:
            return False, Said(
                "dates read as month/day/year: {example} has a second part above 12",
                example=self.example_second,
            )
        if self.max_first > 12:  # both above 12 somewhere: the file mixes layouts
            day_first = self.backwards[True] <= self.backwards[False]
            return day_first, Said(
                "dates contradict each other ({first} and {second}); read as {order}, which "
                "keeps more of them in order",
                first=self.example_first,
                second=self.example_second,
                order=_order(day_first),
            )
        if self.backwards[True] != self.backwards[False]:
            day_first = self.backwards[True] < self.backwards[False]
            return day_first, Said(
                "no date part above 12; read as {order} because only that keeps the messages "
                "in time order",
                order=_order(day_first),
            )
        return True, Said(
            "no date part above 12 and both readings keep the messages in order: read as "
            "day/month/year (the default); check the dates"
        )


def _order(day_first: bool) -> Said:
    return Said("day/month/year") if day_first else Said("month/day/year")


# --- authors and people -------------------------------------------------------------------

_PHONE = re.compile(r"\+?[\d\s()\-\u2011\u2010.\u00a0\u202f]{6,}")


def split_author(rest: str) -> tuple[str | None, str]:
    """``Name: text`` → (name, text); a system line has no author (None, whole text).

    A name never holds a quote, so ``X changed the subject from "a: b" …`` stays a system line.
    """
    name, sep, text = rest.partition(": ")
    if not sep and rest.endswith(":"):
        name, sep, text = rest[:-1], ":", ""
    if not sep or not name.strip(MARKS + " ") or any(q in name for q in '"“”'):
        return None, rest
    return name.strip(MARKS + " "), text


def person(shown: str) -> tuple[str, str]:
    """(identity id, display name) for a name or phone as the export shows it.

    Phones become ``+digits`` so ``+86 138-0013-8000`` and ``+8613800138000`` are one person; the
    ``~`` iOS puts before names not in the address book is dropped.
    """
    shown = shown.strip(MARKS + " ")
    if shown.startswith("~"):
        shown = shown[1:].strip(MARKS + " \u00a0\u202f")
    if _PHONE.fullmatch(shown):
        digits = re.sub(r"\D", "", shown)
        if len(digits) >= 6:
            return "+" + digits, shown
    return shown, shown


def is_you(name: str) -> bool:
    """The exporting phone's owner, whom system lines call "You" and never name."""
    return name.strip(MARKS + " ").lower() in ("you", "you're")


# --- message bodies -----------------------------------------------------------------------

_ATTACHED = re.compile(r"<\s*attached:\s*[^>]*>", re.IGNORECASE)
_OMITTED = re.compile(
    r"(?:<Media omitted>|(?:.*\s•\s\d+\s+pages?\s+)?"
    r"(?:image|video|audio|sticker|GIF|document|Contact card) omitted)",
    re.IGNORECASE,
)
_FILE_ATTACHED = re.compile(r"\S.*\.\w{1,5} \(file attached\)")
_DELETED = re.compile(r"(?:This message was deleted|You deleted this message)\.?")
_MENTION = re.compile(r"@[\u2068]?(\+?\d[\d\u2069]{5,})")


@dataclass(frozen=True, slots=True)
class Body:
    text: str  # what the author wrote, without media placeholders
    has_media: bool
    deleted: bool
    mentions: list[str]  # identity ids (phones) mentioned with @


def read_body(lines: list[str]) -> Body:
    """A message's lines → its text and flags (placeholders removed, @phones collected)."""
    kept: list[str] = []
    has_media = deleted = False
    for i, raw in enumerate(lines):
        line = raw.strip(MARKS)
        if i == 0 and (_DELETED.fullmatch(line.strip()) or is_deleted(line)):
            deleted = True
            continue
        if (
            _OMITTED.fullmatch(line.strip())
            or _FILE_ATTACHED.fullmatch(line.strip())
            or is_media_placeholder(line)
        ):
            has_media = True
            continue
        stripped = _ATTACHED.sub("", line)
        if stripped != line:
            has_media = True
            line = stripped.strip()
            if not line:
                continue
        kept.append(line)
    text = "\n".join(kept).strip()
    mentions = []
    for m in _MENTION.finditer(text):
        key = "+" + re.sub(r"\D", "", m.group(1))
        if key not in mentions:
            mentions.append(key)
    return Body(text, has_media, deleted, mentions)


# --- system lines (English) ---------------------------------------------------------------

_Q = r"[\"“”]"
_SYSTEM_TEXT: list[tuple[str, str]] = [
    (
        "renamed",
        rf"(?P<a>.+?) changed the (?:subject|group name) from {_Q}(?P<old>.*){_Q}"
        rf" to {_Q}(?P<new>.*){_Q}",
    ),
    ("renamed", rf"(?P<a>.+?) changed the (?:subject|group name) to {_Q}(?P<new>.*){_Q}"),
    (
        "joined_link",
        r"(?P<a>.+?) joined using (?:this group's|this community's|a group)"
        r" (?:invite )?link",
    ),
    ("joined", r"(?P<a>.+?) joined"),
    ("added", r"(?P<a>.+?) added (?P<b>.+)"),
    ("was_added", r"(?P<b>.+?) (?:was|were) added"),
    ("removed", r"(?P<a>.+?) removed (?P<b>.+)"),
    ("left", r"(?P<a>.+?) left"),
    (
        "encryption notice",
        r"Messages (?:and calls |(?:you send )?to this (?:group|chat) "
        r"(?:and calls )?)?(?:are|were) .*end-to-end encrypt.*",
    ),
    ("group created", r".+ created (?:group .+|this group)"),
    ("icon change", r".+ (?:changed|deleted) this group's icon"),
    ("description change", r".+ (?:changed|deleted) the group description.*"),
    ("settings change", r".+ changed (?:this group's|the group) settings.*"),
    (
        "admin change",
        r"You're (?:now|no longer) an admin|.+ (?:is now an admin"
        r"|was made an admin|is no longer an admin|was demoted)",
    ),
    ("phone number change", r".+ (?:changed their phone number.*|changed to .+)"),
    ("security code change", r".+ security code (?:with .+ )?changed.*"),
    ("missed call", r"Missed (?:group )?(?:voice|video) call.*"),
    ("disappearing messages", r".*disappearing messages.*"),
    ("pinned message", r".+ pinned a message"),
    ("invite link reset", r".+ (?:reset|revoked) this group's invite link"),
]
_SYSTEM = [(kind, re.compile(text)) for kind, text in _SYSTEM_TEXT]


@dataclass(frozen=True, slots=True)
class SystemLine:
    kind: str  # renamed, joined_link, joined, added, was_added, removed, left; else a category
    actor: str | None = None  # as shown; None when the line names nobody
    subjects: tuple[str, ...] = ()
    name: str | None = None  # new group name


_MAPPED = {"renamed", "joined_link", "joined", "added", "was_added", "removed", "left"}


def read_system(text: str) -> SystemLine | None:
    """What an (English) system line says, or None when no pattern knows it."""
    text = text.strip(MARKS + " ").rstrip(".")
    for kind, pattern in _SYSTEM:
        m = pattern.fullmatch(text)
        if m is None:
            continue
        if kind not in _MAPPED:
            return SystemLine(kind)
        groups = m.groupdict()
        subjects = tuple(_names(groups["b"])) if groups.get("b") else ()
        return SystemLine(kind, groups.get("a"), subjects, groups.get("new"))
    return None


def _names(listed: str) -> list[str]:
    """``Bob, Carol and Dave`` → the three names (strip " to this group" some versions add)."""
    listed = re.sub(r" (?:to|from) this group$", "", listed.strip(MARKS + " "))
    parts = re.split(r",\s*|\s+and\s+", listed)
    return [p.strip(MARKS + " ") for p in parts if p.strip(MARKS + " ")]


def is_mapped(line: SystemLine) -> bool:
    return line.kind in _MAPPED
