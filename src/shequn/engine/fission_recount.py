"""A batch's re-count of its inviters, written once (issue 22).

A batch of recorded joins re-counts every inviter it touches (``fission.after_append``). One
at a time, each inviter cost a read of their rewards, and each reward decided an append of
its own (the look-ahead reads, the insert, the projection) and its messages queued apart.
:class:`Recount` reads the inviters' rewards once, keeps them current in memory as rewards
are decided, and writes every decision of the batch in one append and one enqueue at the end.

The rewards held in memory are what reading them again would give: a ``reward.granted`` /
``reward.revoked`` for a key changes the row of that key's identity (``store/growth.py``), and
an inviter's rewards are those of every identity of their person — so the change is folded
into every inviter of the batch who is the same person (one person's two keys may both be
inviters). The outbox keeps the order the actions were decided in: a note, a reward's
messages (only if its event was new, as ``decisions.apply`` does), the next note.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from shequn.engine.decisions import Decision
from shequn.model.actions import Action
from shequn.store.append import append
from shequn.store.door_queries import persons_of
from shequn.store.outbox import enqueue_each
from shequn.store.referral_queries import rewards_of_inviters

_STATUS = {"reward.granted": "granted", "reward.revoked": "revoked"}


class Recount:
    """Rewards and decisions of one batch's inviters (see the module docstring)."""

    def __init__(self, conn: Connection, community: str, inviters: Sequence[str]) -> None:
        self.conn, self.community, self.inviters = conn, community, inviters
        self.held: dict[str, dict[str, dict[int, str]]] | None = None
        self.people: dict[str, list[str]] | None = None
        self.decided: list[Decision] = []
        self.queued: list[tuple[Action, Decision | None]] = []

    def rewards(self, campaign: str, inviter: str) -> dict[int, str]:
        """Tier → status of ``inviter``'s rewards in ``campaign``, as decided so far."""
        if self.held is None:
            self.held = rewards_of_inviters(self.conn, self.community, self.inviters)
        return self.held.get(inviter, {}).get(campaign, {})

    def apply(self, decision: Decision) -> Decision:
        """Take a decision to write at :meth:`flush`; its rewards count from now on."""
        if decision.events:
            self.decided.append(decision)
            self._hold(decision)
        self.queued += [(a, decision if decision.events else None) for a in decision.actions]
        return decision

    def _hold(self, decision: Decision) -> None:
        for e in decision.events:
            status = _STATUS.get(e.kind)
            if status is None or e.subject is None:
                continue
            if self.people is None:  # who shares a person, asked once and only if needed
                alone = len(self.inviters) == 1  # (one knock's join: no one else to tell)
                self.people = (
                    {k: [k] for k in self.inviters}
                    if alone
                    else persons_of(self.conn, self.community, self.inviters)
                )
            held = self.held if self.held is not None else {}
            for inviter in self.inviters:
                if e.subject in self.people.get(inviter, (inviter,)):
                    tiers = held.setdefault(inviter, {}).setdefault(e.data["campaign"], {})
                    tiers[e.data["tier"]] = status
            self.held = held

    def flush(self) -> None:
        """Write the decisions in one append and queue every action in decided order; a
        decision's actions only if one of its events was new (a replay queues nothing)."""
        events = [e for d in self.decided for e in d.events]
        ids: dict[tuple[str, str], int] = {}
        if events:
            result = append(self.conn, events, keep_events=True)
            ids = {(e.source, e.source_ref): i for i, e in result.new_events}
        causes: dict[int, int] = {}
        for decided in self.decided:
            new = [ids[k] for e in decided.events if (k := (e.source, e.source_ref)) in ids]
            if new:
                causes[id(decided)] = min(new)
        out: list[tuple[Action, int | None]] = []
        for action, by in self.queued:
            if by is None:
                out.append((action, None))
            elif id(by) in causes:
                out.append((action, causes[id(by)]))
        enqueue_each(self.conn, out)
        self.decided, self.queued = [], []
