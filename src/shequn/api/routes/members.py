"""``/communities/{community}/members``: people, their identities, groups and roles; merging
two members who are one person (as ``shequn members list|show|merge``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from shequn.api.deps import (
    CommunityPath,
    ManagerDep,
    OperatorDep,
    StoreDep,
    access_community,
    access_group,
    access_member,
    visible,
)
from shequn.api.errors import CONFLICT
from shequn.api.queries import member_ids_page
from shequn.api.schemas import MemberPage, MergeIn
from shequn.engine import identity
from shequn.model.entities import Member
from shequn.store.queries import list_members

router = APIRouter(tags=["members"])

Cursor = Annotated[
    int | None, Query(ge=0, le=2**63 - 1, description="`next_cursor` of the previous page.")
]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]


@router.get("/communities/{community}/members", response_model=MemberPage)
def get_members(
    community: CommunityPath,
    op: OperatorDep,
    store: StoreDep,
    group: Annotated[str | None, Query(description="Only members of this group.")] = None,
    search: Annotated[
        str | None, Query(max_length=200, description="Part of a name or identity key.")
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> MemberPage:
    """Members (merged identities count once), oldest first, one page at a time. A scoped
    token sees the members of its groups, and only their memberships in those groups."""
    with store.read() as conn:
        access_community(conn, op, community)
        groups = [access_group(conn, op, community, group).slug] if group else op.groups
        ids = member_ids_page(
            conn, community=community, groups=groups, search=search, after=cursor, limit=limit + 1
        )
        page = list_members(conn, ids=ids[:limit]) if ids else []
    shown = [m for m in (visible(op, community, x) for x in page) if m is not None]
    return MemberPage(items=shown, next_cursor=ids[limit - 1] if len(ids) > limit else None)


@router.get("/communities/{community}/members/{ref}", response_model=Member)
def get_member(
    community: CommunityPath,
    ref: Annotated[str, Path(description="Member id or any of their identity keys.")],
    op: OperatorDep,
    store: StoreDep,
) -> Member:
    """One member: identities, memberships (with channel and inviter), roles."""
    with store.read() as conn:
        return access_member(conn, op, community, ref)


@router.post(
    "/communities/{community}/members/merge", response_model=dict[str, Any], responses=CONFLICT
)
def merge_members(
    community: CommunityPath,
    body: MergeIn,
    op: ManagerDep,
    store: StoreDep,
    request: Request,
) -> dict[str, Any]:
    """Record that two members are one person (history is kept). A manager may merge
    members of its own groups; an owner, any two members of the community.
    Returns the ``identity.merged`` event."""
    with store.read() as conn:
        keep = access_member(conn, op, community, body.keep)
        absorb = access_member(conn, op, community, body.absorb)
    event = identity.merge(
        store,
        str(keep.id),
        str(absorb.id),
        source=f"operator:api:{op.token_id}",
        community=community,
    )
    request.state.audit_summary = {"merged": event.subject, "into": event.data["into"]}
    return event.to_dict()
