"""Reading export bytes under limits: the one place importers open zip members and files.

An export is hostile until read: a 2 MB zip can hold a 2 GB line, a Slack "export" can be a
zip bomb, a damaged member fails its CRC on the last read. Every importer reads through
:class:`Archive` (zip members) and :func:`guarded` (plain files), which

- stream: reads are capped at :data:`READ_CAP` per call, so no single read grows memory;
- stop a member at ``member_bytes`` and the whole archive at ``total_bytes`` uncompressed;
- stop a member (or the archive) that inflates more than ``ratio`` times its compressed size
  once past :data:`RATIO_FLOOR` — a bomb is refused after 16 MiB, not after 2 GB;
- refuse archives with more than ``members`` entries;
- for line-based formats (``lines=True``), stop at a line longer than ``line_bytes``, naming
  the file and the line, before the line is held in memory;
- turn a damaged zip (bad CRC, broken deflate data, encrypted or unsupported members) into
  :class:`~shequn.errors.InputFormatError` naming the file and the member.

The limits come from :class:`Limits` (defaults, ``SHEQUN_IMPORT_*`` environment variables,
``shequn import --max-line/--max-unpacked``); docs/import/README.md lists them.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from shequn.errors import InputFormatError, ShequnError
from shequn.model.i18n import Said

MiB = 1 << 20
GiB = 1 << 30
READ_CAP = 1 << 20
"""The most bytes one read asks of a member or file, whatever the caller asked for."""
RATIO_FLOOR = 16 * MiB
"""Below this many uncompressed bytes the compression ratio is not checked (small, very
repetitive files are normal)."""

ENV = {
    "total_bytes": "SHEQUN_IMPORT_MAX_UNPACKED",
    "member_bytes": "SHEQUN_IMPORT_MAX_MEMBER",
    "line_bytes": "SHEQUN_IMPORT_MAX_LINE",
    "ratio": "SHEQUN_IMPORT_MAX_RATIO",
    "members": "SHEQUN_IMPORT_MAX_MEMBERS",
}
"""Limit → the environment variable that sets it."""

FLAGS = {"total_bytes": "--max-unpacked", "line_bytes": "--max-line"}
"""Limit → the ``shequn import`` option that sets it (the others: environment only)."""

_SIZE = re.compile(r"^\s*(\d+)\s*([kmg]i?b?|b)?\s*$", re.IGNORECASE)
_DAMAGED = (
    zipfile.BadZipFile,  # "Bad CRC-32 for file …", truncated members
    zlib.error,  # broken deflate data
    struct.error,
    EOFError,
    NotImplementedError,  # a compression method zipfile cannot read
    RuntimeError,  # an encrypted member
    ValueError,
    OSError,
)


@dataclass(frozen=True, slots=True)
class Limits:
    """How much an import may unpack and how long a line may be (bytes; ``ratio`` a factor)."""

    total_bytes: int = 2 * GiB
    member_bytes: int | None = None  # None: as total_bytes
    line_bytes: int = 16 * MiB
    ratio: int = 100
    members: int = 250_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **given: int | None) -> Limits:
        """The defaults, overridden by ``SHEQUN_IMPORT_*`` variables, overridden by ``given``
        (None values are ignored, so CLI options that were not given pass straight through)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for key, var in ENV.items():
            if env.get(var, "").strip():
                values[key] = parse_size(env[var], var)
        values.update({k: v for k, v in given.items() if v is not None})
        for key, value in values.items():
            if value < 1:
                raise ShequnError(Said("{name}: must be at least 1", name=ENV[key]), field=ENV[key])
        return replace(cls(), **values)

    @property
    def member(self) -> int:
        return min(self.member_bytes or self.total_bytes, self.total_bytes)


def parse_size(text: str, name: str) -> int:
    """``16M``, ``2G``, ``512k``, ``1048576`` → bytes (binary units)."""
    m = _SIZE.match(text)
    if m is None:
        raise ShequnError(
            Said("{name}: {text!r} is not a size like 16M, 2G or 1048576", name=name, text=text),
            field=name,
        )
    unit = (m[2] or "b")[0].lower()
    return int(m[1]) * {"b": 1, "k": 1 << 10, "m": MiB, "g": GiB}[unit]


