"""The pyramid over HTTP (P-ORG-1..3): levels, small tasks, motions and votes, elections.

The same service functions ``shequn levels|orgtask|motion`` call. Levels are the owner's word
(``level.granted`` is of the ``people`` class), so granting and evaluating take an owner
token; a manager gives small tasks to members of the groups they cover; any writer moves,
seconds and votes on behalf of members of the groups they cover. Reads are scoped like
everything else: a scoped token sees the standings and tasks of members it can see and the
motions and elections of its groups — another group's answers 404, like a missing one.
Motions and elections show counts only; who voted for whom only the owner's audit shows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from shequn.api.deps import (
    CommunityPath,
    GroupQuery,
    ManagerDep,
    Operator,
    OperatorDep,
    StoreDep,
    WriterDep,
    access_community,
    access_group,
    access_member,
    read_groups,
)
from shequn.engine import elections, motions, organization_levels, organization_tasks
from shequn.errors import Forbidden, NotFound
from shequn.model.i18n import Said
from shequn.store.db import Store

router = APIRouter(tags=["organization"])
C = "/communities/{community}"
MotionId = Annotated[str, Path(max_length=64, description="The motion's id.")]
Ref = Annotated[str, Path(max_length=255, description="Member id or identity key.")]
Key = Field(max_length=255, description="member or identity key")


def owner(op: WriterDep) -> Operator:
    """Only the owner sets levels: they decide what every other token sees of a member."""
    if op.role != "owner":
        raise Forbidden(
            Said("a {role} token may not set levels; the owner may", role=op.role), role=op.role
        )
    return op


OwnerDep = Annotated[Operator, Depends(owner)]


class Evaluate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dry_run: bool = False


class Grant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: int = Field(ge=0, le=100)
    reason: str = Field("", max_length=2000)
    lock: bool = True


class NewTask(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member: str = Key
    title: str = Field(min_length=1, max_length=500)
    due: datetime | None = None
    done_when: str = Field("manual", max_length=32)
    count: int = Field(1, ge=1, le=10_000)
    promote_to: int | None = Field(None, ge=1, le=100)


class MotionChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member: str = Key
    role: Literal["group_leader", "member"]


class NewMotion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: str = Field(max_length=128)
    mover: str = Key
    text: str = Field(min_length=1, max_length=2000)
    change: MotionChange | None = None  # the role change it makes in the group if carried
    rule: str | None = Field(None, max_length=500)  # KEY=VALUE: a change of the group's rules
    amends: str | None = Field(None, max_length=64)  # an amendment of this pending motion


class Second(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member: str = Key


class Vote(Second):
    choice: Literal["yes", "no", "abstain"]


def _visible_rows(
    store: Store, op: Operator, community: str, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The rows about members this operator can see (all of them for unscoped tokens)."""
    with store.read() as conn:
        access_community(conn, op, community)
        if not op.scoped:
            return rows
        seen: dict[str, bool] = {}
        for row in rows:
            if row["member"] not in seen:
                try:
                    access_member(conn, op, community, row["member"])
                    seen[row["member"]] = True
                except NotFound:
                    seen[row["member"]] = False
    return [r for r in rows if seen[r["member"]]]


@router.get(f"{C}/levels", response_model=list[dict[str, Any]])
def get_levels(community: CommunityPath, op: OperatorDep, store: StoreDep) -> list[dict[str, Any]]:
    """Members with a level, a lock or a core-figure tag, highest level first."""
    _visible_rows(store, op, community, [])
    return _visible_rows(store, op, community, organization_levels.standings(store, community))


@router.post(f"{C}/levels/evaluate", response_model=list[dict[str, Any]])
def post_evaluate(
    community: CommunityPath, body: Evaluate, op: OwnerDep, store: StoreDep
) -> list[dict[str, Any]]:
    """Evaluate every member's level and tags now; the changes (recorded unless dry_run)."""
    with store.read() as conn:
        access_community(conn, op, community)
    found = organization_levels.evaluate(store, community, dry_run=body.dry_run)
    return [e.to_dict() for e in found]


