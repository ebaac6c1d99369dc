"""``shequn groups …`` and ``shequn members …``: who is where, and who is who."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from shequn.cli.common import JsonFlag, open_store, print_json, print_table, show_time
from shequn.engine import identity
from shequn.model.entities import Member
from shequn.store.growth_queries import get_profile
from shequn.store.queries import count_members, get_member, list_groups, list_members

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
        f"{len(groups)} groups",
        ["community", "group", "name", "platform", "stage", "active", "capacity", "blueprint"],
        [
            (
                g.community,
                g.slug,
                g.name,
                g.platform,
                g.stage,
                g.active_members,
                g.capacity,
                "yes" if g.configured else "no (seen in events)",
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
        f"{len(members)} of {total} members",
        ["id", "name", "identities", "active in", "roles", "first seen (UTC)"],
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
    return " ".join(f"{r.role}@{r.group or r.community}" for r in m.roles)


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
    if as_json:
        print_json({**dataclasses.asdict(m), "profile": profile})
        return
    merged = f" (merged into {m.merged_into})" if m.merged_into else ""
    typer.echo(f"member {m.id} {m.display_name or ''}{merged}  key={m.key}")
    print_table(
        "identities",
        ["key", "name", "first seen (UTC)"],
        [(i.key, i.display_name, show_time(i.first_seen_at)) for i in m.identities],
    )
    print_table(
        "memberships",
        ["group", "as", "status", "joined", "left", "channel", "inviter", "joins"],
        [
            (
                f"{s.community}/{s.group}",
                s.identity,
                s.status,
                show_time(s.joined_at),
                show_time(s.left_at),
                s.join_channel,
                s.inviter,
                s.times_joined,
            )
            for s in m.memberships
        ],
    )
    if m.roles:
        typer.echo(f"roles: {_roles(m)}")
    if profile.care or profile.card or profile.survey or profile.paid:
        answers = {**profile.card, **profile.survey}
        typer.echo(
            f"intake: care {profile.care or '-'}, stake {profile.stake or '-'}"
            f" ({profile.classified_by or 'unclassified'}), paid {profile.paid:g}"
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
        typer.echo(
            f"merged {event.subject} into {event.data['into']} "
            f"({len(event.data['identities'])} identities moved)"
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
        typer.echo(f"unmerged {event.subject} from {event.data['from']}")


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
        f"{len(found)} possible duplicates",
        ["a", "b", "why", "to merge"],
        [
            (
                f"{s.a.id} {s.a.key}",
                f"{s.b.id} {s.b.key}",
                s.reason,
                f"shequn members merge {s.a.id} {s.b.id}",
            )
            for s in found
        ],
    )