def show_size(n: int) -> str:
    for unit, size in (("GiB", GiB), ("MiB", MiB), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.4g} {unit}"
    return Said("{n} bytes", n=n)


def _raise_hint(key: str) -> Said:
    if key in FLAGS:
        return Said(
            "raise it with {flag} or {env} if the export is genuine", flag=FLAGS[key], env=ENV[key]
        )
    return Said("raise it with {env} if the export is genuine", env=ENV[key])


def record_too_long(label: str, line: int | str | None, limits: Limits) -> InputFormatError:
    """The error for a record (a message of many lines) longer than the line limit."""
    return InputFormatError(
        label,
        line,
        Said(
            "a message longer than {size} from here on ({hint})",
            size=show_size(limits.line_bytes),
            hint=_raise_hint("line_bytes"),
        ),
    )


class _Guard(io.RawIOBase):
    """A read-only stream over ``inner`` that enforces the limits as bytes pass through."""

    def __init__(
        self,
        inner: IO[bytes],
        label: str,
        *,
        line_limit: int | None = None,
        on_read: Callable[[int], None] | None = None,
    ) -> None:
        self.inner, self.label = inner, label
        self.line_limit, self.on_read = line_limit, on_read
        self.newlines = 0  # line breaks seen so far
        self.run = 0  # bytes since the last line break

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self.inner.read(min(len(buffer), READ_CAP))
        except _DAMAGED as e:
            raise InputFormatError(
                self.label,
                None,
                Said("the archive is damaged ({error}): export it again", error=str(e)),
            ) from None
        n = len(data)
        if n and self.line_limit is not None:
            self._check_lines(data, self.line_limit)
        if self.on_read is not None:
            self.on_read(n)
        buffer[:n] = data
        return n

    def _check_lines(self, data: bytes, limit: int) -> None:
        first = data.find(b"\n")
        if first < 0:
            self.run += len(data)
            if self.run > limit:
                self._too_long(self.newlines + 1, limit)
            return
        if self.run + first > limit:
            self._too_long(self.newlines + 1, limit)
        if len(data) > limit:  # a limit below the read size: look at the lines inside too
            for i, part in enumerate(data[first + 1 :].split(b"\n")[:-1]):
                if len(part) > limit:
                    self._too_long(self.newlines + i + 2, limit)
        self.newlines += data.count(b"\n")
        self.run = len(data) - data.rfind(b"\n") - 1
        if self.run > limit:
            self._too_long(self.newlines + 1, limit)

    def _too_long(self, line: int, limit: int) -> None:
        raise InputFormatError(
            self.label,
            line,
            Said(
                "a line longer than {size}: not a chat export as written by the platform ({hint})",
                size=show_size(limit),
                hint=_raise_hint("line_bytes"),
            ),
        )

    def close(self) -> None:
        self.inner.close()
        super().close()


def guarded(
    fp: IO[bytes],
    label: str,
    *,
    limits: Limits,
    lines: bool = False,
    on_read: Callable[[int], None] | None = None,
) -> io.BufferedReader:
    """``fp`` read through the guard: capped reads, the line limit when ``lines``."""
    raw = _Guard(fp, label, line_limit=limits.line_bytes if lines else None, on_read=on_read)
    return io.BufferedReader(raw, buffer_size=1 << 16)


