"""The file connector: appends one JSON line per action to a file.

For dry runs that another program reads, and as the recording connector of the crash test: a
line is flushed before ``perform`` returns (``fsync=True`` also survives a power cut), and the
file remembers every idempotency key it holds, so :meth:`check` can tell whether an attempt a
crash interrupted was written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from shequn.connectors.base import DRY_RUN_KINDS, Call, Limits, Performed


def line_of(call: Call, photo: Path | None = None) -> str:
    """The JSON line written for ``call`` (the benchmark writes the same lines bare)."""
    record: dict[str, object] = {
        "action": call.action_id,
        "key": call.idempotency_key,
        "kind": call.kind,
        "community": call.community,
        "group": call.group,
        "target": call.target,
        "text": call.text,
        "payload": call.payload,
    }
    if photo is not None:
        record["photo"] = str(photo)
    return json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"


class FileConnector:
    """Appends JSONL to ``path``; ``check`` answers from the keys already in the file."""

    name = "file"
    kinds = DRY_RUN_KINDS

    def __init__(
        self,
        path: str | Path,
        *,
        fsync: bool = False,
        limits: Limits | None = None,
        checkable: bool = True,
    ) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self.limits = limits or Limits()
        self.can_check = checkable
        self.written: dict[str, int] = {}
        if checkable and self.path.exists():
            with self.path.open(encoding="utf-8") as fp:
                for n, line in enumerate(fp, 1):
                    if line.endswith("\n"):  # a torn last line was never written
                        self.written[json.loads(line)["key"]] = n
        self.lines = sum(1 for _ in self.path.open("rb")) if self.path.exists() else 0
        self.fp = self.path.open("a", encoding="utf-8")

    def perform(self, call: Call) -> Performed:
        photo = None
        if call.photo is not None:
            photo = self.path.with_name(f"{self.path.stem}-photos") / f"action-{call.action_id}.png"
            photo.parent.mkdir(exist_ok=True)
            photo.write_bytes(call.photo)
        self.fp.write(line_of(call, photo))
        self.fp.flush()
        if self.fsync:
            os.fsync(self.fp.fileno())
        self.lines += 1
        self.written[call.idempotency_key] = self.lines
        return Performed(f"{self.path.name}:{self.lines}")

    def check(self, call: Call) -> Performed | None:
        n = self.written.get(call.idempotency_key)
        return None if n is None else Performed(f"{self.path.name}:{n}")

    def close(self) -> None:
        self.fp.close()
