"""``shequn meetup plan|list|show|rsvp|checkin|cancel``: offline events (P-ENG-6).

Thin, like every command: ``engine/engagement/meetups.py`` decides and records; times without
a zone (``--at 2026-05-16T14:00``) are the community's.
"""

from __future__ import annotations

from typing import Annotated

import typer

from shequn.cli.common import (
    CommunityOpt,
    JsonFlag,
    echo,
    open_store,
    pick_community,
    print_json,
    print_table,
    say,
)
from shequn.cli.session import At
from shequn.engine.engagement import meetups as engine
from shequn.engine.engagement.meetup_rules import Meetup
from shequn.model.i18n import N_, Said

meetup_app = typer.Typer(help="Offline events: invite, RSVP, check in at the door. 线下活动。")

MeetupId = Annotated[str, typer.Argument(help="The meetup id (shequn meetup list).")]
Member = Annotated[str, typer.Argument(help="The member's identity key, e.g. wechat:lin.")]


def _say(m: Meetup, as_json: bool, verb: str, *, code: bool = False) -> None:
    if as_json:
        print_json({**m.to_dict(), **({"code": m.plan.code} if code else {})})
        return
    p = m.plan
    said = Said(
        "{verb} {meetup}: {title} at {venue}, {at} UTC ({status}; {going}/{capacity} "
        "going, {waiting} waiting)",
        verb=Said(verb),
        meetup=p.meetup,
        title=p.title,
        venue=p.venue,
        at=f"{p.starts_at:%Y-%m-%d %H:%M}",
        status=Said(m.status),
        going=len(m.going),
        capacity=p.capacity or "∞",
        waiting=len(m.waitlist),
    )
    echo(said)
    if code:
        echo(Said("door code {code}", code=p.code))  # fmt: skip


@meetup_app.command("plan")
def plan_command(
    group: Annotated[str, typer.Argument(help="The group whose members are invited.")],
    title: Annotated[str, typer.Option(help="What it is.")],
    venue: Annotated[str, typer.Option(help="Where.")],
    at: At,
    capacity: Annotated[int, typer.Option(min=0, help="Seats; 0 = no limit.")] = 0,
    city: Annotated[str, typer.Option(help="The city or region.")] = "",
    host: Annotated[str | None, typer.Option(help="The city leader's identity key.")] = None,
    region: Annotated[
        bool, typer.Option("--region", help="Invite every group of GROUP's region too.")
    ] = False,
    minutes: Annotated[int | None, typer.Option(help="Length (default: the blueprint's).")] = None,
    meetup: Annotated[
        str | None, typer.Option(help="An id (default: group-YYYYMMDD-HHMM).")
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Plan a meetup for GROUP's members: the invitation is queued, the reminder and the
    follow-up come from the worker; prints the door code. 计划一场线下活动。"""
    with open_store() as store:
        slug = pick_community(store, community)
        found, new = engine.plan_meetup(
            store, slug, group, title=title, venue=venue, starts_at=at, minutes=minutes,
            capacity=capacity, city=city, host=host, region=region, meetup=meetup,
        )  # fmt: skip
    _say(found, as_json, "planned" if new else "already planned", code=True)


@meetup_app.command("list")
def list_command(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """List the community's meetups, soonest first. 线下活动列表。"""
    with open_store() as store:
        found = engine.list_meetups(store, pick_community(store, community))
    if as_json:
        print_json([m.to_dict() for m in found])
        return
    rows = [
        (m.plan.meetup, m.plan.group, m.plan.title, f"{m.plan.starts_at:%Y-%m-%d %H:%M}",
         say(m.status), len(m.going), len(m.waitlist), len(m.attended))
        for m in found
    ]  # fmt: skip
    head = (N_("meetup"), N_("group"), N_("title"), N_("starts (UTC)"), N_("status"),
            N_("going"), N_("waiting"), N_("came"))  # fmt: skip
    print_table(Said("{n} meetups", n=len(found)), head, rows)


STATES = (N_("held"), N_("waitlisted"), N_("going"), N_("not going"), N_("maybe"))
"""A meetup's states and where an answer leaves a member (``engine/engagement/meetups.py``)."""


@meetup_app.command("show")
def show_command(
    meetup: MeetupId, community: CommunityOpt = None, as_json: JsonFlag = False
) -> None:
    """One meetup with who is going, waiting and came, and its door code. 查看线下活动。"""
    with open_store() as store:
        found = engine.show_meetup(store, pick_community(store, community), meetup)
    _say(found, as_json, "meetup", code=True)


@meetup_app.command("rsvp")
def rsvp_command(
    meetup: MeetupId,
    member: Member,
    answer: Annotated[str, typer.Argument(help="yes, no or maybe.")] = "yes",
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Record MEMBER's answer; beyond the seats a yes waits, and a seat given back goes to
    the first waiting (told privately). 报名/取消报名。"""
    if answer not in ("yes", "no", "maybe"):
        raise typer.BadParameter(say(N_("yes, no or maybe")), param_hint="ANSWER")
    with open_store() as store:
        found, where = engine.rsvp(store, pick_community(store, community), meetup, member, answer)
    if as_json:
        print_json({**found.to_dict(), "member": member, "stands": where})
    else:
        echo(Said("{member}: {where}", member=member, where=Said(where)))


@meetup_app.command("checkin")
def checkin_command(
    meetup: MeetupId,
    member: Member,
    code: Annotated[str, typer.Option(help="The door code the member gives.")],
    community: CommunityOpt = None,
) -> None:
    """Check MEMBER in at the door with the meetup's code. 到场签到。"""
    with open_store() as store:
        new = engine.check_in(store, pick_community(store, community), meetup, member, code)
    echo(
        Said("{member}: checked in", member=member)
        if new
        else Said("{member}: already checked in", member=member)
    )


@meetup_app.command("cancel")
def cancel_command(
    meetup: MeetupId,
    reason: Annotated[str, typer.Option(help="Why, told to those going.")] = "",
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Call a meetup off: those going or waiting are told privately. 取消线下活动。"""
    with open_store() as store:
        found = engine.cancel_meetup(store, pick_community(store, community), meetup, reason=reason)
    _say(found, as_json, "cancelled")
