"""Delegation over HTTP (P-ORG-4): who leads each group, the gaps, and a handover.

The same service functions as ``shequn roles coverage|handover``. Coverage is a read: a
scoped token sees its own groups (and the gaps there) only; an overdue small task is shown
to a scoped token when it can see the member. A handover changes roles, which are the
owner's word (``role.changed`` is of the ``people`` class), so it takes an owner token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from shequn.api.deps import (
    CommunityPath,
    Operator,
    OperatorDep,
    StoreDep,
    WriterDep,
    access_community,
    access_member,
    can_see,
)
from shequn.engine import delegation
from shequn.errors import Forbidden
from shequn.model.i18n import Said

router = APIRouter(tags=["organization"])
C = "/communities/{community}"
Key = Field(max_length=255, description="member or identity key")


def owner(op: WriterDep) -> Operator:
    """Only the owner hands roles over: roles decide who runs which group."""
    if op.role != "owner":
        raise Forbidden(
            Said("a {role} token may not hand roles over; the owner may", role=op.role),
            role=op.role,
        )
    return op


class Handover(BaseModel):
    model_config = ConfigDict(extra="forbid")
    leaver: str = Key
    successor: str = Key


@router.get(f"{C}/coverage", response_model=dict[str, Any])
def get_coverage(community: CommunityPath, op: OperatorDep, store: StoreDep) -> dict[str, Any]:
    """Each group's leaders and every gap: a group nobody leads, a silent leader, an overdue
    small task (``[organization.coverage]``)."""
    with store.read() as conn:
        access_community(conn, op, community)
    found = delegation.coverage(store, community)
    if op.groups is None:
        return found
    with store.read() as conn:
        return delegation.scoped(found, op.covers, lambda m: can_see(conn, op, community, m))


@router.post(f"{C}/handover", response_model=list[dict[str, Any]])
def post_handover(
    community: CommunityPath, body: Handover, op: Annotated[Operator, Depends(owner)],
    store: StoreDep,
) -> list[dict[str, Any]]:  # fmt: skip
    """Hand every role the leaver holds to the successor, group by group; the leaver goes
    back to member. 409 when the leaver holds no role."""
    with store.read() as conn:
        access_community(conn, op, community)
        leaver = access_member(conn, op, community, body.leaver).key
        successor = access_member(conn, op, community, body.successor).key
    events = delegation.handover(
        store, community, leaver, successor, operator=None,
        source=op.asked_source,
    )  # fmt: skip
    return [e.to_dict() for e in events]
