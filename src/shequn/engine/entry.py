"""Entry (P-IN): newcomers through links and thresholds, in waves, via the preparatory camp.

The functions here are what the CLI, the API and a bot call. Each runs one transaction that
takes the append lock first (:func:`~shequn.store.append.lock_for_decision`), reads the state
it needs, decides with the pure rules of ``entry_rules.py`` / ``intake.py`` and applies the
decision — so 200 newcomers scanning one live code at once fill every group exactly to its
capacity, never beyond.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from shequn.engine.decisions import Decision, apply, new_ref, operator_source
from shequn.engine.door import DoorState, enter_batch
from shequn.engine.engagement.checkins import streaks_in
from shequn.engine.entry_rules import (
    DoorView,
    Knock,
    Request,
    decide_entry,
    entry_config,
)
from shequn.engine.fission import after_append
from shequn.engine.waves import open_wave, open_waves
from shequn.errors import Conflict
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.entities import EntryState
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store.append import lock_for_decision
from shequn.store.db import Store
from shequn.store.growth_queries import (
    get_blueprint,
    get_entry,
    get_link,
    growth_blueprint,
    list_entries,
)
from shequn.store.growth_state import growth_state
from shequn.store.planner_stats import after_knocks as analyse_grown
from shequn.store.queries import get_member
from shequn.store.referral_queries import invited_by


def enter(
    store: Store, community: str, request: Request, *, source: str = "engine"
) -> list[EntryState]:
    """Decide on one newcomer and return their entries afterwards."""
    return enter_many(store, community, [request], source=source)[0]


def enter_many(
    store: Store, community: str, requests: Sequence[Request], *, source: str = "engine"
) -> list[list[EntryState]]:
    """Decide on many newcomers in one transaction (one commit: a bot's batch of scans).

    Each decision sees the ones before it, so seats are never given twice. The state of the
    whole batch is read once (``engine/door.py``): a bot that gathers the scans of the last
    few tens of milliseconds and hands them over together admits well over a thousand
    newcomers a second, where one transaction per scan manages about a hundred.
    """
    with store.transaction() as conn:
        out = enter_batch(conn, community, requests, source)  # takes the append lock first
    analyse_grown(store, len(requests))  # PostgreSQL: statistics a fresh store lacks
    return out


def decide(conn: Connection, bp: Blueprint, knock: Knock) -> Decision:
    """Read the door's state, decide on the knock and apply it, then open a wave if one is
    full and let fission look at the new touch (fraud check, campaign progress)."""
    view = door_view(conn, bp, knock)
    decision = decide_entry(knock, view)
    if not decision:
        return decision
    result = apply(conn, decision)
    queued = {e.group for e in decision.events if e.data.get("outcome") == "queued" and e.group}
    for group in sorted(queued):
        decision += open_wave(conn, bp, group, knock.at, force=False)
    after_append(conn, bp, result.new_events)
    return decision


def door_view(conn: Connection, bp: Blueprint, knock: Knock) -> DoorView:
    """What the door knows for one knock (the batched door's state, for a batch of one)."""
    return DoorState(conn, bp, [knock]).view(knock)


def reconsider(conn: Connection, bp: Blueprint, identity: str, at: datetime, ref: str) -> Decision:
    """Re-decide a newcomer's pending entries after something changed (a task done, a
    payment, a judge's verdict, a camp finished)."""
    total = Decision.none()
    for entry in list_entries(conn, bp.community.slug, identity=identity, status=("pending",)):
        if entry.group is None:
            continue
        link = get_link(conn, entry.link) if entry.link else None
        knock = Knock(
            identity, at, f"{ref}:{entry.group}", link=link, group=entry.group, fresh=False
        )
        total += decide(conn, bp, knock)
    return total


# -- applications (P-IN-1) -------------------------------------------------------------
def review_application(
    store: Store,
    community: str,
    group: str,
    applicant: str,
    *,
    judge: str,
    verdict: str,
    reason: str | None = None,
    now: datetime | None = None,
    source: str | None = None,
) -> EntryState:
    """A judge's verdict; the k-th approval admits, too many rejections reject (with the
    reasons sent to the applicant)."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        cfg = entry_config(bp, group)
        if "application" not in cfg.gates:
            raise Conflict(Said("group {group!r} takes no applications", group=group), group=group)
        if ":" not in applicant:
            applicant = get_member(conn, applicant, community=community).key
        entry = get_entry(conn, community, group, applicant)
        if entry is None or entry.status != "pending":
            status = entry.status if entry else "no application"
            raise Conflict(
                Said(
                    "{applicant} has no pending application to {group!r} ({status})",
                    applicant=applicant,
                    group=group,
                    status=status,
                )
            )
        ref = new_ref()
        data: dict[str, Any] = {"verdict": verdict}
        if reason:
            data["reason"] = reason
        event = Event(
            kind="application.reviewed",
            occurred_at=at,
            community=community,
            source=source or operator_source(),
            source_ref=f"review:{ref}",
            group=group,
            actor=judge,
            subject=applicant,
            data=data,
        )
        apply(conn, Decision(events=[event]))
        reconsider(conn, bp, applicant, at, f"review:{ref}")
        found = get_entry(conn, community, group, applicant)
        assert found is not None  # noqa: S101
        return found


# -- the preparatory camp --------------------------------------------------------------
def graduate(store: Store, community: str, *, now: datetime | None = None) -> list[str]:
    """Graduate every camper with enough days checked in (distinct local days, what the
    check-in board counts) and move them on to their main group;
    a refundable deposit is returned (a ``payment.refund`` action). Returns who graduated."""
    at = now or datetime.now(UTC)
    done: list[str] = []
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        for g in bp.groups:
            cfg = g.entry
            if "camp" not in cfg.gates or cfg.camp is None:
                continue
            waiting = {
                e.identity for e in list_entries(conn, community, group=g.slug, status=("pending",))
            }
            streaks = streaks_in(conn, bp, cfg.camp, at)  # days checked in, as the board
            for camper in list_entries(
                conn, community, group=cfg.camp, status=("admitted", "joined")
            ):
                done_days = streaks[camper.identity].total if camper.identity in streaks else 0
                if camper.identity not in waiting or done_days < cfg.graduate_checkins:
                    continue
                camper = replace(camper, checkins=done_days)
                apply(conn, _graduation(bp, g.slug, cfg.camp, camper, at))
                reconsider(conn, bp, camper.identity, at, f"camp:{cfg.camp}:{camper.identity}")
                done.append(camper.identity)
    return done


def _graduation(bp: Blueprint, group: str, camp: str, camper: EntryState, at: datetime) -> Decision:
    community = bp.community.slug
    cfg = entry_config(bp, group)
    event = Event(
        kind="camp.graduated",
        occurred_at=at,
        community=community,
        source="engine",
        source_ref=f"camp:{community}:{camp}:{camper.identity}",
        group=camp,
        subject=camper.identity,
        data={"to": group, "checkins": camper.checkins},
    )
    actions = []
    if cfg.deposit and "payment" in cfg.gates:
        actions.append(
            Action(
                "payment.refund",
                community,
                at,
                camp,
                {
                    "to": camper.identity,
                    "amount": cfg.fee,
                    "currency": cfg.currency,
                    "reason": f"graduated from {camp}",
                },
            )
        )
    return Decision(events=[event], actions=actions)


def pending_for(conn: Connection, community: str, identities: Iterable[str]) -> list[str]:
    """Which of ``identities`` have a pending entry (their new facts may unblock it)."""
    wanted = set(identities)
    return sorted(
        {
            e.identity
            for e in list_entries(conn, community, status=("pending",))
            if e.identity in wanted
        }
    )


_UNBLOCKING = frozenset({"task.completed", "payment.made", "member.invited", "member.joined"})
"""Facts that may let a pending newcomer through (a task, a payment, an invite that joined)."""


def after_record(conn: Connection, new_events: Sequence[tuple[int, Event]]) -> None:
    """The growth engines' reaction to recorded facts (imports, a bot's events): fission
    re-counts and rewards, and pending entries whose gate may now pass are reconsidered."""
    communities = sorted({e.community for _, e in new_events if e.kind in _RELEVANT})
    for community in communities:
        _, campaigns, pending_entries = growth_state(conn, community)  # one statement
        bp = growth_blueprint(conn, community, pending_entries, campaigns)
        if bp is None:
            continue
        after_append(conn, bp, new_events, campaigns)
        if not pending_entries:
            continue
        people = {
            e.actor for _, e in new_events if e.community == community and e.kind in _UNBLOCKING
        }
        for _, e in new_events:  # a join may complete its inviter's task ``invited:N``
            if e.community == community and e.kind == "member.joined" and e.actor:
                people.update(invited_by(conn, community, e.actor))
        for identity in pending_for(conn, community, (p for p in people if p)):
            latest = max(e.occurred_at for _, e in new_events)
            at = max((e.occurred_at for _, e in new_events if e.actor == identity), default=latest)
            reconsider(conn, bp, identity, at, f"recheck:{new_ref()}")


_RELEVANT = _UNBLOCKING | {
    "member.left",
    "member.removed",
    "identity.merged",
    "identity.unmerged",
    "referral.reviewed",
}
TRIGGERS = frozenset(_RELEVANT)
"""The kinds that wake entry and fission (their reactor in ``engine/reactions.py``)."""


__all__ = [
    "TRIGGERS",
    "Request",
    "after_record",
    "decide",
    "enter",
    "enter_many",
    "graduate",
    "open_wave",
    "open_waves",
    "reconsider",
    "review_application",
]
