"""One SQLite worker at a time: an exclusive lock on a file beside the database.

SQLite has no ``SKIP LOCKED``; two workers would claim in turns but gain nothing, and the
takeover of a dead worker's leases on start (see ``Worker.recover``) is only right when no
other worker is alive. A second worker therefore says so and waits for the lock; the operating
system releases it when the holder exits or is killed, so a crash never leaves it stuck.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO


class WorkerLock:
    """Held while a SQLite worker runs; ``acquire`` waits, calling ``waiting`` once."""

    def __init__(self, database: str) -> None:
        self.path = Path(f"{database}.worker-lock")
        self.fp: IO[str] | None = None

    def acquire(
        self,
        waiting: Callable[[str], None],
        sleep: Callable[[float], None],
        stop: Callable[[], bool],
    ) -> bool:
        fp = self.path.open("a+")
        told = False
        while True:
            try:
                fcntl.flock(fp.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told:
                    fp.seek(0)
                    holder = fp.read().strip() or "another process"
                    waiting(f"another worker ({holder}) is running on this database; waiting")
                    told = True
                if stop():
                    fp.close()
                    return False
                sleep(0.5)
        fp.seek(0)
        fp.truncate()
        fp.write(f"pid {os.getpid()}")
        fp.flush()
        self.fp = fp
        return True

    def release(self) -> None:
        if self.fp is not None:
            fcntl.flock(self.fp.fileno(), fcntl.LOCK_UN)
            self.fp.close()
            self.fp = None
