"""What a live platform reports, into the log: the one door for a connector's inbound side.

A connector (``connectors/<platform>``) turns platform updates into :class:`Event`s and
nothing more; the interface running it (``shequn bot run``, a webhook route) hands them here.
They pass the write guard as a ``connector`` writer — platform facts only: a bot reports joins
and messages, it does not configure the community, change roles or record payments — and are
recorded under the connector's own ``source`` (``telegram-bot:<bot id>``), so a re-delivered
update adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from shequn.engine.guard import Writer, guarded
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store.append import AppendResult
from shequn.store.db import Store


def receive(
    store: Store, community: str, events: Iterable[Event], *, role: str = "connector"
) -> AppendResult:
    """Record a connector's events for ``community``; refuses (and records none of a batch
    past) the first event it may not write. ``role`` is ``connector`` unless a platform is
    trusted with more (a payment platform's webhook: ``money`` — add a role to
    ``model/writers.ROLE_WRITES`` rather than widening ``connector``)."""
    return record(store, guarded(store, writer(community, role), events, label="updates"))


def writer(community: str, role: str = "connector") -> Writer:
    """The write guard's writer for a platform's events: ``role``'s event kinds only, each
    event kept under its connector's own ``source`` (also for ``engine/gather.py``)."""
    return Writer(role, community, source="connector", keep_sources=True)
