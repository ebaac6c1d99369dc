"""Moderation over HTTP: the steps of the ladder, reversing one, appeals (filed for a member,
and decided), members' reports of activities (seed 004), and the replay of the rules on the
stored log.

The same service functions ``shequn moderation`` and ``shequn rules replay`` call. Scoped like
the rest: a manager or group leader sees and acts on the steps of the groups they cover only —
a step of another group answers 404, exactly like a missing one; analysts read, never act.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from shequn.api.deps import (
    CommunityPath,
    GroupQuery,
    Operator,
    OperatorDep,
    StoreDep,
    WriterDep,
    access_group,
    access_in_group,
    access_member,
    read_groups,
)
from shequn.engine.rules import manage
from shequn.errors import NotFound
from shequn.model.i18n import Said
from shequn.store.db import Store

router = APIRouter(tags=["moderation"])
C = "/communities/{community}/moderation"
StepId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The step's event id.")]


class Undo(BaseModel):
    """Why a step is undone (the member is told), and by whom."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field("", max_length=2000)
    by: str | None = Field(None, max_length=255, description="identity key of the manager")


class AppealDecision(Undo):
    outcome: Literal["upheld", "granted"]


class Appeal(BaseModel):
    """A member's appeal of their step, as they made it (to the dashboard, a manager, the bot)."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(..., min_length=1, max_length=2000)
    member: str | None = Field(
        None, max_length=255, description="the member appealing (default: the step's member)"
    )


class ActivityReport(BaseModel):
    """A member's report of an activity before they announce it (seed 004, 活动必须报备)."""

    model_config = ConfigDict(extra="forbid")
    member: str = Field(..., max_length=255, description="identity key or name of the member")
    group: str | None = Field(None, max_length=128, description="its group; none: every group")
    title: str = Field(..., min_length=1, max_length=500)
    starts_at: str | None = Field(None, max_length=64, description="ISO 8601, when known")
    ref: str | None = Field(None, max_length=255, description="names the report (idempotent)")


def access_step(store: Store, op: Operator, community: str, step_id: int) -> str:
    """The step's ref, if the caller covers its group (else the same 404 as a missing one)."""
    missing = NotFound(f"no moderation step {step_id} in {community!r}", step=step_id)
    show = partial(manage.step_group, store, community, str(step_id))
    access_in_group(store, op, community, missing, show, lambda group: group)
    return str(step_id)


@router.get(f"{C}/steps", response_model=list[dict[str, Any]])
def get_steps(
    community: CommunityPath, op: OperatorDep, store: StoreDep, group: GroupQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:  # fmt: skip
    """The latest steps of the ladder, newest first, with whether each was reversed."""
    groups = read_groups(store, op, community, group)
    return [s.to_dict() for s in manage.list_steps(store, community, groups=groups, limit=limit)]


@router.post(f"{C}/steps/{{step_id}}/reverse", response_model=dict[str, Any])
def post_reverse(
    community: CommunityPath, step_id: StepId, body: Undo, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Undo a step: unmute or unban, the member told, the ladder stops counting it."""
    ref = access_step(store, op, community, step_id)
    e = manage.reverse(store, community, ref, by=body.by, reason=body.reason,
                       source=op.asked_source)  # fmt: skip
    return e.to_dict()


@router.get(f"{C}/appeals", response_model=list[dict[str, Any]])
def get_appeals(
    community: CommunityPath, op: OperatorDep, store: StoreDep, group: GroupQuery = None
) -> list[dict[str, Any]]:
    """Appeals with their decisions, open ones first."""
    groups = read_groups(store, op, community, group)
    return manage.list_appeals(store, community, groups=groups)


@router.post(f"{C}/steps/{{step_id}}/appeal", response_model=dict[str, Any])
def post_appeal_decision(
    community: CommunityPath, step_id: StepId, body: AppealDecision, op: WriterDep,
    store: StoreDep,
) -> dict[str, Any]:  # fmt: skip
    """Decide the appeal of a step; ``granted`` reverses the step."""
    ref = access_step(store, op, community, step_id)
    source = op.asked_source
    e = manage.decide_appeal(
        store, community, ref, body.outcome, by=body.by, reason=body.reason, source=source
    )
    return e.to_dict()


@router.post(f"{C}/steps/{{step_id}}/appeals", response_model=dict[str, Any])
def post_appeal(
    community: CommunityPath, step_id: StepId, body: Appeal, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """File a member's appeal of their step (once); a manager decides it with
    ``POST …/steps/{id}/appeal``."""
    ref = access_step(store, op, community, step_id)
    member = None
    if body.member is not None:
        with store.read() as conn:
            member = access_member(conn, op, community, body.member).key
    e = manage.file_appeal(store, community, ref, member=member, text=body.text,
                           source=op.asked_source)  # fmt: skip
    return e.to_dict()


@router.post(f"{C}/activities", response_model=dict[str, Any])
def post_activity(
    community: CommunityPath, body: ActivityReport, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Record a member's report of an activity (``activity.reported``): their announcements
    in the group within ``[rules.activities] report_days`` break no rule."""
    with store.read() as conn:
        if body.group is not None:
            access_group(conn, op, community, body.group)
        elif op.groups is not None:
            raise NotFound(Said("a scoped token records reports in one of its groups"), group=None)
        member = access_member(conn, op, community, body.member)
    e = manage.report_activity(
        store, community, member.key, group=body.group, title=body.title,
        starts_at=body.starts_at, ref=body.ref, source=op.asked_source,
    )  # fmt: skip
    return e.to_dict()


@router.get(f"{C}/replay", response_model=dict[str, Any])
def get_replay(
    community: CommunityPath, op: OperatorDep, store: StoreDep, group: GroupQuery = None,
    since: Annotated[datetime | None, Query(description="Only messages from then.")] = None,
) -> dict[str, Any]:  # fmt: skip
    """The rules run over the stored log as a dry run (``shequn rules replay``)."""
    groups = read_groups(store, op, community, group)
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    report = manage.replay_log(store, community, since=since, group=group)
    if groups is not None and group is None:
        report.verdicts = [v for v in report.verdicts if v.group in groups]
    return report.to_dict()