class Archive:
    """A zip export, opened under :class:`Limits`. Use as a context manager."""

    def __init__(self, path: Path, limits: Limits | None = None) -> None:
        self.path, self.limits = path, limits or Limits.from_env()
        try:
            self.zf = zipfile.ZipFile(path)
        except (*_DAMAGED, zipfile.LargeZipFile) as e:
            raise InputFormatError(
                str(path), None, Said("cannot open the zip: {error}", error=str(e))
            ) from None
        files = [i for i in self.zf.infolist() if not i.is_dir()]
        if len(files) > self.limits.members:
            self.zf.close()
            raise InputFormatError(
                str(path),
                None,
                Said(
                    "{n:,} files in the zip, more than {most:,} ({hint})",
                    n=len(files),
                    most=self.limits.members,
                    hint=_raise_hint("members"),
                ),
            )
        self.infos = {i.filename: i for i in files}
        self.size = max(path.stat().st_size, 1)
        self._unpacked: dict[str, int] = {}  # most bytes read from each member in one pass
        self._total = 0  # their sum

    @staticmethod
    def is_zip(path: Path) -> bool:
        """A file starting like a zip (``PK\\x03\\x04``, or an empty zip's ``PK\\x05\\x06``)."""
        try:
            with path.open("rb") as fp:
                return path.is_file() and fp.read(4) in (b"PK\x03\x04", b"PK\x05\x06")
        except OSError:
            return False

    @property
    def names(self) -> list[str]:
        """The files in the zip (directories left out), in archive order."""
        return list(self.infos)

    def label(self, name: str) -> str:
        return f"{self.path}:{name}"

    def unpacked_size(self) -> int:
        """What the zip says its files hold, uncompressed (for the progress bar only)."""
        return sum(i.file_size for i in self.infos.values())

    def open(
        self, name: str, *, lines: bool = False, on_read: Callable[[int], None] | None = None
    ) -> io.BufferedReader:
        """A member as a buffered stream under the limits; reading it again starts over."""
        info = self.infos.get(name)
        if info is None:
            raise InputFormatError(str(self.path), None, Said("no {name!r} in the zip", name=name))
        if info.file_size > self.limits.member:
            self._over(self._member_key, name, self.limits.member)
        try:
            inner = self.zf.open(info)
        except _DAMAGED as e:
            raise InputFormatError(
                self.label(name), None, Said("cannot open in the zip: {error}", error=str(e))
            ) from None
        count = _MemberCount(self, name, info.compress_size)

        def read(n: int) -> None:
            count.add(n)
            if on_read is not None:
                on_read(n)

        return guarded(inner, self.label(name), limits=self.limits, lines=lines, on_read=read)

    def head(self, name: str, size: int = 65_536) -> bytes:
        """The first ``size`` bytes of a member (a damaged one raises InputFormatError)."""
        with self.open(name) as fp:
            return fp.read(size)

    def _account(self, name: str, unpacked: int, compressed: int) -> None:
        limits = self.limits
        if unpacked > limits.member:
            self._over(self._member_key, name, limits.member)
        if unpacked > RATIO_FLOOR and unpacked > limits.ratio * max(compressed, 1):
            self._bomb(name, unpacked, compressed)
        before = self._unpacked.get(name, 0)
        if unpacked > before:  # a second pass over a member adds nothing
            self._unpacked[name] = unpacked
            self._total += unpacked - before
        total = self._total
        if total > limits.total_bytes:
            self._over("total_bytes", None, limits.total_bytes)
        if total > RATIO_FLOOR and total > limits.ratio * self.size:
            self._bomb(None, total, self.size)

    @property
    def _member_key(self) -> str:
        """The setting that bounds one member: its own, or the total when it is lower."""
        own = self.limits.member_bytes
        return (
            "member_bytes" if own is not None and own < self.limits.total_bytes else "total_bytes"
        )

    def _over(self, key: str, name: str | None, limit: int) -> None:
        problem = (
            Said("this file unpacks to more than {size} ({hint})", size=show_size(limit),
                 hint=_raise_hint(key))
            if name
            else Said("the zip's files unpack to more than {size} ({hint})",
                      size=show_size(limit), hint=_raise_hint(key))
        )  # fmt: skip
        raise InputFormatError(self.label(name) if name else str(self.path), None, problem)

    def _bomb(self, name: str | None, unpacked: int, compressed: int) -> None:
        raise InputFormatError(
            self.label(name) if name else str(self.path),
            None,
            Said(
                "unpacks to more than {ratio} times its compressed size ({unpacked} from "
                "{compressed}): a zip bomb? ({hint})",
                ratio=self.limits.ratio,
                unpacked=show_size(unpacked),
                compressed=show_size(compressed),
                hint=_raise_hint("ratio"),
            ),
        )

    def close(self) -> None:
        self.zf.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _MemberCount:
    """Uncompressed bytes read from one member in one pass, reported to its archive."""

    def __init__(self, archive: Archive, name: str, compressed: int) -> None:
        self.archive, self.name, self.compressed = archive, name, compressed
        self.unpacked = 0

    def add(self, n: int) -> None:
        self.unpacked += n
        self.archive._account(self.name, self.unpacked, self.compressed)