@router.post(f"{C}/members/{{ref}}/level", response_model=list[dict[str, Any]])
def post_level(
    community: CommunityPath, ref: Ref, body: Grant, op: OwnerDep, store: StoreDep
) -> list[dict[str, Any]]:
    """Set a member's level by hand (locked unless ``lock`` is false)."""
    with store.read() as conn:
        member = access_member(conn, op, community, ref)
    found = organization_levels.grant_level(
        store, community, member.key, body.level, reason=body.reason, lock=body.lock,
        source=op.asked_source,
    )  # fmt: skip
    return [e.to_dict() for e in found]


@router.get(f"{C}/orgtasks", response_model=list[dict[str, Any]])
def get_orgtasks(
    community: CommunityPath, op: OperatorDep, store: StoreDep
) -> list[dict[str, Any]]:
    """Small tasks of the members this token can see, newest first."""
    _visible_rows(store, op, community, [])
    return _visible_rows(store, op, community, organization_tasks.list_tasks(store, community))


@router.post(f"{C}/orgtasks", response_model=dict[str, Any])
def post_orgtask(
    community: CommunityPath, body: NewTask, op: ManagerDep, store: StoreDep
) -> dict[str, Any]:
    """Give a member of a covered group a small task; they are told privately."""
    with store.read() as conn:
        member = access_member(conn, op, community, body.member)
    task = organization_tasks.assign(
        store, community, member.key, body.title, due=body.due, done_when=body.done_when,
        count=body.count, promote_to=body.promote_to, source=op.asked_source,
    )  # fmt: skip
    return {"task": task.task, "member": task.member, "due": task.due.isoformat()}


