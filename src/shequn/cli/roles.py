"""``shequn roles set|list|coverage|handover``: who leads where, the gaps, and handing a
leaver's groups to a successor (P-ORG-1, P-ORG-4).

Thin: ``engine/organization.py`` changes one role, ``engine/delegation.py`` reads coverage and
hands over; every read takes ``--json``. Members are named by member or identity key.
"""

from __future__ import annotations

from typing import Annotated

import typer

from shequn.cli.common import (
    CommunityOpt,
    JsonFlag,
    open_store,
    pick_community,
    print_json,
    print_table,
)
from shequn.engine import delegation
from shequn.engine.organization import change_role
from shequn.store.org_queries import role_holders

roles_app = typer.Typer(help="Roles of the pyramid: owner, manager, group leader. 角色。")

MemberArg = Annotated[str, typer.Argument(help="The member (member or identity key).")]
Operator = Annotated[str | None, typer.Option(help="Your identity key, recorded as the actor.")]
SOURCE = "operator:cli"
GAP_WORDS = {
    "no_leader": "nobody leads this group",
    "leader_inactive": "silent for {days} days",
    "task_overdue": "small task {days} days overdue",
    "duty_overdue": "{duty}: not done for {days} days",
}


@roles_app.command("set")
def roles_set(
    member: MemberArg,
    role: Annotated[str, typer.Argument(help="owner, manager, group_leader or member.")],
    group: Annotated[str | None, typer.Option(help="The group (default: community-wide).")] = None,
    operator: Operator = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Give MEMBER a role, in a group or community-wide (as the dashboard's promote button).
    设置角色。"""
    with open_store() as store:
        slug = pick_community(store, community)
        event = change_role(store, slug, member, role, group, source=SOURCE, operator=operator)
    if as_json:
        print_json(event.to_dict())
    else:
        typer.echo(f"{event.subject} is now {role} in {group or slug}")


@roles_app.command("list")
def roles_list(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """Everyone holding a role, highest first. 角色列表。"""
    with open_store() as store:
        slug = pick_community(store, community)
        with store.read() as conn:
            rows = role_holders(conn, slug)
    if as_json:
        print_json(rows)
        return
    columns = ["member", "role", "group", "since"]
    print_table(f"{len(rows)} role holders", columns, [[r[c] for c in columns] for r in rows])


@roles_app.command("coverage")
def roles_coverage(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """Who leads each group, and every gap: a group nobody leads, a leader silent for
    [organization.coverage] inactive_days, a small task overdue (P-ORG-4). 覆盖与缺口。"""
    with open_store() as store:
        slug = pick_community(store, community)
        found = delegation.coverage(store, slug)
    if as_json:
        print_json(found)
        return
    rows = [
        [g, ", ".join(f"{h['member']} ({h['role']})" for h in hs) or "—"]
        for g, hs in found["groups"].items()
    ]
    print_table("who leads each group", ["group", "led by"], rows)
    gaps = found["gaps"]
    beyond = f"over {found['look_back_days']}"
    shown = [
        [g["kind"], g["group"] or "", g["member"] or "",
         GAP_WORDS[g["kind"]].format(days=beyond if g["days"] is None else g["days"],
                                     duty=g.get("duty") or "")]
        for g in gaps
    ]  # fmt: skip
    print_table(f"{len(gaps)} gaps", ["gap", "group", "member", "what"], shown)


@roles_app.command("handover")
def roles_handover(
    leaver: Annotated[str, typer.Argument(help="The manager or leader who leaves or steps down.")],
    successor: Annotated[str, typer.Argument(help="Who takes over their roles and groups.")],
    operator: Operator = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Hand every role LEAVER holds to SUCCESSOR, group by group; LEAVER goes back to
    member (WeCom's 离职继承, for the pyramid). 交接。"""
    with open_store() as store:
        slug = pick_community(store, community)
        events = delegation.handover(
            store, slug, leaver, successor, operator=operator, source=SOURCE
        )
    if as_json:
        print_json([e.to_dict() for e in events])
        return
    for e in events:
        typer.echo(f"{e.subject} is now {e.data['role']} in {e.group or slug}")


__all__ = ["roles_app"]
