"""The platform role follows shequn's roles, decided purely (P-ORG-1: "the platform role
follows where the connector can").

A member who leads a group in shequn — its group leader, or a manager (a monitor, 班长) of
that group or of the whole community — should hold the rights to lead it on the platform too:
delete a message, mute a spammer, make an invite link, pin the week's plan. So when their role
changes, the group's platform seat is compared before and after: newly leading gives
``member.promote`` (the rights the role needs and, with ``[organization.platform] titles``,
the role's name as their admin title), no longer leading gives ``member.demote`` (every right
taken away), a change between two leading roles promotes again with the new role's rights.
The owner is the chat's creator on every platform and is never promoted or demoted here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event
from shequn.model.i18n import N_, tr
from shequn.model.kinds_org import LEAD_ROLES

ROLE_NAMES = {"manager": N_("monitor"), "group_leader": N_("group leader")}
"""Each leading role's name (a message id: 班长, 群主管 in Chinese), the admin title and the
operator task's words."""

Roles = Mapping[str | None, str]
"""A member's roles by group (``None``: community-wide)."""


@dataclass(frozen=True, slots=True)
class Seat:
    """A member's place in one group's chat: the leading role that shows there before and
    after a change (``None``: a plain member) and the identity the platform knows them by."""

    group: str
    identity: str
    who: str
    before: str | None
    after: str | None


def fold_roles(changes: Iterable[Event]) -> dict[str | None, str]:
    """A member's roles by group after ``changes`` (``role.changed``, oldest first)."""
    roles: dict[str | None, str] = {}
    for e in changes:
        roles[e.group] = str(e.data.get("role", "member"))
    return roles


def shown_role(roles: Roles, group: str) -> str | None:
    """The leading role that gives the member rights in ``group``'s chat: the higher of their
    role there and their community-wide one (a community-wide manager leads every group)."""
    held = [r for r in (roles.get(group), roles.get(None)) if r in LEAD_ROLES]
    return min(held, key=LEAD_ROLES.index) if held else None


def seats(
    before: Roles, after: Roles, groups: Sequence[str], identity_in: Mapping[str, str], who: str
) -> list[Seat]:
    """The member's seat in each of ``groups`` (``identity_in``: group → their identity on
    the platform of its chat) before and after the change."""
    return [
        Seat(g, identity_in[g], who, shown_role(before, g), shown_role(after, g)) for g in groups
    ]


def role_name(role: str, lang: str) -> str:
    """``role``'s name in ``lang`` (a leading role's, or the role itself)."""
    return tr(lang, ROLE_NAMES[role]) if role in ROLE_NAMES else role


def decide_follow(bp: Blueprint, changed: Sequence[Seat], now: datetime) -> list[Action]:
    """Pure: ``member.promote`` for each seat that now leads differently, ``member.demote``
    for each that no longer leads; nothing when ``[organization.platform] follow`` is off."""
    platform = bp.organization.platform
    if not platform.follow:
        return []
    lang, community = bp.community.language, bp.community.slug
    actions = []
    for s in changed:
        if s.before == s.after:
            continue
        said = {"identity": s.identity, "who": s.who}
        if s.after is not None:
            name = role_name(s.after, lang)
            payload = {**said, "role": s.after, "name": name, "title": platform.titles}
            actions.append(Action("member.promote", community, now, s.group, payload))
        elif s.before is not None:
            payload = {**said, "role": "member", "was": s.before, "name": role_name(s.before, lang)}
            actions.append(Action("member.demote", community, now, s.group, payload))
    return actions


__all__ = ["ROLE_NAMES", "Seat", "decide_follow", "fold_roles", "role_name", "seats", "shown_role"]