@router.get(f"{C}/motions", response_model=list[dict[str, Any]])
def get_motions(
    community: CommunityPath, op: OperatorDep, store: StoreDep,
    group: GroupQuery = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Motions, newest first, with their counts (never who voted how)."""
    groups = read_groups(store, op, community, group)
    return motions.list_motions(store, community, groups=groups)


@router.post(f"{C}/motions", response_model=dict[str, Any])
def post_motion(
    community: CommunityPath, body: NewMotion, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Move a motion in a covered group on a member's behalf."""
    with store.read() as conn:
        access_group(conn, op, community, body.group)
        mover = access_member(conn, op, community, body.mover)
        change = body.change
        changed = (
            (access_member(conn, op, community, change.member).key, change.role) if change else None
        )
    m = motions.propose(
        store, community, body.group, mover.key, body.text, change=changed, rule=body.rule,
        amends=body.amends, source=op.asked_source,
    )  # fmt: skip
    return {"motion": m.motion, "group": m.group, "text": m.text, "rule": m.rule,
            "amends": m.amends}  # fmt: skip


def on_motion(
    store: Store, op: Operator, community: str, motion: str, member: str,
    act: Callable[[str], Any],
) -> Any:  # fmt: skip
    """Run ``act(member key)`` on a motion of a group the operator covers (else 404)."""
    with store.read() as conn:
        access_community(conn, op, community)
        found = {m["motion"]: m["group"] for m in motions.list_motions(store, community)}
        if motion not in found or not op.covers(found[motion]):
            raise NotFound(
                Said("no motion {motion!r} in {community!r}", motion=motion, community=community),
                motion=motion,
            )
        key = access_member(conn, op, community, member).key
    return act(key)


@router.post(f"{C}/motions/{{motion}}/second", response_model=dict[str, Any])
def post_second(
    community: CommunityPath, motion: MotionId, body: Second, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Second a motion on a member's behalf: discussion and voting open."""
    src = op.asked_source
    m = on_motion(
        store, op, community, motion, body.member,
        lambda k: motions.second(store, community, motion, k, source=src),
    )  # fmt: skip
    return {"motion": m.motion, "seconder": m.seconder}


@router.post(f"{C}/motions/{{motion}}/votes", response_model=dict[str, Any])
def post_vote(
    community: CommunityPath, motion: MotionId, body: Vote, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Cast a member's vote; ``new`` is false when they had voted (the first vote stands)."""
    src = op.asked_source
    new = on_motion(
        store, op, community, motion, body.member,
        lambda k: motions.vote(store, community, motion, k, body.choice, source=src),
    )  # fmt: skip
    return {"motion": motion, "new": new}


# -- elections ----------------------------------------------------------------------------

ElectionId = Annotated[str, Path(max_length=64, description="The election's id.")]


class NewElection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: str = Field(max_length=128)
    role: Literal["manager", "group_leader"] = "manager"
    seats: int = Field(1, ge=1, le=50)


class Nomination(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nominator: str = Key
    nominee: str = Key


class Acceptance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nominee: str = Key


class Ballot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    voter: str = Key
    candidate: str = Key


def access_election(store: Store, op: Operator, community: str, election: str) -> None:
    """404 unless the election exists in a group the operator covers."""
    with store.read() as conn:
        access_community(conn, op, community)
    found = {e["election"]: e["group"] for e in elections.list_elections(store, community)}
    if election not in found or not op.covers(found[election]):
        raise NotFound(
            Said(
                "no election {election!r} in {community!r}", election=election, community=community
            ),
            election=election,
        )


@router.get(f"{C}/elections", response_model=list[dict[str, Any]])
def get_elections(
    community: CommunityPath, op: OperatorDep, store: StoreDep
) -> list[dict[str, Any]]:
    """Elections of the covered groups: candidates, ballots cast, votes once closed."""
    with store.read() as conn:
        access_community(conn, op, community)
    groups = None if op.groups is None else sorted(op.groups)
    return elections.list_elections(store, community, groups=groups)


@router.post(f"{C}/elections", response_model=dict[str, Any])
def post_election(
    community: CommunityPath, body: NewElection, op: OwnerDep, store: StoreDep
) -> dict[str, Any]:
    """Open an election in a group (owner only); the group is told."""
    with store.read() as conn:
        access_group(conn, op, community, body.group)
    el = elections.open_election(
        store, community, body.group, body.role, seats=body.seats, source=op.asked_source
    )
    return {"election": el.election, "voting_close": el.voting_close.isoformat()}


@router.post(f"{C}/elections/{{election}}/nominations", response_model=dict[str, Any])
def post_nomination(
    community: CommunityPath, election: ElectionId, body: Nomination, op: WriterDep,
    store: StoreDep,
) -> dict[str, Any]:  # fmt: skip
    """Nominate a member (the nominator themselves: accepted at once)."""
    access_election(store, op, community, election)
    with store.read() as conn:
        by = access_member(conn, op, community, body.nominator).key
        who = access_member(conn, op, community, body.nominee).key
    elections.nominate(store, community, election, by, who, source=op.asked_source)
    return {"election": election, "nominee": who}


@router.post(f"{C}/elections/{{election}}/acceptances", response_model=dict[str, Any])
def post_acceptance(
    community: CommunityPath, election: ElectionId, body: Acceptance, op: WriterDep,
    store: StoreDep,
) -> dict[str, Any]:  # fmt: skip
    """A nominee accepts their nomination (409 when there is none to accept)."""
    access_election(store, op, community, election)
    with store.read() as conn:
        who = access_member(conn, op, community, body.nominee).key
    elections.accept(store, community, election, who, source=op.asked_source)
    return {"election": election, "accepted": who}


@router.post(f"{C}/elections/{{election}}/ballots", response_model=dict[str, Any])
def post_ballot(
    community: CommunityPath, election: ElectionId, body: Ballot, op: WriterDep,
    store: StoreDep,
) -> dict[str, Any]:  # fmt: skip
    """Cast a member's secret ballot; ``new`` is false when they had voted."""
    access_election(store, op, community, election)
    with store.read() as conn:
        voter = access_member(conn, op, community, body.voter).key
        whom = access_member(conn, op, community, body.candidate).key
    new = elections.cast_ballot(store, community, election, voter, whom, source=op.asked_source)
    return {"election": election, "new": new}


@router.get(f"{C}/elections/{{election}}/audit", response_model=list[dict[str, str]])
def get_audit(
    community: CommunityPath, election: ElectionId, op: OwnerDep, store: StoreDep
) -> list[dict[str, str]]:
    """Every ballot, voter and candidate: the owner's audit, nobody else's."""
    access_election(store, op, community, election)
    return elections.audit(store, community, election)
