"""The files of a Slack workspace export, from its unpacked folder or the ``.zip``.

``slack.py`` maps the messages; this module knows where they are: ``users.json`` (or
``org_users.json``) marks the export's root, the ``*.json`` listings name the conversations,
and each conversation folder holds one ``YYYY-MM-DD.json`` per day.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import PurePosixPath
from typing import Any

import ijson

from shequn.errors import InputFormatError
from shequn.ingest.archive import Archive
from shequn.ingest.base import ImportContext
from shequn.model.i18n import Said

USERS = ("users.json", "org_users.json")
CONVERSATIONS = ("channels.json", "groups.json", "mpims.json", "dms.json")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
BROKEN = (
    ijson.JSONError,
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    ValueError,  # UnicodeDecodeError too
    NotImplementedError,  # a zip member in a compression method zipfile cannot read
    RuntimeError,  # an encrypted zip member
)
"""What reading a broken or truncated export raises; the importer says which file broke."""


def looks_like_export(names: Any) -> bool:
    tops = {PurePosixPath(n).name for n in names if len(PurePosixPath(n).parts) <= 2}
    return bool(tops & set(USERS)) and bool(tops & set(CONVERSATIONS))


class Source(AbstractContextManager["Source"]):
    """The export's files by relative posix name, from a directory or a zip."""

    def __init__(self, ctx: ImportContext, names: list[str], zf: Archive | None) -> None:
        self.ctx, self.zf = ctx, zf
        self.names = sorted(names)
        users = [n for n in self.names if PurePosixPath(n).name in USERS]
        if not users:
            raise InputFormatError(
                str(ctx.path), None, Said("no users.json: is this a Slack workspace export?")
            )
        self.root = min((str(PurePosixPath(n).parent) for n in users), key=len)
        self.root = "" if self.root == "." else self.root + "/"

    @classmethod
    def open(cls, ctx: ImportContext) -> Source:
        path = ctx.path
        if path.is_dir():
            names = [p.relative_to(path).as_posix() for p in path.rglob("*.json") if p.is_file()]
            return cls(ctx, names, None)
        if not path.is_file():
            raise InputFormatError(str(path), None, Said("no such file or directory"))
        zf = ctx.archive(path)
        try:
            return cls(ctx, zf.names, zf)
        except InputFormatError:
            zf.close()
            raise

    def find(self, *candidates: str) -> str | None:
        for name in candidates:
            if self.root + name in self.names:
                return self.root + name
        return None

    def read(self, name: str) -> io.BufferedReader:
        if self.zf is not None:
            return self.ctx.open_member(self.zf, name)
        return self.ctx.open(self.ctx.path / name)

    def days(self) -> Iterator[tuple[str, list[str]]]:
        """(folder, its day files in date order) for every conversation folder."""
        folders: dict[str, list[str]] = {}
        for name in self.names:
            rel = PurePosixPath(name[len(self.root) :]) if name.startswith(self.root) else None
            if rel is not None and len(rel.parts) == 2 and DAY.match(rel.name):
                folders.setdefault(rel.parts[0], []).append(name)
        yield from sorted(folders.items())

    def __exit__(self, *exc: object) -> None:
        if self.zf is not None:
            self.zf.close()
