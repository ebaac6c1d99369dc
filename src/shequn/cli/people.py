"""``shequn groups …`` and ``shequn members …``: who is where, and who is who."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from shequn.cli.common import (
    JsonFlag,
    echo,
    open_store,
    print_json,
    print_table,
    say,
    show_time,
    yes_no,
)
from shequn.engine import identity
from shequn.model.entities import Member
from shequn.model.i18n import N_, Said
from shequn.model.words import MEMBERSHIP
from shequn.store.growth_queries import get_profile
from shequn.store.queries import (
    count_members,
    display_names,
    get_member,
    list_groups,
    list_members,
)

groups_app = typer.Typer(help="The groups of each community's matrix.", no_args_is_help=True)
members_app = typer.Typer(
    help="Members: people, their identities and groups.", no_args_is_help=True
)

Community = Annotated[str | None, typer.Option(help="Only this community (slug).")]


@groups_app.command("list")
def groups_list(community: Community = None, as_json: JsonFlag = False) -> None:
    """List groups with their platform, capacity and active members."""
    with open_store() as store, store.read() as conn:
        groups = list_groups(conn, community)
    if as_json:
        print_json(groups)
        return
    print_table(
        Said("{n} groups", n=len(groups)),
        [
            N_("community"),
            N_("group"),
            N_("name"),
            N_("platform"),
            N_("stage"),
            N_("active"),
            N_("capacity"),
            N_("blueprint"),
        ],
        [
            (
                g.community,
                g.slug,
                g.name,
                g.platform,
                say(g.stage),
                g.active_members,
                g.capacity,
                yes_no(True) if g.configured else say(N_("no (seen in events)")),
            )
            for g in groups
        ],
    )


@members_app.command("list")
def members_list(
    community: Community = None,
    group: Annotated[str | None, typer.Option(help="Only members of this group (slug).")] = None,
    search: Annotated[str | None, typer.Option(help="Part of a name or identity key.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 200,
    as_json: JsonFlag = False,
) -> None:
    """List members (merged identities count once) with their groups and roles."""
    with open_store() as store, store.read() as conn:
        members = list_members(conn, community=community, group=group, search=search, limit=limit)
        total = count_members(conn)
    if as_json:
        print_json(members)
        return
    print_table(
        Said("{n} of {total} members", n=len(members), total=total),
        [
            N_("id"),
            N_("name"),
            N_("identities"),
            N_("active in"),
            N_("roles"),
            N_("first seen (UTC)"),
        ],
        [
            (
                m.id,
                m.display_name,
                " ".join(i.key for i in m.identities),
                " ".join(m.active_groups),
                _roles(m),
                show_time(m.first_seen_at),
            )
            for m in members
        ],
    )


def _roles(m: Member) -> str:
    return " ".join(f"{say(r.role)}@{r.group or r.community}" for r in m.roles)


@members_app.command("show")
def members_show(
    member: Annotated[str, typer.Argument(help="Member id or any of their identity keys.")],
    community: Community = None,
    as_json: JsonFlag = False,
) -> None:
    """One member: identities, every membership (with channel and inviter), roles."""
    with open_store() as store, store.read() as conn:
        m = get_member(conn, member, community=community)
        profile = get_profile(conn, m.community, [i.key for i in m.identities] or [m.key])
        names = display_names(conn, m.community, [s.inviter for s in m.memberships if s.inviter])
    if as_json:
        print_json({**dataclasses.asdict(m), "profile": profile})
        return
    merged = say(Said(" (merged into {into})", into=m.merged_into)) if m.merged_into else ""
    typer.echo(f"{say(N_('member'))} {m.id} {m.display_name or ''}{merged}  key={m.key}")
    print_table(
        N_("identities"),
        [N_("key"), N_("name"), N_("first seen (UTC)")],
        [(i.key, i.display_name, show_time(i.first_seen_at)) for i in m.identities],
    )
    print_table(
        N_("memberships"),
        [
            N_("group"),
            N_("as"),
            N_("status"),
            N_("joined"),
            N_("left"),
            N_("channel"),
            N_("inviter"),
            N_("joins"),
        ],
        [
            (
                f"{s.community}/{s.group}",
                s.identity,
                say(MEMBERSHIP.get(s.status, s.status)),
                show_time(s.joined_at),
                show_time(s.left_at),
                say(s.join_channel) if s.join_channel else None,
                names.get(s.inviter, s.inviter) if s.inviter else None,
                s.times_joined,
            )
            for s in m.memberships
        ],
    )
    if m.roles:
        typer.echo(f"{say(N_('roles'))}: {_roles(m)}")
    if profile.care or profile.card or profile.survey or profile.paid:
        answers = {**profile.card, **profile.survey}
        said = Said(
            "intake: care {care}, stake {stake} ({by}), paid {paid}",
            care=Said(profile.care) if profile.care else "-",
            stake=Said(profile.stake) if profile.stake else "-",
            by=Said(profile.classified_by) if profile.classified_by else Said("unclassified"),
            paid=f"{profile.paid:g}",
        )
        typer.echo(
            say(said)
            + (f"; {', '.join(f'{k}={v}' for k, v in answers.items())}" if answers else "")
        )


@members_app.command("merge")
def members_merge(
    keep: Annotated[str, typer.Argument(help="The member that remains (id or identity key).")],
    absorb: Annotated[str, typer.Argument(help="The member merged into it.")],
    community: Community = None,
    as_json: JsonFlag = False,
) -> None:
    """Record that two members are one person. History is kept; `unmerge` undoes it.
    Both must belong to one community."""
    with open_store() as store:
        event = identity.merge(store, keep, absorb, community=community)
    if as_json:
        print_json(event.to_dict())
    else:
        echo(
            Said(
                "merged {member} into {into} ({n} identities moved)",
                member=event.subject,
                into=event.data["into"],
                n=len(event.data["identities"]),
            )
        )


@members_app.command("unmerge")
def members_unmerge(
    member: Annotated[str, typer.Argument(help="The member that was absorbed (its key or id).")],
    community: Community = None,
    as_json: JsonFlag = False,
) -> None:
    """Undo the merge that absorbed MEMBER: its identities become its own again."""
    with open_store() as store:
        event = identity.unmerge(store, member, community=community)
    if as_json:
        print_json(event.to_dict())
    else:
        echo(Said("unmerged {member} from {into}", member=event.subject, into=event.data["from"]))


@members_app.command("suggest-merges")
def members_suggest(
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many pairs.")] = 50,
    as_json: JsonFlag = False,
) -> None:
    """List pairs of members who may be one person (same name, shared groups) for review."""
    with open_store() as store, store.read() as conn:
        found = identity.suggestions(conn, limit=limit)
    if as_json:
        print_json([{"a": s.a.key, "b": s.b.key, "reason": s.reason} for s in found])
        return
    print_table(
        Said("{n} possible duplicates", n=len(found)),
        ["a", "b", N_("why"), N_("to merge")],
        [
            (
                f"{s.a.id} {s.a.key}",
                f"{s.b.id} {s.b.key}",
                say(s.reason),
                f"shequn members merge {s.a.id} {s.b.id}",
            )
            for s in found
        ],
    )
