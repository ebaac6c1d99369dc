"""The known export formats, found by name (``--format``) or by looking at the file.

Importers are imported lazily: ``shequn import`` on a WhatsApp file never loads the Slack
code.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from shequn.errors import InputFormatError
from shequn.ingest.archive import Archive
from shequn.ingest.base import Importer
from shequn.model.i18n import Said

FORMATS: dict[str, str] = {
    "jsonl": "shequn.ingest.jsonl:CanonicalJsonl",
    "telegram": "shequn.ingest.telegram:TelegramImporter",
    "discord": "shequn.ingest.discord:DiscordImporter",
    "slack": "shequn.ingest.slack:SlackImporter",
    "whatsapp": "shequn.ingest.whatsapp:WhatsAppImporter",
    "wechat": "shequn.ingest.wechat:WeChatImporter",
    "qq": "shequn.ingest.qq:QQImporter",
    "csv": "shequn.ingest.table:TableImporter",
}
"""Format name → ``module:class``. Detection tries them in this order (most specific first;
``csv`` last because nearly any text file parses as a table)."""

HEAD_BYTES = 65_536


def available() -> list[str]:
    """Formats whose module is present in this build."""
    names = []
    for name, target in FORMATS.items():
        module = target.split(":")[0]
        if importlib.util.find_spec(module) is not None:
            names.append(name)
    return names


def get_importer(name: str) -> Importer:
    target = FORMATS.get(name)
    if target is None or name not in available():
        known = ", ".join(available())
        raise InputFormatError(name, None, Said("unknown format; known: {known}", known=known))
    module, cls = target.split(":")
    importer: Importer = getattr(importlib.import_module(module), cls)()
    return importer


def head_of(path: Path) -> bytes:
    """The first bytes of a file (or of the first member of a zip); b"" for a directory."""
    if path.is_dir():
        return b""
    if Archive.is_zip(path):
        with Archive(path) as archive:
            return archive.head(archive.names[0], HEAD_BYTES) if archive.names else b""
    with path.open("rb") as fp:
        return fp.read(HEAD_BYTES)


def detect(path: Path) -> Importer:
    """The importer for ``path``, or an error that lists what was tried."""
    if not path.exists():
        raise InputFormatError(str(path), None, Said("no such file or directory"))
    head = head_of(path)
    for name in available():
        importer = get_importer(name)
        if importer.sniff(path, head):
            return importer
    raise InputFormatError(
        str(path),
        None,
        Said(
            "cannot tell the format; give --format (one of {formats})",
            formats=", ".join(available()),
        ),
    )
