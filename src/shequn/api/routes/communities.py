"""``/communities``: the community a token belongs to."""

from __future__ import annotations

from fastapi import APIRouter

from shequn.api.deps import CommunityPath, OperatorDep, StoreDep, access_community
from shequn.model.entities import Community
from shequn.store.queries import list_communities

router = APIRouter(tags=["communities"])


@router.get("/communities", response_model=list[Community])
def get_communities(op: OperatorDep, store: StoreDep) -> list[Community]:
    """The communities this token may see: its own (a token belongs to one community)."""
    with store.read() as conn:
        return [c for c in list_communities(conn) if c.slug == op.community]


@router.get("/communities/{community}", response_model=Community)
def get_one(community: CommunityPath, op: OperatorDep, store: StoreDep) -> Community:
    """One community: slug, name, time zone."""
    with store.read() as conn:
        return access_community(conn, op, community)
