"""shequn's folder in the user's cache directory: what can be rebuilt, kept between runs.

The analytics replica of a server database (``replica.default_path``) and compiled SQL kept
across processes (``compiled_store``) live there. ``SHEQUN_CACHE_DIR`` names it outright
(tests point it at a temporary folder so they never touch the real home); else it is
``$XDG_CACHE_HOME/shequn`` or ``~/.cache/shequn``. Created ``0700`` by whoever writes first.

What is kept there is trusted by later runs (SQL that is run, figures that are reported), so
each user checks :func:`private` before trusting a file or the folder: someone else who can
write them could make every later report run their SQL or show their numbers.
"""

from __future__ import annotations

import os
from pathlib import Path


def folder() -> Path:
    """``SHEQUN_CACHE_DIR``, else ``$XDG_CACHE_HOME/shequn``, else ``~/.cache/shequn``."""
    chosen = os.environ.get("SHEQUN_CACHE_DIR")
    if chosen:
        return Path(chosen)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "shequn"


def made() -> Path:
    """:func:`folder`, created ``0700`` if it is not there (an existing one is left as it is:
    :func:`private` says whether to trust it)."""
    where = folder()
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    return where


def private(path: Path) -> bool:
    """Owned by this user and writable by no one else (always true where there are no POSIX
    owners)."""
    if not hasattr(os, "getuid"):
        return True
    st = path.stat()
    return st.st_uid == os.getuid() and not st.st_mode & 0o022
