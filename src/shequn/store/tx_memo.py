"""What one transaction has read already, kept on its connection until the transaction ends.

A recorded join reads its community's blueprint in two reactors (entry and engagement); on
PostgreSQL each read is a round trip (issue 22). The memo belongs to the transaction object:
the next transaction on the same pooled connection is another object and starts empty, and
without a transaction nothing is remembered.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

_BLUEPRINTS = "shequn_blueprints"


def blueprints(conn: Connection) -> dict[str, Any]:
    """Stored blueprints read in the current transaction, by community slug. A blueprint
    changes only through a ``community.configured`` event, whose projection calls
    :func:`forget_blueprints`."""
    tx = conn.get_transaction()
    if tx is None:
        return {}
    held = conn.info.get(_BLUEPRINTS)
    if held is None or held[0] is not tx:  # held[0] is kept alive: its id is never reused
        held = conn.info[_BLUEPRINTS] = (tx, {})
    return held[1]


def forget_blueprints(conn: Connection) -> None:
    """Drop the blueprints remembered on ``conn`` (one was just configured)."""
    conn.info.pop(_BLUEPRINTS, None)
