"""shequn: the community-operations playbook as software, on an event log.

What a Python user may import is listed in ``__all__``; everything else is internal and may
change. Heavy parts (the store, the engine) are loaded on first use, so ``import shequn`` and
``shequn --help`` stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shequn.errors import (
    BlueprintError,
    Conflict,
    InputFormatError,
    InvalidEvent,
    NotFound,
    ShequnError,
    StoreError,
)
from shequn.model.events import Event, identity_key

if TYPE_CHECKING:
    from shequn.engine.blueprint import load_into_store
    from shequn.engine.identity import merge, unmerge
    from shequn.engine.record import record
    from shequn.model.blueprint import Blueprint, load_blueprint
    from shequn.store.db import Store
    from shequn.store.rebuild import rebuild

__version__ = "0.1.0"

_LAZY = {
    "Store": "shequn.store.db",
    "rebuild": "shequn.store.rebuild",
    "record": "shequn.engine.record",
    "merge": "shequn.engine.identity",
    "unmerge": "shequn.engine.identity",
    "load_into_store": "shequn.engine.blueprint",
    "Blueprint": "shequn.model.blueprint",
    "load_blueprint": "shequn.model.blueprint",
}

__all__ = [
    "Blueprint",
    "BlueprintError",
    "Conflict",
    "Event",
    "InputFormatError",
    "InvalidEvent",
    "NotFound",
    "ShequnError",
    "Store",
    "StoreError",
    "identity_key",
    "load_blueprint",
    "load_into_store",
    "merge",
    "rebuild",
    "record",
    "unmerge",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'shequn' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
