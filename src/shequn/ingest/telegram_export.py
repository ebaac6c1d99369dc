"""Where a Telegram export's ``result.json`` is: a file, a file in a folder, or a zip member.

Zip members are read through :class:`~shequn.ingest.archive.Archive`, under the import's
limits, like every other archive.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from shequn.errors import InputFormatError
from shequn.ingest.archive import Archive, Limits
from shequn.ingest.base import ImportContext
from shequn.model.i18n import Said

RESULT = "result.json"

NO_RESULT = Said(
    "no result.json here: export from Telegram Desktop with the format "
    "'Machine-readable JSON' (the HTML export cannot be imported)"
)


@dataclass
class Export:
    """Where ``result.json`` is: a file, a file in a folder, or a member of a zip."""

    path: Path
    archive: Archive | None = None
    member: str | None = None

    @classmethod
    @contextlib.contextmanager
    def open(cls, path: Path, limits: Limits | None = None) -> Iterator[Export]:
        if not path.exists():
            raise InputFormatError(str(path), None, Said("no such file or directory"))
        if path.is_dir():
            yield cls(_find_in_folder(path))
            return
        if Archive.is_zip(path):
            with Archive(path, limits) as archive:
                yield cls(path, archive, _find_in_zip(path, archive))
            return
        yield cls(path)

    @property
    def label(self) -> str:
        return f"{self.path}:{self.member}" if self.member else str(self.path)

    def reader(self, ctx: ImportContext, *, counted: bool) -> IO[bytes]:
        """The export's bytes; ``counted`` ones move the progress bar (the second pass)."""
        if self.archive is not None:
            assert self.member is not None  # noqa: S101  # set together with archive
            return ctx.open_member(self.archive, self.member, counted=counted)
        return ctx.open(self.path, counted=counted)

    def head(self, size: int = 65_536) -> bytes:
        if self.archive is not None:
            assert self.member is not None  # noqa: S101
            return self.archive.head(self.member, size)
        with self.path.open("rb") as fp:
            return fp.read(size)


def _find_in_folder(folder: Path) -> Path:
    """``result.json`` in the folder, or in the one export folder inside it."""
    direct = folder / RESULT
    if direct.is_file():
        return direct
    found = sorted(p for p in folder.glob(f"*/{RESULT}") if p.is_file())
    if len(found) == 1:
        return found[0]
    if found:
        raise InputFormatError(
            str(folder), None, Said("several exports in this folder ({found}): import each "
                                    "result.json on its own", found=", ".join(map(str, found)))
        )  # fmt: skip
    raise InputFormatError(str(folder), None, NO_RESULT)


def _find_in_zip(path: Path, archive: Archive) -> str:
    found = sorted(
        (n for n in archive.names if PurePosixPath(n).name == RESULT),
        key=lambda n: (n.count("/"), n),
    )
    if not found:
        raise InputFormatError(str(path), None, NO_RESULT)
    return found[0]
