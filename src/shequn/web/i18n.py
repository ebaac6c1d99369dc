"""The dashboard's language: the community's blueprint says it, the message catalogue
(``model/i18n.py``, ``locale/zh/LC_MESSAGES/shequn.po``) says every label in it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select

from shequn.model import i18n
from shequn.store import tables as t

LANGUAGES = i18n.LANGUAGES
DEFAULT = i18n.DEFAULT


def language_of(conn: Connection, community: str) -> str:
    """The blueprint's ``community.language`` (``en`` when missing or not one we speak)."""
    c = t.communities.c
    blueprint: Any = conn.execute(select(c.blueprint).where(c.slug == community)).scalar()
    lang = (blueprint or {}).get("community", {}).get("language") if blueprint else None
    return i18n.pick(lang)


def translator(lang: str) -> Callable[[Any], str]:
    """``_(text)`` for templates: the catalogue's translation of ``text`` (``Said`` values
    with their arguments), else ``text`` itself (``model/i18n.py``)."""
    return i18n.translator(lang)
