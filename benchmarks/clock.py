"""Wall and CPU clocks for the benchmarks: on a shared machine the wall clock mostly measures
the others' load, so every comparison is given in CPU seconds too."""

from __future__ import annotations

import time
from typing import Any


def timed(fn, *args, **kwargs) -> tuple[float, Any]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def clocked(fn, *args) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Wall and CPU seconds (this process, DuckDB's threads included) of ``fn(*args)``: on a
    shared machine the wall clock mostly measures the others' load, CPU time what we spent."""
    cpu = time.process_time()
    wall, _ = timed(fn, *args)
    return wall, time.process_time() - cpu
