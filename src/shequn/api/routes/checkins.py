"""Check-in camps over HTTP (P-ENG-5): the leaderboard, as ``shequn checkin board`` prints it.

Reading only, open to every role; a manager's or group leader's token sees the boards of the
groups it covers — another group's answers 404, like a missing one. Check-ins themselves
arrive as ``checkin.done`` events (``POST /events``, a bot, an import).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from shequn.api.deps import CommunityPath, OperatorDep, StoreDep, access_group
from shequn.engine.engagement.checkins import leaderboard

router = APIRouter(tags=["engagement"])


@router.get("/communities/{community}/checkins/{group}/board", response_model=list[dict[str, Any]])
def get_board(
    community: CommunityPath,
    group: Annotated[str, Path(max_length=128, description="The camp's group slug.")],
    op: OperatorDep,
    store: StoreDep,
    top: Annotated[int | None, Query(ge=1, le=1000, description="default: board_top")] = None,
) -> list[dict[str, Any]]:
    """The camp's leaderboard today: current streak, longest, days checked in."""
    with store.read() as conn:
        access_group(conn, op, community, group)
    return [s.to_dict() for s in leaderboard(store, community, group, top=top)]
