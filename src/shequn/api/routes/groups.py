"""``/communities/{community}/groups``: the group matrix, limited to the token's groups."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from shequn.api.deps import CommunityPath, OperatorDep, StoreDep, access_community, access_group
from shequn.model.entities import Group
from shequn.store.queries import list_groups

router = APIRouter(tags=["groups"])


@router.get("/communities/{community}/groups", response_model=list[Group])
def get_groups(community: CommunityPath, op: OperatorDep, store: StoreDep) -> list[Group]:
    """Groups with platform, stage, capacity and active members (as `shequn groups list`)."""
    with store.read() as conn:
        access_community(conn, op, community)
        return op.visible_groups(list_groups(conn, community))


@router.get("/communities/{community}/groups/{group}", response_model=Group)
def get_group(
    community: CommunityPath,
    group: Annotated[str, Path(description="Group slug.")],
    op: OperatorDep,
    store: StoreDep,
) -> Group:
    """One group. A group outside the token's scope is reported missing (404)."""
    with store.read() as conn:
        return access_group(conn, op, community, group)
