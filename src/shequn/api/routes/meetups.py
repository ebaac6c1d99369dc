"""Offline events over HTTP (P-ENG-6): plan a meetup (its group's members invited, or every
group of the group's region), list and show meetups, and a member's answer to the invitation
(yes, no or maybe; the waitlist is the engine's).

The same service functions ``shequn meetup`` and the bot's ``/rsvp`` call
(``engine/engagement/meetups.py``). Reading is open to every role; answering for a member is for
writers, and a manager's or group leader's token reaches only the meetups of the groups it
covers and the members it can see — anything else answers 404 exactly like a missing one.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

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
from shequn.engine.engagement import meetups as engine
from shequn.engine.engagement.meetup_rules import Meetup, region_groups
from shequn.errors import NotFound
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint

router = APIRouter(tags=["engagement"])
C = "/communities/{community}"
MeetupId = Annotated[str, Path(max_length=128, description="The meetup's id.")]


class NewMeetup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: str = Field(max_length=128)
    title: str = Field(min_length=1, max_length=512)
    venue: str = Field(min_length=1, max_length=512)
    at: Start = Field(description="The start; without a zone, the community's time.")
    minutes: int | None = Field(None, ge=1, le=24 * 60, description="default: the blueprint's")
    capacity: int = Field(0, ge=0, le=1_000_000, description="seats; 0 = no limit")
    city: str = Field("", max_length=128)
    host: str | None = Field(None, max_length=255, description="identity key")
    region: bool = Field(False, description="invite every group of the group's region too")
    meetup: str | None = Field(None, min_length=1, max_length=128, description="default id")


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member: str = Field(max_length=255, description="member or identity key")
    answer: Literal["yes", "no", "maybe"]
    ref: str | None = Field(None, max_length=200, description="the message id: idempotency")


def _covered(store: Store, op: Operator, community: str, meetup: str) -> Meetup:
    """The meetup, if it is in a group the operator covers (else 404, like a missing one)."""
    missing = NotFound(f"no meetup {meetup!r}", meetup=meetup)
    show = partial(engine.show_meetup, store, community, meetup)
    return access_in_group(store, op, community, missing, show, lambda m: m.plan.group)


@router.get(f"{C}/meetups", response_model=list[dict[str, Any]])
def get_meetups(
    community: CommunityPath, op: OperatorDep, store: StoreDep,
    group: GroupQuery = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Meetups by start time, of the groups this token covers (without the door code)."""
    groups = read_groups(store, op, community, group)
    return [m.to_dict() for m in engine.list_meetups(store, community, groups)]


@router.post(f"{C}/meetups", response_model=dict[str, Any])
def post_meetup(
    community: CommunityPath, body: NewMeetup, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Plan a meetup in a covered group and queue its invitation; ``new`` is false when the
    same meetup (the group and the local start, or ``meetup``) was planned already. With
    ``region`` the other groups of the group's region are invited too — each of them must be
    covered by this token (a group leader invites only the groups they lead); a group without
    a region answers 409."""
    with store.read() as conn:
        access_group(conn, op, community, body.group)
        if body.region:
            for other in region_groups(get_blueprint(conn, community), body.group):
                access_group(conn, op, community, other)
    found, new = engine.plan_meetup(
        store, community, body.group, title=body.title, venue=body.venue, starts_at=body.at,
        minutes=body.minutes, capacity=body.capacity, city=body.city, host=body.host,
        region=body.region, meetup=body.meetup, actor=op.asked_source,
    )  # fmt: skip
    return {**found.to_dict(), "new": new}


@router.get(f"{C}/meetups/{{meetup}}", response_model=dict[str, Any])
def get_meetup(
    community: CommunityPath, meetup: MeetupId, op: OperatorDep, store: StoreDep
) -> dict[str, Any]:
    """One meetup: where and when, who is going, waiting, maybe, and who came."""
    return _covered(store, op, community, meetup).to_dict()


@router.post(f"{C}/meetups/{{meetup}}/rsvp", response_model=dict[str, Any])
def post_rsvp(
    community: CommunityPath, meetup: MeetupId, body: Answer, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """A member's answer; ``stands`` says where it leaves them: ``going``, ``waitlisted``,
    ``maybe`` or ``not going``. The same ``ref`` twice is one answer; a meetup held or called
    off answers 409."""
    _covered(store, op, community, meetup)
    with store.read() as conn:
        member = access_member(conn, op, community, body.member)
    src = op.asked_source
    found, stands = engine.rsvp(store, community, meetup, member.key, body.answer,
                                ref=body.ref, source=src)  # fmt: skip
    return {**found.to_dict(), "member": member.key, "stands": stands}
