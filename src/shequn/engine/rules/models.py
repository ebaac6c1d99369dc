"""The community's advert model, loaded from the file ``[rules.advert] model`` names.

Read once and kept while the file is unchanged (keyed by path, size and modification time):
the reactor asks on every batch. A model that cannot be read leaves the rules alone in charge
and says so in the log once per file version — a missing model must not stop a community's
events from being recorded.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from shequn.engine.rules.linear import LinearModel
from shequn.errors import ShequnError

log = logging.getLogger(__name__)


def model_for(path: str | None) -> LinearModel | None:
    """The model at ``path`` (relative to the working directory), or ``None``."""
    if not path:
        return None
    p = Path(path).expanduser()
    try:
        st = p.stat()
    except OSError as exc:
        return _unreadable(str(p), str(exc))
    return _load(str(p.resolve()), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=16)
def _load(path: str, size: int, mtime: int) -> LinearModel | None:
    try:
        return LinearModel.load(Path(path))
    except (OSError, ShequnError) as exc:
        return _unreadable(path, str(exc))


@lru_cache(maxsize=16)
def _unreadable(path: str, why: str) -> None:
    log.warning("advert model %s not used (the rules alone decide): %s", path, why)
