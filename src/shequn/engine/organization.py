"""Organization (P-ORG): the pyramid of roles — who is owner, manager, group leader, member.

Promoting a key behaviour leader (P-ORG-2, the diagnosis move ``promote_key_member``) is a
``role.changed`` event; the roles projection follows from it. As everywhere in the engine the
decision is pure (:func:`decide_role_change`) and :func:`change_role` applies it in one
transaction, so the CLI, the API and the dashboard all promote people the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shequn.engine.decisions import Decision, apply, capped_ref, new_ref, operator_source
from shequn.engine.reactions import react
from shequn.errors import Conflict, InvalidEvent
from shequn.model.entities import Member
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.model.kinds import ROLES
from shequn.store.db import Store
from shequn.store.queries import get_member


def current_role(member: Member, community: str, group: str | None) -> str:
    """The member's role in ``group`` (``None``: community-wide); ``member`` if none."""
    for role in member.roles:
        if role.community == community and role.group == group:
            return role.role
    return "member"


def role_changed(
    community: str,
    group: str | None,
    member: str,
    role: str,
    at: datetime,
    *,
    source: str,
    ref: str,
    actor: str | None = None,
    **why: object,
) -> Event:
    """The ``role.changed`` event giving ``member`` ``role`` in ``group``; ``why`` (reason,
    the election or motion) rides along in its data for the timeline and the audit."""
    return Event(
        kind="role.changed",
        occurred_at=at,
        community=community,
        source=source,
        source_ref=capped_ref(ref),
        group=group,
        actor=actor,
        subject=member,
        data={"role": role, **why},
    )


def decide_role_change(
    member: Member,
    *,
    community: str,
    role: str,
    group: str | None,
    now: datetime,
    source: str,
    source_ref: str | None = None,
    operator: str | None = None,
) -> Decision:
    """Pure: the ``role.changed`` event giving ``member`` ``role`` in ``group`` — or no
    decision when they hold that role already (promoting twice changes nothing)."""
    if role not in ROLES:
        raise InvalidEvent(
            Said("unknown role {role!r}; one of {names}", role=role, names=", ".join(ROLES)),
            field="role",
        )
    if member.merged_into is not None:
        raise Conflict(
            Said(
                "{key} was merged into {merged_into}; change that member's role",
                key=member.key,
                merged_into=member.merged_into,
            ),
            member=member.key,
        )
    if current_role(member, community, group) == role:
        return Decision.none()
    event = Event(
        kind="role.changed",
        occurred_at=now,
        community=community,
        source=source,
        source_ref=source_ref or new_ref(),
        group=group,
        actor=operator,
        subject=member.key,
        data={"role": role},
    )
    return Decision(events=[event])


def change_role(
    store: Store,
    community: str,
    member_ref: str,
    role: str,
    group: str | None = None,
    *,
    source: str | None = None,
    operator: str | None = None,
    now: datetime | None = None,
) -> Event:
    """Give a member (id or identity key) ``role`` in ``group`` and return the recorded
    ``role.changed`` event. Raises :class:`Conflict` when the role is already theirs, so a
    double click on "promote" is reported rather than silently recorded twice."""
    with store.transaction() as conn:
        member = get_member(conn, member_ref, community=community)
        decision = decide_role_change(
            member,
            community=community,
            role=role,
            group=group,
            now=now or datetime.now(UTC),
            source=source or operator_source(),
            operator=operator,
        )
        if not decision:
            where = (
                Said("group {group}", group=repr(group))
                if group
                else Said("community {community}", community=repr(community))
            )
            raise Conflict(
                Said(
                    "{key} is already {role} in {where}",
                    key=member.key,
                    role=Said(role),
                    where=where,
                ),
                member=member.key,
            )
        react(conn, apply(conn, decision).new_events)  # the platform role follows
    return decision.events[0]


__all__ = ["change_role", "current_role", "decide_role_change", "role_changed"]
