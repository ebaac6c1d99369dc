"""Points and badges over HTTP (P-ENG-8): a member's standing, as ``shequn points show`` and
the bot's ``/rank`` give it. Reading only, open to every role; a manager's or group leader's
token sees the members of its own groups only (another answers 404 like a missing one).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from shequn.api.deps import CommunityPath, OperatorDep, StoreDep, access_member
from shequn.engine.engagement import honours

router = APIRouter(tags=["engagement"])


@router.get("/communities/{community}/points/{ref}", response_model=dict[str, Any])
def get_points(
    community: CommunityPath,
    ref: Annotated[str, Path(max_length=255, description="member id or identity key")],
    op: OperatorDep,
    store: StoreDep,
) -> dict[str, Any]:
    """The member's points (earned by rule, minus spent), counts and badges held."""
    with store.read() as conn:
        member = access_member(conn, op, community, ref)
    return honours.standing(store, community, member.key)
