"""Keep the message catalogue in step with the code.

    python scripts/i18n.py          # list message ids without a translation (exit 1 if any)
    python scripts/i18n.py --write  # add new ids to each .po (empty), mark vanished ones obsolete

Message ids are found the way gettext tools find them, with Babel's extractors: ``_("…")``,
``Said("…")``, ``N_("…")`` (words kept as data) and a metric's title (``Metric(name, "…")``) in
``src/shequn`` and ``_('…')`` in the
dashboard's Jinja templates. Translating is then editing
``src/shequn/locale/<lang>/LC_MESSAGES/shequn.po`` (any PO editor works).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "shequn"
LOCALES = SRC / "locale"
METHODS = [
    ("**/templates/**.html", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]
KEYWORDS = {"_": None, "Said": None, "N_": None, "Metric": (2,), "C_": ((1, "c"), 2)}
"""``Metric(name, title, …)``: a metric's title is shown by ``shequn metrics``."""


def message_ids() -> Iterator[tuple[str, str | None, str, int]]:
    """Every message id the code says, with its context (``C_``) and the file and line that
    says it."""
    for filename, lineno, message, _comments, context in extract_from_dir(
        SRC, METHODS, keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True
    ):
        msg = message[0] if isinstance(message, tuple) else message
        if msg:
            yield msg, context or None, filename, lineno


def po_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / "shequn.po"


def untranslated(lang: str) -> list[tuple[str, str, int]]:
    """Message ids the code uses that ``lang``'s catalogue does not translate."""
    with po_path(lang).open("rb") as fp:
        cat = read_po(fp, locale=lang)
    done = {(m.context or None, m.id) for m in cat if m.id and m.string and not m.fuzzy}
    seen: set[tuple[str | None, str]] = set()
    missing = []
    for msg, context, filename, lineno in message_ids():
        if (context, msg) not in done and (context, msg) not in seen:
            seen.add((context, msg))
            shown = f"{context}|{msg}" if context else msg
            missing.append((shown, filename, lineno))
    return missing


def update(lang: str) -> int:
    """Add the code's new ids to ``lang``'s catalogue and mark vanished ones obsolete."""
    path = po_path(lang)
    with path.open("rb") as fp:
        old = read_po(fp, locale=lang)
    template = Catalog(locale=lang, project="shequn")
    for msg, context, filename, lineno in message_ids():
        template.add(msg, locations=[(f"src/shequn/{filename}", lineno)], context=context)
    old.update(template, no_fuzzy_matching=True)
    with path.open("wb") as fp:
        write_po(fp, old, width=100, sort_output=True, omit_header=False)
    return len(list(template))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="update the .po files")
    args = parser.parse_args()
    status = 0
    for lang_dir in sorted(p for p in LOCALES.iterdir() if p.is_dir()):
        lang = lang_dir.name
        if args.write:
            sys.stdout.write(f"{lang}: {update(lang)} message ids\n")
        missing = untranslated(lang)
        for msg, filename, lineno in missing:
            sys.stdout.write(f"{lang}: untranslated: src/shequn/{filename}:{lineno}: {msg!r}\n")
        status |= bool(missing)
    return status


if __name__ == "__main__":
    sys.exit(main())
