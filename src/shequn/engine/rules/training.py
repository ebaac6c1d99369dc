"""Labelled examples for ``shequn rules train``: a JSONL file of ``{"text", "label"}`` lines.

A label may be written the ways people write it — ``1``/``0``, ``true``/``false``,
``"advert"``/``"spam"`` for adverts, ``"ham"``/``"ok"`` for the rest — and a line that says
neither is an error naming the file and the line, not a silent guess.
"""

from __future__ import annotations

import json
from pathlib import Path

from shequn.errors import InputFormatError
from shequn.model.i18n import Said

_YES = {"1", "true", "advert", "ad", "spam", "yes"}
_NO = {"0", "false", "ham", "ok", "clean", "no"}


def read_labelled(path: Path) -> list[tuple[str, bool]]:
    """(text, is advert) pairs of ``path``; blank lines are skipped."""
    out: list[tuple[str, bool]] = []
    with path.open(encoding="utf-8") as fp:
        for n, line in enumerate(fp, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                text, label = str(row["text"]), str(row["label"]).strip().lower()
            except (ValueError, KeyError, TypeError) as e:
                raise InputFormatError(
                    str(path), n, Said("not a {{text, label}} line: {error}", error=str(e))
                ) from e
            if label not in _YES | _NO:
                raise InputFormatError(
                    str(path), n, Said("label {label!r} is neither 1 nor 0", label=label)
                )
            out.append((text, label in _YES))
    return out
