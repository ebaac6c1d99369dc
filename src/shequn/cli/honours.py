"""``shequn points``, ``shequn badges`` and ``shequn care``: points and badges (P-ENG-8) and a
member's opt-out of private care (P-ENG-7).

Thin, like every command: ``engine/engagement/honours.py`` and ``caring.py`` do the work.
Granting badges and sending care are the worker's ``badges.grant`` and ``care.send`` ticks.
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
    say,
)
from shequn.engine.engagement import caring, honours
from shequn.model.i18n import N_, Said

points_app = typer.Typer(help="Points: earned by what members do, spent on rewards. 积分。")
badges_app = typer.Typer(help="Badges: levels reached, granted once, revocable. 徽章。")
care_app = typer.Typer(help="Care: a member's opt-out of private care messages. 关怀。")

Member = Annotated[str, typer.Argument(help="The member (identity key).")]


@points_app.command("show")
def show_command(member: Member, community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """A member's points, what they were earned for, and badges. 查看积分与徽章。"""
    with open_store() as store:
        slug = pick_community(store, community)
        found = honours.standing(store, slug, member)
        who = named(store, slug, [found["member"]])
    if as_json:
        print_json({**found, "name": who.name(found["member"])})
        return
    badges = ", ".join(f"{say(b['badge'])} {b['level']}" for b in found["badges"]) or "-"
    echo(Said("{who}: {points} points (spent {spent}); badges: {badges}", who=who(found["member"]),
              points=found["points"], spent=found["spent"], badges=badges))  # fmt: skip


BADGES = (N_("answers"), N_("streak"), N_("invites"), N_("camps"))
"""The badges ``points show`` names (``engine/engagement/honours.py``)."""


@points_app.command("spend")
def spend_command(
    member: Member,
    amount: Annotated[int, typer.Argument(min=1, help="Points to spend.")],
    reward: Annotated[str, typer.Option(help="What for.")],
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Spend a member's points on a reward (never below zero unless allowed). 兑换。"""
    with open_store() as store:
        slug = pick_community(store, community)
        left = honours.spend(store, slug, member, amount, reward, actor="operator:cli")
    print_json({"member": member, "points": left}) if as_json else echo(
        Said("{n} points left", n=left)
    )


@badges_app.command("revoke")
def revoke_command(
    member: Member,
    badge: Annotated[str, typer.Argument(help="answers, streak or invites.")],
    level: Annotated[int, typer.Argument(help="The level to take back.")],
    reason: Annotated[str, typer.Option(help="Why.")] = "",
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Take a badge level back; it is never granted again. 收回徽章。"""
    with open_store() as store:
        slug = pick_community(store, community)
        done = honours.revoke(store, slug, member, badge, level, actor="operator:cli",
                              reason=reason)  # fmt: skip
    print_json({"revoked": done}) if as_json else echo(N_("revoked") if done else N_("not held"))


@care_app.command("stop")
def stop_command(
    member: Member,
    resume: Annotated[bool, typer.Option(help="Take the opt-out back.")] = False,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a member's /stop: no private care, reminders or summaries. 退订私信。"""
    with open_store() as store:
        slug = pick_community(store, community)
        caring.set_opt_out(store, slug, member, not resume, source="operator:cli")
    state = N_("receives private messages") if resume else N_("opted out")
    print_json({"member": member, "opted_out": not resume}) if as_json else echo(state)


@care_app.command("at-risk")
def at_risk_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say who; send nothing.")] = False,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Write privately to the members the churn-risk metric flags (their activity fell well
    below their own usual): once per decline, at their own hour, never after /stop.
    流失风险成员私信关怀。"""
    from shequn.analytics.churn import churn_risk
    from shequn.analytics.replica import Replica
    from shequn.analytics.scope import Scope

    with open_store() as store:
        slug = pick_community(store, community)
        with Replica.open(store) as replica:
            flagged = churn_risk(replica.con, Scope(slug))
        rows = [(r.person, r.groups, r.last_active, r.ratio) for r in flagged]
        chosen = caring.care_at_risk(store, slug, rows, dry_run=dry_run)
        who = named(store, slug, [c.member for c in chosen])
    if as_json:
        print_json([{"member": c.member, "name": who.name(c.member), "group": c.group,
                     "last_active": c.last_active.isoformat(), "ratio": c.ratio}
                    for c in chosen])  # fmt: skip
        return
    said = (Said("{n} at risk; would write to {m}") if dry_run
            else Said("{n} at risk; wrote to {m}"))  # fmt: skip
    echo(Said(said.msgid, n=len(flagged), m=len(chosen)))
    for c in chosen:
        echo(Said("  {who} ({group}, last active {day}, ratio {ratio})", who=who(c.member),
                  group=c.group, day=str(c.last_active), ratio=f"{c.ratio:.2f}"))  # fmt: skip
