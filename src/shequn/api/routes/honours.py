"""Points, badges and honours over HTTP (P-ENG-8): a member's standing, as ``shequn points
show`` and the bot's ``/rank`` give it (every role), points spent on a reward (``shequn points
spend``: any writer), a badge level taken back (``shequn badges revoke``: an owner or a
manager), and the role models named with their stories (``shequn honours list|nominate``).
A manager's or group leader's token reaches the members of its own groups only (another
answers 404 like a missing one).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from shequn.api.deps import (
    CommunityPath,
    GroupQuery,
    ManagerDep,
    OperatorDep,
    StoreDep,
    WriterDep,
    access_group,
    access_member,
    read_groups,
)
from shequn.engine.engagement import honour_stories, honours

router = APIRouter(tags=["engagement"])
MemberRef = Annotated[str, Path(max_length=255, description="member id or identity key")]


class Spend(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: int = Field(ge=1, le=10**9, description="points to spend")
    reward: str = Field(min_length=1, max_length=255, description="what for")
    ref: str | None = Field(
        None, min_length=1, max_length=128, description="your id of it: twice is once"
    )


class Nomination(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: str = Field(max_length=128, description="the group the story is told in")
    member: str = Field(max_length=255, description="member id or identity key")
    title: str = Field(min_length=1, max_length=255, description="e.g. 本月之星")
    story: str = Field(min_length=1, max_length=4000, description="why: the role model's story")
    honour: str | None = Field(
        None,
        min_length=1,
        max_length=128,
        description="your id of it (default: group, member, month)",
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


@router.get("/communities/{community}/honours", response_model=list[dict[str, Any]])
def get_honours(
    community: CommunityPath, op: OperatorDep, store: StoreDep, group: GroupQuery = None
) -> list[dict[str, Any]]:
    """The role models named in the groups this token covers, newest first."""
    groups = read_groups(store, op, community, group)  # None: every group
    found = honour_stories.list_honours(store, community)
    return [h.to_dict() for h in found if groups is None or h.group in groups]


@router.post("/communities/{community}/honours", response_model=dict[str, Any])
def post_honour(
    community: CommunityPath, body: Nomination, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Name a member a role model and tell their story to the group (``honour_story``);
    ``new`` is false when that honour was named before (nothing is told again)."""
    with store.read() as conn:
        access_group(conn, op, community, body.group)
        member = access_member(conn, op, community, body.member)
    found, new = honour_stories.nominate(
        store, community, member.key, body.group, title=body.title, story=body.story,
        source=op.asked_source, honour=body.honour,
    )  # fmt: skip
    return {**found.to_dict(), "new": new}
