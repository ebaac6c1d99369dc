"""The dead-group test over HTTP (P-ENG-4): ask for one, list the verdicts.

The same functions ``shequn envelope`` calls (``engine/engagement/envelopes.py``). Reading is
open to every role; asking is for writers, in a group the token covers (another group
answers 404 like a missing one). Envelopes and grabs themselves arrive as events
(``POST /events``, a bot, an import).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from shequn.api.deps import (
    CommunityPath,
    GroupQuery,
    OperatorDep,
    StoreDep,
    WriterDep,
    access_group,
    read_groups,
)
from shequn.engine.engagement import envelopes

router = APIRouter(tags=["engagement"])
C = "/communities/{community}"


class NewTest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: str = Field(max_length=128)


@router.get(f"{C}/envelopes/tests", response_model=list[dict[str, Any]])
def get_tests(
    community: CommunityPath, op: OperatorDep, store: StoreDep,
    group: GroupQuery = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Test envelopes of the last two weeks, newest first, with their verdicts."""
    groups = read_groups(store, op, community, group)
    return envelopes.list_tests(store, community, groups)


@router.post(f"{C}/envelopes/tests", response_model=dict[str, Any])
def post_test(
    community: CommunityPath, body: NewTest, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Ask for a dead-group test in a covered group: an operator task to send the envelope;
    ``requested`` is false when one was asked for there today already."""
    with store.read() as conn:
        access_group(conn, op, community, body.group)
    actor = op.asked_source
    return {"group": body.group, "requested": envelopes.request_test(
        store, community, body.group, actor=actor)}  # fmt: skip
