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
    echo,
    named,
    open_store,
    pick_community,
    print_json,
    print_table,
    say,
)
from shequn.engine import delegation
from shequn.engine.organization import change_role
from shequn.model.i18n import N_, Said
from shequn.store.org_queries import role_holders

roles_app = typer.Typer(help="Roles of the pyramid: owner, manager, group leader. 角色。")

MemberArg = Annotated[str, typer.Argument(help="The member (member or identity key).")]
Operator = Annotated[str | None, typer.Option(help="Your identity key, recorded as the actor.")]
SOURCE = "operator:cli"
GAP_WORDS = {
    "no_leader": N_("nobody leads this group"),
    "leader_inactive": N_("silent for {days} days"),
    "task_overdue": N_("small task {days} days overdue"),
    "duty_overdue": N_("{duty}: not done for {days} days"),
}
GAPS = (N_("no_leader"), N_("leader_inactive"), N_("task_overdue"), N_("duty_overdue"))


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
        echo(
            Said(
                "{member} is now {role} in {where}",
                member=event.subject,
                role=Said(role),
                where=group or slug,
            )
        )


@roles_app.command("list")
def roles_list(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """Everyone holding a role, highest first. 角色列表。"""
    with open_store() as store:
        slug = pick_community(store, community)
        with store.read() as conn:
            rows = role_holders(conn, slug)
        who = named(store, slug, [r["member"] for r in rows])
    if as_json:
        print_json([{**r, "name": who.name(r["member"])} for r in rows])
        return
    print_table(
        Said("{n} role holders", n=len(rows)),
        [N_("member"), N_("role"), N_("group"), N_("since")],
        [[who(r["member"]), say(r["role"]), r["group"], r["since"]] for r in rows],
    )


@roles_app.command("coverage")
def roles_coverage(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """Who leads each group, and every gap: a group nobody leads, a leader silent for
    [organization.coverage] inactive_days, a small task overdue (P-ORG-4). 覆盖与缺口。"""
    with open_store() as store:
        slug = pick_community(store, community)
        found = delegation.coverage(store, slug)
        keys = [h["member"] for hs in found["groups"].values() for h in hs]
        who = named(store, slug, [*keys, *(g["member"] for g in found["gaps"])])
    if as_json:
        print_json(found)
        return
    rows = [
        [g, ", ".join(f"{who(h['member'])} ({say(h['role'])})" for h in hs) or "—"]
        for g, hs in found["groups"].items()
    ]
    print_table(N_("who leads each group"), [N_("group"), N_("led by")], rows)
    gaps = found["gaps"]
    beyond = say(Said("over {days}", days=found["look_back_days"]))
    shown = [
        [say(g["kind"]), g["group"] or "", who(g["member"]) if g["member"] else "",
         say(GAP_WORDS[g["kind"]]).format(days=beyond if g["days"] is None else g["days"],
                                          duty=g.get("duty") or "")]
        for g in gaps
    ]  # fmt: skip
    print_table(
        Said("{n} gaps", n=len(gaps)), [N_("gap"), N_("group"), N_("member"), N_("what")], shown
    )


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
        echo(
            Said(
                "{member} is now {role} in {where}",
                member=e.subject,
                role=Said(e.data["role"]),
                where=e.group or slug,
            )
        )


__all__ = ["roles_app"]
