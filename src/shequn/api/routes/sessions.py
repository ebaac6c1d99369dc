"""Sharing sessions over HTTP (P-ENG-2): plan, list, show, move, cancel, questions, summary.

The same service functions ``shequn session`` calls (``engine/engagement/sessions.py``).
Reading is open to every role; planning and acting on a session is for writers, and a
manager's or group leader's token acts only on the sessions of the groups it covers — a
session of another group answers 404 exactly like a missing one. Times without a zone are
the community's, as on the command line.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from shequn.api.deps import (
    CommunityPath,
    GroupQuery,
    Operator,
    OperatorDep,
    Start,
    StoreDep,
    WriterDep,
    access_group,
    access_in_group,
    access_member,
    read_groups,
)
from shequn.engine.engagement import sessions as engine
from shequn.errors import NotFound
from shequn.store.db import Store
from shequn.store.engagement import Session

router = APIRouter(tags=["engagement"])
C = "/communities/{community}"
SessionId = Annotated[str, Path(max_length=128, description="The session's id.")]


class NewSession(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: str = Field(max_length=128)
    title: str = Field(min_length=1, max_length=512)
    at: Start = Field(description="The start; without a zone, the community's time.")
    speaker: str | None = Field(None, max_length=255, description="identity key")
    minutes: int | None = Field(None, ge=1, le=24 * 60, description="default: the blueprint's")
    session: str | None = Field(None, min_length=1, max_length=128, description="default id")


class Move(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: Start = Field(description="The new start; without a zone, the community's time.")


class Cancel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field("", max_length=2000, description="as said to the group")


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member: str = Field(max_length=255, description="member or identity key")
    text: str = Field(min_length=1, max_length=4000)
    ref: str | None = Field(None, max_length=200, description="the message id: idempotency")


class Summary(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=20_000)


def _covered(store: Store, op: Operator, community: str, session: str) -> Session:
    """The session, if it is in a group the operator covers (else 404, like a missing one)."""
    missing = NotFound(f"no session {session!r}", session=session)
    show = partial(engine.show_session, store, community, session)
    return access_in_group(store, op, community, missing, show, lambda s: s.group)


@router.get(f"{C}/sessions", response_model=list[dict[str, Any]])
def get_sessions(
    community: CommunityPath, op: OperatorDep, store: StoreDep,
    group: GroupQuery = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Sessions by start time, of the groups this token covers."""
    groups = read_groups(store, op, community, group)
    return [s.to_dict() for s in engine.list_sessions(store, community, groups)]


@router.post(f"{C}/sessions", response_model=dict[str, Any])
def post_session(
    community: CommunityPath, body: NewSession, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Plan a session in a covered group and queue its timeline; ``new`` is false when the
    same session (the group and the local start, or ``session``) was planned already."""
    with store.read() as conn:
        access_group(conn, op, community, body.group)
    found, new = engine.plan_session(
        store, community, body.group, title=body.title, starts_at=body.at, minutes=body.minutes,
        speaker=body.speaker, session=body.session, actor=op.asked_source,
    )  # fmt: skip
    return {**found.to_dict(), "new": new}


@router.get(f"{C}/sessions/{{session}}", response_model=dict[str, Any])
def get_session(
    community: CommunityPath, session: SessionId, op: OperatorDep, store: StoreDep
) -> dict[str, Any]:
    """One session: its times, status, questions collected and attendance once held."""
    return _covered(store, op, community, session).to_dict()


@router.post(f"{C}/sessions/{{session}}/move", response_model=dict[str, Any])
def post_move(
    community: CommunityPath, session: SessionId, body: Move, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Move a planned session: pending steps move; the group is told if it heard of it."""
    _covered(store, op, community, session)
    return engine.reschedule(store, community, session, body.at, actor=op.asked_source).to_dict()


@router.post(f"{C}/sessions/{{session}}/cancel", response_model=dict[str, Any])
def post_cancel(
    community: CommunityPath, session: SessionId, body: Cancel, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Cancel a session and its pending steps (cancelling twice is once)."""
    _covered(store, op, community, session)
    found = engine.cancel_session(
        store, community, session, reason=body.reason, actor=op.asked_source
    )
    return found.to_dict()


@router.post(f"{C}/sessions/{{session}}/questions", response_model=dict[str, Any])
def post_question(
    community: CommunityPath, session: SessionId, body: Question, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Collect a question a member of a covered group asked; ``collected`` is false when the
    same ``ref`` was collected already."""
    _covered(store, op, community, session)
    with store.read() as conn:
        member = access_member(conn, op, community, body.member)
    new = engine.ask(
        store, community, session, member.key, body.text, source=op.asked_source, ref=body.ref
    )
    return {"session": session, "collected": new}


@router.post(f"{C}/sessions/{{session}}/summary", response_model=dict[str, Any])
def post_summary(
    community: CommunityPath, session: SessionId, body: Summary, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Send the summary privately to every member of the session's group, paced; ``queued``
    is 0 when it was sent already."""
    _covered(store, op, community, session)
    queued = engine.summarize(store, community, session, body.text, actor=op.asked_source)
    return {"session": session, "queued": queued}
