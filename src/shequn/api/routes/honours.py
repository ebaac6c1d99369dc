"""Points and badges over HTTP (P-ENG-8): a member's standing, as ``shequn points show`` and
the bot's ``/rank`` give it (every role), points spent on a reward (``shequn points spend``:
any writer) and a badge level taken back (``shequn badges revoke``: an owner or a manager).
A manager's or group leader's token reaches the members of its own groups only (another
answers 404 like a missing one).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from shequn.api.deps import (
    CommunityPath,
    ManagerDep,
    OperatorDep,
    StoreDep,
    WriterDep,
    access_member,
)
from shequn.engine.engagement import honours

router = APIRouter(tags=["engagement"])
MemberRef = Annotated[str, Path(max_length=255, description="member id or identity key")]


class Spend(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: int = Field(ge=1, le=10**9, description="points to spend")
    reward: str = Field(min_length=1, max_length=255, description="what for")
    ref: str | None = Field(
        None, min_length=1, max_length=128, description="your id of it: twice is once"
    )


class Revoke(BaseModel):
    model_config = ConfigDict(extra="forbid")
    badge: str = Field(min_length=1, max_length=64, description="answers, streak or invites")
    level: int = Field(ge=1, le=10**6)
    reason: str = Field("", max_length=1000)


@router.get("/communities/{community}/points/{ref}", response_model=dict[str, Any])
def get_points(
    community: CommunityPath,
    ref: MemberRef,
    op: OperatorDep,
    store: StoreDep,
) -> dict[str, Any]:
    """The member's points (earned by rule, minus spent), counts and badges held."""
    with store.read() as conn:
        member = access_member(conn, op, community, ref)
    return honours.standing(store, community, member.key)


@router.post("/communities/{community}/points/{ref}/spend", response_model=dict[str, Any])
def post_spend(
    community: CommunityPath, ref: MemberRef, body: Spend, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Spend the member's points on a reward: 409 when they have fewer (never below zero
    unless ``[engagement.points] allow_negative``). Returns the standing after."""
    with store.read() as conn:
        member = access_member(conn, op, community, ref)
    honours.spend(store, community, member.key, body.amount, body.reward, actor=op.source,
                  ref=body.ref)  # fmt: skip
    return honours.standing(store, community, member.key)


@router.post("/communities/{community}/badges/{ref}/revoke", response_model=dict[str, Any])
def post_revoke(
    community: CommunityPath, ref: MemberRef, body: Revoke, op: ManagerDep, store: StoreDep
) -> dict[str, Any]:
    """Take a badge level back for good (never granted again); ``revoked`` is false when the
    member did not hold it. Returns the standing after."""
    with store.read() as conn:
        member = access_member(conn, op, community, ref)
    done = honours.revoke(store, community, member.key, body.badge, body.level,
                          actor=op.source, reason=body.reason)  # fmt: skip
    return {"revoked": done, **honours.standing(store, community, member.key)}
