"""shequn's folder in the user's cache directory: what can be rebuilt, kept between runs.

The analytics replica of a server database (``replica.default_path``) and compiled SQL kept
across processes (``compiled_store``) live there. ``SHEQUN_CACHE_DIR`` names it outright
(tests point it at a temporary folder so they never touch the real home); else it is
``$XDG_CACHE_HOME/shequn`` or ``~/.cache/shequn``. Created by whoever writes first.
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
