"""The organization reactor (``engine/reactions.py``): a role shequn gave or took is followed
on the platform (P-ORG-1).

Woken by ``role.changed``. Only the roles shequn decided are followed — the engine's (an
election, a term's end, a carried motion, a handover), an operator's (``shequn roles set``,
the dashboard's promote button) and an API token's — never one reported by a platform or an
export, which the platform already shows. For each member the batch touched it folds their
``role.changed`` history before and after the batch, finds the groups whose chat shows a
different role now (the changed group; for a community-wide change every group bound to a
chat) and queues what ``platform_roles_rules.decide_follow`` decides, each action caused by
the member's last change. The worker performs it where the connector can (Telegram's
``promoteChatMember``) and opens an operator task in the community's language elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from shequn.engine.platform_roles_rules import decide_follow, fold_roles, seats
from shequn.errors import NotFound
from shequn.model.actions import Action
from shequn.model.entities import Member
from shequn.model.events import Event
from shequn.store.bindings import bindings_by_platform
from shequn.store.growth_queries import get_blueprint
from shequn.store.org_queries import role_history
from shequn.store.outbox import enqueue_each
from shequn.store.queries import get_member

TRIGGERS = frozenset({"role.changed"})
"""Kinds that wake the organization reactor."""
FOLLOWED = ("engine", "operator:", "api:")
"""The sources of role changes shequn decided (``str.startswith`` prefixes)."""


def followed(e: Event) -> bool:
    """A ``role.changed`` shequn decided, naming its member."""
    return e.kind == "role.changed" and e.subject is not None and e.source.startswith(FOLLOWED)


def identity_on(member: Member, platform: str | None) -> str:
    """The member's identity on ``platform`` (their member key when they have none there)."""
    keys = [i.key for i in member.identities]
    return next((k for k in keys if platform and k.startswith(f"{platform}:")), member.key)


def react(conn: Connection, new_events: Sequence[tuple[int, Event]]) -> None:
    """Queue the platform's side of the batch's followed role changes."""
    subjects = {(e.community, str(e.subject)) for _, e in new_events if followed(e)}
    if not subjects:
        return
    new_ids = {i for i, _ in new_events}
    now = max(e.occurred_at for _, e in new_events)
    queued: list[tuple[Action, int | None]] = []
    done: set[tuple[str, int]] = set()
    for community, subject in sorted(subjects):
        try:
            bp = get_blueprint(conn, community)
            member = get_member(conn, subject, community=community)
        except (NotFound, ValueError):
            continue
        if not bp.organization.platform.follow or (community, member.id) in done:
            continue
        done.add((community, member.id))
        history = role_history(conn, community, [member.key, *(i.key for i in member.identities)])
        batch = [(i, e) for i, e in history if i in new_ids]
        if not batch:
            continue
        before = fold_roles(e for i, e in history if i not in new_ids)
        after = fold_roles(e for _, e in history)
        platform_of = {
            g: platform for platform, chats in bindings_by_platform(conn, community).items()
            for g in chats.values()
        }  # fmt: skip
        changed = {e.group for _, e in batch}
        groups = [
            g.slug for g in bp.groups
            if g.slug in changed or (None in changed and g.slug in platform_of)
        ]  # fmt: skip
        where = {g: identity_on(member, platform_of.get(g)) for g in groups}
        found = seats(before, after, groups, where, member.display_name or member.key)
        queued += [(a, batch[-1][0]) for a in decide_follow(bp, found, now)]
    enqueue_each(conn, queued)


__all__ = ["FOLLOWED", "TRIGGERS", "followed", "identity_on", "react"]
