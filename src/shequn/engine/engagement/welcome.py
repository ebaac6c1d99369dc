"""Welcomes for every join path (P-ENG-1).

A wave is welcomed when it opens (``engine/entry.py``: one welcome for the wave, the earlier
members asked to greet it). Everyone else who joins — a group without waves, a member added
by a friend, a join through a platform's own link — is welcomed here, after the join is
recorded: one ``join_welcome`` per group for the joins of one recorded batch (a burst of
joins is one message, not fifty), the group rules attached, and with ``clean = true`` the
previous welcome deleted so the group's history is not a column of greetings.

A join recorded long after it happened (an imported export) is history, not a moment to
greet anyone: joins older than ``max_age_minutes`` are never welcomed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shequn.engine.decisions import Decision
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.entities import shown_name

FUTURE_SLACK = timedelta(minutes=5)
"""A join stamped a little ahead of the engine's clock (clock skew) is still fresh."""


@dataclass(frozen=True, slots=True)
class Join:
    """One recorded join as the welcome sees it."""

    identity: str
    group: str
    at: datetime
    waved: bool = False  # a wave's welcome named them already


def fresh(bp: Blueprint, join: Join, now: datetime) -> bool:
    """Is ``join`` recent enough to be welcomed (not history, not far in the future)?"""
    age = timedelta(minutes=bp.engagement.welcome_for(join.group).max_age_minutes)
    return now - age <= join.at <= now + FUTURE_SLACK


def decide_welcomes(
    bp: Blueprint,
    joins: Sequence[Join],
    now: datetime,
    previous: Mapping[str, str | None] | None = None,
    display: Mapping[str, str] | None = None,
) -> Decision:
    """Pure: one ``join_welcome`` per group for its fresh, not-yet-welcomed joins; with
    ``clean``, first delete ``previous[group]`` (the platform id of the last welcome)."""
    known = {g.slug for g in bp.groups}
    newcomers: dict[str, list[str]] = {}
    for j in joins:
        cfg = bp.engagement.welcome_for(j.group)
        if j.group in known and cfg.enabled and not j.waved and fresh(bp, j, now):
            names = newcomers.setdefault(j.group, [])
            if j.identity not in names:
                names.append(j.identity)
    community = bp.community.slug
    actions: list[Action] = []
    for group, keys in newcomers.items():
        cfg = bp.engagement.welcome_for(group)
        last = (previous or {}).get(group)
        if cfg.clean and last:
            gone = {"message": last, "reason": "clean_welcome"}
            actions.append(Action("message.delete", community, now, group, gone))
        said = {
            "template": "join_welcome",
            "group": group,
            "names": [shown_name(k, display) for k in keys],
            "count": len(keys),
            "rules": list(cfg.rules),
        }
        actions.append(Action("message.send", community, now, group, said))
    return Decision(actions=actions)
