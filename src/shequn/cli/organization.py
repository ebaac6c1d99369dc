"""``shequn roles|levels|orgtask|motion|election``: the self-running pyramid (P-ORG-1..3).

Thin, like every command: ``engine/organization_levels.py``, ``organization_tasks.py`` and
``motions.py`` decide and record; every read takes ``--json``. Members are named by their
member or identity key (``wechat:wxid_lin``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from shequn.cli.common import (
    CommunityOpt,
    JsonFlag,
    echo,
    open_store,
    pick_community,
    print_json,
    say,
)
from shequn.cli.org_common import SOURCE, MemberArg, Operator, org_rows
from shequn.cli.roles import roles_app
from shequn.engine import motions as motion_engine
from shequn.engine import organization_levels as levels
from shequn.engine import organization_tasks as tasks
from shequn.model.events import Event
from shequn.model.i18n import N_, Said

levels_app = typer.Typer(help="Levels and core-figure tags (P-ORG-1). 等级与核心人物标签。")
orgtask_app = typer.Typer(help="Small tasks for key members (P-ORG-2). 骨干小任务。")
motion_app = typer.Typer(help="Motions and votes by rules of order (P-ORG-3). 动议与表决。")


def _events(events: list[Event], as_json: bool, none: str) -> None:
    if as_json:
        print_json([e.to_dict() for e in events])
    elif not events and none:
        echo(none)
    for e in events if not as_json else []:
        tag = e.data.get("tag")
        what = (
            say(tag)
            if tag
            else say(
                Said("level {was} → {level}", was=e.data.get("was", "?"), level=e.data.get("level"))
            )
        )
        typer.echo(f"{e.kind} {e.subject}: {what} ({e.data.get('reason', '')})")


# -- levels -------------------------------------------------------------------------------


@levels_app.command("show")
def levels_show(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """Members with a level, a lock or a tag, highest level first. 查看等级。"""
    with open_store() as store:
        slug = pick_community(store, community)
        rows = levels.standings(store, slug)
        cols = [N_("member"), N_("level"), N_("name"), N_("since"), N_("locked"), N_("tags")]
        org_rows(store, slug, rows, as_json, Said("{n} members with a standing", n=len(rows)), cols)


@levels_app.command("evaluate")
def levels_evaluate(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show, record nothing.")] = False,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Evaluate every member's level and tags now (the org.levels tick does it hourly).
    评估等级。"""
    with open_store() as store:
        found = levels.evaluate(store, pick_community(store, community), dry_run=dry_run)
    _events(found, as_json, N_("no change"))


