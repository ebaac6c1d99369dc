"""One message catalogue for everything a person reads, in the community's language.

English is the source language: the English text is the message id, and
``shequn/locale/<lang>/LC_MESSAGES/shequn.po`` (gettext's format, read with Babel) holds the
translations. A missing translation falls back to English, and ``tests/test_i18n.py`` fails
on every message id the code uses that the catalogue does not translate — so the fallback is a
safety net, never the plan.

Sentences with numbers or names in them are :class:`Said` values: a ``str`` whose value is the
English sentence (so ``--json``, logs and existing comparisons keep working) that also carries
its message id and arguments, so each reader can have it in their own language later — a metric
computes its reasons once, the CLI, the dashboard and the HTML report each render them in the
language they serve::

    >>> why = Said("no meaningful activity for {days} days", days=12)
    >>> str(why)
    'no meaningful activity for 12 days'
    >>> tr("zh", why)
    '12 天没有有效活动'
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("en", "zh")
"""The languages shequn speaks; ``en`` is the source language."""
DEFAULT = "en"
DOMAIN = "shequn"


def pick(lang: str | None) -> str:
    """``lang`` when shequn speaks it, else the default (a blueprint may say anything)."""
    return lang if lang in LANGUAGES else DEFAULT


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """The translations of ``lang`` as ``{msgid: msgstr}`` (empty for English).

    Read once per process from the ``.po`` file with Babel (imported here only: it is not
    needed to run an English community). Fuzzy and empty entries are left out, so they fall
    back to English exactly as a missing one does.
    """
    if lang == DEFAULT or lang not in LANGUAGES:
        return {}
    from babel.messages.pofile import read_po

    path = resources.files("shequn") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as fp:
        cat = read_po(fp, locale=lang)
    return {
        (f"{m.context}{CONTEXT}{m.id}" if m.context else str(m.id)): str(m.string)
        for m in cat
        if m.id and m.string and not m.fuzzy and isinstance(m.id, str)
    }


class Said(str):
    """A sentence for a person: its English text, plus what it takes to say it in another
    language (the message id and the arguments). Arguments are data — a group's slug stays as
    it is — unless they are ``Said`` themselves: ``Said("{stage}: {why}", stage=Said("dead"))``.
    """

    msgid: str
    args: dict[str, Any]

    def __new__(cls, msgid: str, /, **args: Any) -> Said:
        text = msgid.rpartition(CONTEXT)[2]  # English has no context to say
        self = super().__new__(cls, text.format(**args) if args else text)
        self.msgid = msgid
        self.args = args
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.msgid, self.args))

    def __deepcopy__(self, memo: dict[int, Any]) -> Said:
        return Said(self.msgid, **copy.deepcopy(self.args, memo))


def _rebuild(msgid: str, args: dict[str, Any]) -> Said:
    return Said(msgid, **args)


def told(error: Exception) -> str:
    """An error's text, as said where it was raised: the :class:`Said` of
    ``ValueError(Said(…))`` (an importer's, a model validator's), else ``str(error)``."""
    if len(error.args) == 1 and isinstance(error.args[0], Said):
        return error.args[0]
    return str(error)


def said_payload(text: str) -> dict[str, Any] | None:
    """``text`` as JSON data that keeps what it takes to say it in another language (for an
    outbox payload, rendered at send time); ``None`` for a plain string."""
    if not isinstance(text, Said):
        return None
    args = {k: said_payload(v) if isinstance(v, Said) else v for k, v in text.args.items()}
    return {"msgid": text.msgid, "args": args}


def said_from(data: Mapping[str, Any]) -> Said:
    """The :class:`Said` that :func:`said_payload` wrote."""
    args = {
        k: said_from(v) if isinstance(v, Mapping) and "msgid" in v else v
        for k, v in (data.get("args") or {}).items()
    }
    return Said(str(data["msgid"]), **args)


CONTEXT = "\x04"
"""Between a message's context and its id in a catalogue key (gettext's own separator)."""


def C_(context: str, msgid: str) -> Said:
    """``msgid`` said in ``context`` (gettext's pgettext): one English word that two things
    share and another language tells apart — an action that ``failed`` (失败) is not a
    seven-day rule that failed (未达成), a ``dead`` action is not a dead group."""
    return Said(f"{context}{CONTEXT}{msgid}")


def listing(items: Sequence[Any]) -> Said:
    """``items`` said one after another — ``a, b, c`` in English, ``甲、乙、丙`` in Chinese — each
    item translated when it is :class:`Said` (a list of words kept as data: wrap each in
    ``Said(N_(…))``)."""
    if not items:
        return Said("")
    said = items[-1] if isinstance(items[-1], Said) else Said("{item}", item=items[-1])
    for item in reversed(items[:-1]):
        said = Said("{first}, {rest}", first=item, rest=said)
    return said


def N_(msgid: str) -> str:
    """Mark ``msgid`` for the catalogue without translating it here (gettext_noop): for
    words stored as data — a stage, a role — and translated when they are shown."""
    return msgid


def tr(lang: str, text: Any) -> str:
    """``text`` in ``lang``: a :class:`Said` with its arguments rendered in ``lang`` too, a
    plain string looked up whole, anything else as ``str()`` (numbers, dates, ids)."""
    table = catalogue(pick(lang))
    if isinstance(text, Said):
        if not table:
            return str(text)
        msg = table.get(text.msgid) or text.msgid.rpartition(CONTEXT)[2]
        if not text.args:
            return msg
        return msg.format(**{k: _arg(lang, v) for k, v in text.args.items()})
    if isinstance(text, str):
        return table.get(text, text)
    return str(text)


def _arg(lang: str, value: Any) -> Any:
    """An argument is data (a name, a count) unless it is itself something said."""
    return tr(lang, value) if isinstance(value, Said) else value


class Phrase(Mapping[str, str]):
    """One text (message ids said one after another, a line each) in any language on demand:
    ``HELP["zh"]``. What a bot answers used to be a table per language; the English is now the
    message id and the Chinese the catalogue's, read when a reply is made (not at import)."""

    def __init__(self, *ids: str) -> None:
        self.ids = ids

    def __getitem__(self, lang: str) -> str:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        return "\n".join(tr(lang, msgid) for msgid in self.ids)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)


class Phrases(Mapping[str, dict[str, str]]):
    """Message ids by key, all said in one language on demand: ``TEXT["zh"]["done"]`` (a
    plain dict of texts to ``.format``, as the per-language tables were)."""

    def __init__(self, ids: Mapping[str, str]) -> None:
        self.ids = dict(ids)

    def __getitem__(self, lang: str) -> dict[str, str]:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        return {key: tr(lang, msgid) for key, msgid in self.ids.items()}

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)


def translator(lang: str) -> Callable[[Any], str]:
    """``_`` for one language, for templates and renderers that say many things."""
    lang = pick(lang)

    def _(text: Any) -> str:
        return tr(lang, text)

    return _


__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "N_",
    "Phrase",
    "Phrases",
    "Said",
    "catalogue",
    "listing",
    "pick",
    "said_from",
    "said_payload",
    "told",
    "tr",
    "translator",
]
