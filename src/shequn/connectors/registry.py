"""Connectors by name: ``shequn worker --connector NAME`` looks them up here.

Like ``ingest/registry.py``'s formats: a name → ``module:factory`` table, loaded when asked for,
so a platform's client library is imported only by the worker that uses it and the connectors
import nothing of each other.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from shequn.connectors.base import Connector
from shequn.errors import NotFound
from shequn.model.i18n import Said

CONNECTORS: dict[str, str] = {
    "console": "shequn.connectors.console:ConsoleConnector",
    "file": "shequn.connectors.file:FileConnector",
    "telegram": "shequn.connectors.telegram.connector:TelegramConnector",
    "wecom": "shequn.connectors.wecom.connector:WeComConnector",
}
"""Connector name → ``module:class``; the class takes the connector's options as keywords."""


def connector(name: str, options: Mapping[str, object] | None = None) -> Connector:
    """A connector built with ``options`` (e.g. ``{"path": "out.jsonl"}`` for ``file``)."""
    target = CONNECTORS.get(name)
    if target is None:
        raise NotFound(
            Said(
                "no connector {name}; known: {known}", name=repr(name), known=", ".join(CONNECTORS)
            ),
            connector=name,
        )
    module, cls = target.split(":")
    made: Connector = getattr(importlib.import_module(module), cls)(**dict(options or {}))
    return made
