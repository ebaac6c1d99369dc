"""A worker process for the crash tests: ``python -m tests.crash_worker URL FILE [CHUNK]``.

It records every call in FILE (appended and fsynced before the call returns) and cannot check
it afterwards, so the worker must rely on its own bookkeeping to never send twice.
"""

from __future__ import annotations

import sys
from datetime import timedelta

from shequn.connectors.file import FileConnector
from shequn.store.db import Store
from shequn.worker.loop import Config, Worker


def main(url: str, path: str, chunk: str = "5") -> None:
    store = Store.open(url)
    config = Config(ticks=False, chunk=int(chunk), batch=100, lease=timedelta(seconds=2))
    Worker(store, FileConnector(path, fsync=True, checkable=False), config=config).run(once=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