@levels_app.command("grant")
def levels_grant(
    member: MemberArg,
    level: Annotated[int, typer.Argument(help="The level (0: none).")],
    reason: Annotated[str, typer.Option(help="Why, for the record.")] = "",
    lock: Annotated[bool, typer.Option(help="Keep evaluation off this level.")] = True,
    operator: Operator = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Set MEMBER's level by hand (locked unless --no-lock). 手动授予等级。"""
    with open_store() as store:
        slug = pick_community(store, community)
        found = levels.grant_level(
            store, slug, member, level, reason=reason, lock=lock, operator=operator,
            source=SOURCE,
        )  # fmt: skip
    _events(found, as_json, N_("no change"))


@levels_app.command("lock")
def levels_lock(
    member: MemberArg,
    off: Annotated[bool, typer.Option("--off", help="Unlock instead.")] = False,
    reason: Annotated[str, typer.Option(help="Why, for the record.")] = "",
    operator: Operator = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Lock (or --off: unlock) MEMBER's level against automatic change. 锁定等级。"""
    with open_store() as store:
        slug = pick_community(store, community)
        event = levels.lock_level(
            store, slug, member, not off, reason=reason, operator=operator, source=SOURCE
        )
    _events([event], as_json, "")


@levels_app.command("tag")
def levels_tag(
    member: MemberArg,
    tag: Annotated[str, typer.Argument(help="manager, fission_agent, partner or payer.")],
    off: Annotated[bool, typer.Option("--off", help="Take the tag away.")] = False,
    reason: Annotated[str, typer.Option(help="Why, for the record.")] = "",
    operator: Operator = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Give (or --off: take) a core-figure tag by hand. 设置核心人物标签。"""
    with open_store() as store:
        slug = pick_community(store, community)
        event = levels.set_tag(
            store, slug, member, tag, not off, reason=reason, operator=operator, source=SOURCE
        )
    _events([event], as_json, "")


@levels_app.command("candidates")
def levels_candidates(
    limit: Annotated[int | None, typer.Option(help="How many (default: the blueprint's).")] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Key-member candidates by their key-behaviour score over the window. 骨干候选人。"""
    with open_store() as store:
        slug = pick_community(store, community)
        rows = tasks.key_members(store, slug, limit=limit)
        cols = [N_("member"), N_("score"), N_("level"), N_("evidence")]
        org_rows(store, slug, rows, as_json, Said("{n} candidates", n=len(rows)), cols)


# -- small tasks --------------------------------------------------------------------------


@orgtask_app.command("give")
def orgtask_give(
    member: MemberArg,
    title: Annotated[str, typer.Argument(help="What to do.")],
    due: Annotated[
        datetime | None, typer.Option(help="Due (UTC unless a zone is given); default: blueprint.")
    ] = None,
    done_when: Annotated[str, typer.Option(help="manual, or a behaviour: answer, …")] = "manual",
    count: Annotated[int, typer.Option(help="How many of --done-when.")] = 1,
    promote_to: Annotated[int | None, typer.Option(help="The level it leads to.")] = None,
    operator: Operator = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Give MEMBER a small task; they are told privately. 布置小任务。"""
    with open_store() as store:
        task = tasks.assign(
            store, pick_community(store, community), member, title, due=due,
            done_when=done_when, count=count, promote_to=promote_to, operator=operator,
            source=SOURCE,
        )  # fmt: skip
    if as_json:
        print_json({"task": task.task, "member": task.member, "due": task.due.isoformat()})
    else:
        echo(
            Said(
                "gave {task} to {member}: {title} (due {due} UTC)",
                task=task.task,
                member=task.member,
                title=task.title,
                due=f"{task.due:%Y-%m-%d %H:%M}",
            )
        )


@orgtask_app.command("done")
def orgtask_done(
    task: Annotated[str, typer.Argument(help="The task id (shequn orgtask list).")],
    note: Annotated[str, typer.Option(help="A note for the record.")] = "",
    operator: Operator = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Tick a task done. 小任务完成。"""
    with open_store() as store:
        slug = pick_community(store, community)
        found = tasks.complete(store, slug, task, operator=operator, note=note)
    _events(found, as_json, "")


@orgtask_app.command("list")
def orgtask_list(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """Small tasks, newest first. 小任务列表。"""
    with open_store() as store:
        slug = pick_community(store, community)
        rows = tasks.list_tasks(store, slug)
        cols = [N_("task"), N_("member"), N_("title"), N_("due"), N_("done_when"), N_("count"),
                N_("promote_to"), N_("done_at")]  # fmt: skip
        org_rows(store, slug, rows, as_json, Said("{n} tasks", n=len(rows)), cols)


# -- motions ------------------------------------------------------------------------------


@motion_app.command("propose")
def motion_propose(
    group: Annotated[str, typer.Argument(help="The group's slug.")],
    mover: Annotated[str, typer.Argument(help="The mover (member or identity key).")],
    text: Annotated[str, typer.Argument(help="The motion.")],
    change: Annotated[
        str | None,
        typer.Option(
            help="MEMBER=ROLE: the role change it makes in GROUP if carried "
            "(group_leader or member)."
        ),
    ] = None,
    rule: Annotated[
        str | None,
        typer.Option(
            help="KEY=VALUE, KEY+=ITEM or KEY-=ITEM: the change of GROUP's own rules it makes "
            "if carried (topics.patterns, advert.threshold, flow.flood_messages, …)."
        ),
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Move a motion in GROUP on MOVER's behalf. 提出动议。"""
    who, sep, role = (change or "").rpartition("=")
    if change is not None and not (sep and who and role):
        raise typer.BadParameter(say(N_("give the change as MEMBER=ROLE")), param_hint="--change")
    with open_store() as store:
        slug = pick_community(store, community)
        m = motion_engine.propose(
            store, slug, group, mover, text, change=(who, role) if change else None, rule=rule,
            source=SOURCE,
        )  # fmt: skip
    if as_json:
        print_json({"motion": m.motion, "group": m.group, "text": m.text, "rule": m.rule})
    else:
        echo(Said("moved {motion}: {text}", motion=m.motion, text=m.text))
        if m.rule:
            typer.echo(f"  ({m.rule})")


@motion_app.command("amend")
def motion_amend(
    motion: Annotated[str, typer.Argument(help="The pending motion it amends.")],
    mover: Annotated[str, typer.Argument(help="The mover (member or identity key).")],
    text: Annotated[str, typer.Argument(help="The motion's new wording.")],
    rule: Annotated[
        str | None, typer.Option(help="KEY=VALUE: the motion's new rule change, if any.")
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Amend a pending MOTION on MOVER's behalf: seconded and voted on before it. 修正动议。"""
    with open_store() as store:
        slug = pick_community(store, community)
        group = motion_engine.group_of(store, slug, motion)
        m = motion_engine.propose(
            store, slug, group, mover, text, rule=rule, amends=motion, source=SOURCE
        )
    if as_json:
        print_json({"motion": m.motion, "amends": motion, "text": m.text, "rule": m.rule})
    else:
        echo(
            Said(
                "moved amendment {amendment} to {motion}: {text}",
                amendment=m.motion,
                motion=motion,
                text=m.text,
            )
        )


@motion_app.command("second")
def motion_second(
    motion: Annotated[str, typer.Argument(help="The motion id.")],
    member: MemberArg,
    community: CommunityOpt = None,
) -> None:
    """Second MOTION on MEMBER's behalf: discussion and voting open. 附议。"""
    with open_store() as store:
        slug = pick_community(store, community)
        motion_engine.second(store, slug, motion, member, source=SOURCE)
    echo(Said("seconded {motion}", motion=motion))


@motion_app.command("vote")
def motion_vote(
    motion: Annotated[str, typer.Argument(help="The motion id.")],
    member: MemberArg,
    choice: Annotated[str, typer.Argument(help="yes, no or abstain.")],
    community: CommunityOpt = None,
) -> None:
    """Cast MEMBER's vote; a second vote is ignored (the first stands). 投票。"""
    with open_store() as store:
        slug = pick_community(store, community)
        new = motion_engine.vote(store, slug, motion, member, choice, source=SOURCE)
    echo(N_("voted") if new else N_("already voted: the first vote stands"))


@motion_app.command("list")
def motion_list(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """Motions, newest first, with their counts (never who voted how). 动议列表。"""
    with open_store() as store:
        slug = pick_community(store, community)
        rows = motion_engine.list_motions(store, slug)
        cols = [N_("motion"), N_("group"), N_("text"), N_("closes_at"), N_("result"), N_("yes"),
                N_("no"), N_("abstain"), N_("eligible")]  # fmt: skip
        org_rows(store, slug, rows, as_json, Said("{n} motions", n=len(rows)), cols)


__all__ = ["levels_app", "motion_app", "orgtask_app", "roles_app"]
