"""The dead-group test: what ``shequn envelope``, the API and the worker's ``envelopes.judge``
tick call (P-ENG-4). Decisions are pure (``envelope_rules.py``); here the envelope events are
read from the log and the decisions applied, each in one transaction that holds the append
lock, so two workers judge an envelope once.

No connector sees red envelopes (docs/connectors.md), so the envelope and its grabs are
often what an operator saw with their own eyes: :func:`record_sent` and :func:`record_grab`
write them as the platform facts they are, and the verdict reads them like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from shequn.engine.decisions import apply, capped_ref, new_ref
from shequn.engine.engagement.envelope_rules import (
    PURPOSE,
    Envelope,
    decide_request,
    decide_verdict,
)
from shequn.engine.engagement.timeline import aware
from shequn.engine.guard import Writer, guarded
from shequn.engine.record import record
from shequn.errors import NotFound
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store.append import lock_for_decision
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.rules_queries import events_by

LOOK_BACK = timedelta(days=14)
"""How far back the tick looks for test envelopes still to judge (a window is hours)."""


def request_test(
    store: Store, community: str, group: str, *, actor: str | None = None,
    now: datetime | None = None,
) -> bool:  # fmt: skip
    """Ask for a test envelope in ``group`` (an operator task to send it); False when one
    was asked for there today already."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        return apply(conn, decide_request(bp, group, at, actor)).new > 0


def judge(store: Store, community: str, now: datetime | None = None) -> int:
    """Judge every test envelope whose window has passed and that has no verdict yet (the
    ``envelopes.judge`` tick); returns how many were judged."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        pending = [x for x in _tests(conn, community, at - LOOK_BACK) if x[1] is None]
        if not pending:
            return 0
        try:
            bp = get_blueprint(conn, community)
        except (NotFound, ValueError):
            return 0
        lock_for_decision(conn)
        done = 0
        for test, _ in pending:
            closes = test.sent_at + timedelta(hours=bp.engagement.envelopes.test_hours)
            grabs = [
                (str(e.actor), e.occurred_at)
                for _, e in events_by(conn, community, ("redenvelope.grabbed",),
                                      since=test.sent_at, until=closes, group=test.group)
                if e.actor and str(e.data.get("envelope")) == test.envelope
            ]  # fmt: skip
            decision = decide_verdict(bp, test, grabs, at)
            if decision and apply(conn, decision).new:
                done += 1
        return done


def record_sent(
    store: Store, community: str, group: str, member: str, shares: int, *,
    envelope: str | None = None, at: datetime | None = None, source: str = "operator:cli",
) -> tuple[str, bool]:  # fmt: skip
    """Record a test envelope sent by hand (``purpose = "dead_group_test"``) at ``at`` (now;
    a naive time is the community's); returns its id and whether it is new."""
    ref = envelope or new_ref()
    with store.read() as conn:
        bp = get_blueprint(conn, community)
        bp.group(group)
    when = aware(bp, at) if at else datetime.now(UTC)
    sent = Event("redenvelope.sent", when, community, source, ref, group=group, actor=member,
                 data={"envelope": ref, "count": shares, "purpose": PURPOSE})  # fmt: skip
    return ref, record(store, [sent]).new > 0


def record_grab(
    store: Store, community: str, group: str, member: str, *, amount: float | None = None,
    at: datetime | None = None, envelope: str | None = None, source: str = "operator:cli",
    writer: Writer | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Record that ``member`` grabbed a share of a red envelope in ``group`` at ``at`` (now; a
    naive time is the community's): the envelope named, else the newest one sent there before
    ``at``. A member grabs an envelope once, so recording it twice is one fact. ``writer``
    (an API token) passes the write guard like ``POST /events``."""
    with store.read() as conn:
        bp = get_blueprint(conn, community)
        bp.group(group)
        when = aware(bp, at) if at else datetime.now(UTC)
        sent = [e for _, e in events_by(conn, community, ("redenvelope.sent",),
                                        since=when - LOOK_BACK, until=when, group=group)
                if envelope is None or str(e.data.get("envelope")) == envelope]  # fmt: skip
    if not sent:
        before = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        said = dict(group=group, days=LOOK_BACK.days, before=before)
        raise NotFound(
            Said(
                "no red envelope {envelope!r} sent in {group!r} in the {days} days before "
                "{before} UTC: record it first (shequn envelope sent)",
                envelope=envelope,
                **said,
            )
            if envelope
            else Said(
                "no red envelope sent in {group!r} in the {days} days before {before} UTC: "
                "record it first (shequn envelope sent)",
                **said,
            ),
            group=group,
            envelope=envelope,
        )
    found = str(sent[-1].data["envelope"])
    data: dict[str, Any] = {"envelope": found, **({"amount": amount} if amount else {})}
    grab = Event("redenvelope.grabbed", when, community, source,
                 capped_ref(f"grab:{found}:{member}"), group=group, actor=member,
                 subject=sent[-1].actor, data=data)  # fmt: skip
    events = [grab] if writer is None else list(guarded(store, writer, [grab], label="grab"))
    new = record(store, events).new > 0
    return {"envelope": found, "group": group, "member": member, "at": when.isoformat(),
            "new": new}  # fmt: skip


def list_tests(
    store: Store, community: str, groups: Sequence[str] | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Test envelopes of the last weeks, newest first, with their verdict once judged."""
    at = now or datetime.now(UTC)
    with store.read() as conn:
        found = _tests(conn, community, at - LOOK_BACK)
    return [
        {
            "group": x.group,
            "envelope": x.envelope,
            "sent_at": x.sent_at.isoformat(),
            "shares": x.shares,
            "verdict": (v or {}).get("verdict"),
            "grabbed": (v or {}).get("grabbed"),
        }
        for x, v in reversed(found)
        if groups is None or x.group in groups
    ]


def _tests(
    conn: Connection, community: str, since: datetime
) -> list[tuple[Envelope, dict[str, Any] | None]]:
    """Test envelopes sent since ``since``, oldest first, each with its verdict's data."""
    verdicts = {
        str(e.data["envelope"]): e.data
        for _, e in events_by(conn, community, ("envelope.judged",), since=since)
    }
    return [
        (_test(e), verdicts.get(str(e.data["envelope"])))
        for _, e in events_by(conn, community, ("redenvelope.sent",), since=since)
        if e.data.get("purpose") == PURPOSE and e.group
    ]


def _test(e: Event) -> Envelope:
    shares = e.data.get("count")
    return Envelope(str(e.group), str(e.data["envelope"]), e.occurred_at,
                        int(shares) if shares else None, e.actor)  # fmt: skip


__all__ = ["judge", "list_tests", "record_grab", "record_sent", "request_test"]
