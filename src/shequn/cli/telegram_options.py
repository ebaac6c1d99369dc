"""What ``shequn worker --connector telegram`` (and ``serve --worker``, and ``bot run
--worker``) hands the Telegram connector: the token and the group → chat lookup.

The connector imports only ``shequn.model`` (the layering test checks), so it cannot read the
bindings itself. Apart from ``bot.py`` because ``bot run --worker`` starts the worker
(``worker.py``) and the worker needs these options: in either file they made a circle.
"""

from __future__ import annotations

import os
from typing import Any

from shequn.store.db import Store


def chat_of(store: Store) -> Any:
    """(community, group) → the group's bound Telegram chat, read when an action needs it."""
    from shequn.store.bindings import list_bindings

    def find(community: str, group: str) -> str | None:
        with store.read() as conn:
            for b in list_bindings(conn, community, platform="telegram", active_only=True):
                if b.group == group:
                    return b.chat
        return None

    return find


def telegram_options() -> dict[str, Any]:
    """What ``shequn worker --connector telegram`` (and ``serve --worker``) hands the
    connector: the token (``$SHEQUN_TELEGRAM_TOKEN``), ``$SHEQUN_TELEGRAM_API_URL`` if set, and
    the bindings, read from a store of its own for as long as the process runs."""
    from shequn.cli.common import state
    from shequn.connectors.telegram.client import load_token

    return {
        "token": load_token(None),
        "api_url": os.environ.get("SHEQUN_TELEGRAM_API_URL") or None,
        "chat_of": chat_of(Store.open(state.db_url)),
    }
