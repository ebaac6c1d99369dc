"""The dead-group test over HTTP (P-ENG-4): ask for one, record the grabs seen, list the
verdicts.

The same functions ``shequn envelope`` calls (``engine/engagement/envelopes.py``). Reading is
open to every role; asking and recording are for writers, in a group the token covers
(another group answers 404 like a missing one). A grab is a platform fact
(``model/writers.py``): it passes the same write guard as ``POST /events``, so a group
leader records grabs in their own groups, by their members. Envelopes arrive as events too
(``POST /events``, an import); no connector reports them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from shequn.api.deps import (
    CommunityPath,
    GroupQuery,
    OperatorDep,
    Start,
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


class NewGrab(BaseModel):
    """A grab someone saw: who, in which group, when (now; without a zone, the community's),
    how much, of which envelope (default: the newest sent there before ``at``)."""

    model_config = ConfigDict(extra="forbid")
    group: str = Field(max_length=128)
    member: str = Field(min_length=1, max_length=256)
    amount: float | None = Field(None, ge=0)
    at: Start | None = None
    envelope: str | None = Field(None, min_length=1, max_length=128)


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


@router.post(f"{C}/envelopes/grabs", response_model=dict[str, Any])
def post_grab(
    community: CommunityPath, body: NewGrab, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Record a grab of a red envelope in a covered group (``redenvelope.grabbed``); the
    dead-group test counts it. ``new`` is false when it was recorded already."""
    with store.read() as conn:
        access_group(conn, op, community, body.group)
    return envelopes.record_grab(
        store, community, body.group, body.member, amount=body.amount, at=body.at,
        envelope=body.envelope, source=op.source, writer=op.as_writer(),
    )  # fmt: skip
