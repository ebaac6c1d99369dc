"""Waves (P-IN-3): newcomers queued at the door are let in together, so the group welcomes
them at once and the members of the wave before greet them.

Apart from ``entry.py`` because both the single knock (``entry.py``) and the batch at the door
(``door.py``) open a wave once they have queued someone, and ``entry.py`` imports ``door.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from shequn.engine.decisions import Decision, apply
from shequn.engine.entry_rules import entry_config, join_data
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.entities import EntryState, shown_name
from shequn.model.events import Event
from shequn.store.append import lock_for_decision
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint, get_link, last_wave, list_entries
from shequn.store.scope_queries import display_names


def open_wave(
    conn: Connection, bp: Blueprint, group: str, now: datetime, *, force: bool
) -> Decision:
    """Let queued newcomers in together: a full wave at once; a smaller one once its first
    newcomer has waited ``wave_wait_hours`` (or ``force``). One welcome for the wave, and
    the previous wave is asked to greet it."""
    community = bp.community.slug
    cfg = entry_config(bp, group)
    total = Decision.none()
    while True:
        queued = list_entries(conn, community, group=group, status=("queued",))
        if not queued:
            return total
        oldest = queued[0].decided_at or now
        due = len(queued) >= cfg.wave_size or force
        due = due or now - oldest >= timedelta(hours=cfg.wave_wait_hours)
        if not due:
            return total
        wave = last_wave(conn, community, group)
        earlier = [e.identity for e in list_entries(conn, community, group=group) if e.wave == wave]
        joining = queued[: cfg.wave_size]
        links = {e.link: get_link(conn, e.link) for e in joining if e.link}
        extras = {e.identity: join_data(links.get(e.link)) for e in joining if e.link}
        names = display_names(conn, community, [e.identity for e in joining])
        decision = decide_wave(bp, group, wave + 1, joining, earlier, now, extras, names)
        apply(conn, decision)
        total += decision


def decide_wave(
    bp: Blueprint,
    group: str,
    number: int,
    newcomers: Sequence[EntryState],
    earlier: Sequence[str],
    now: datetime,
    join: dict[str, dict[str, str]] | None = None,
    names: Mapping[str, str] | None = None,
) -> Decision:
    """Pure: the ``wave.opened`` event and its actions (admit each — with the join data the
    platform should echo, see :func:`join_data` — welcome, greet). ``names``: display names
    by identity key, so the welcome names people, not account ids."""
    community = bp.community.slug
    keys = [e.identity for e in newcomers]
    event = Event(
        kind="wave.opened",
        occurred_at=now,
        community=community,
        source="engine",
        source_ref=f"wave:{community}:{group}:{number}",
        group=group,
        data={"wave": number, "members": keys},
    )
    extra = join or {}
    actions = [
        Action("member.admit", community, now, group, {"identity": k, **extra.get(k, {})})
        for k in keys
    ]
    # Named texts, rendered at send time (model/templates.py): "welcome" to the group,
    # "greet" to the members admitted before this wave.
    shown = [shown_name(k, names) for k in keys]
    said = {"group": group, "names": shown, "count": len(keys), "wave": number}
    actions.append(Action("message.send", community, now, group, {"template": "welcome", **said}))
    if earlier:
        to = {"to": list(earlier), "template": "greet"}
        actions.append(Action("message.send", community, now, group, {**to, **said}))
    return Decision(events=[event], actions=actions)


def open_waves(
    store: Store, community: str, *, now: datetime | None = None, force: bool = False
) -> int:
    """Open every wave that is due in the community; returns how many opened."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        opened = Decision.none()
        for g in bp.groups:
            if g.entry.waves:
                opened += open_wave(conn, bp, g.slug, at, force=force)
    return sum(e.kind == "wave.opened" for e in opened.events)
