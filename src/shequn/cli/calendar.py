"""``shequn calendar add|show``: the content calendar (P-CHN-2).

Thin, like every command: ``engine/engagement/calendar.py`` decides and records; times without
a zone (``--at 2026-05-08T09:00``) are the community's.
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
from shequn.cli.session import At
from shequn.engine.engagement import calendar as engine
from shequn.model.i18n import N_, Said

calendar_app = typer.Typer(help="The content calendar: your posts and their rhythm. 内容日历。")


@calendar_app.command("add")
def add_command(
    at: At,
    text: Annotated[str, typer.Option(help="What is posted.")],
    channel: Annotated[
        str, typer.Option(help="personal, moments, official or group (the bot posts it).")
    ] = "group",
    group: Annotated[str | None, typer.Option(help="The group (channel group).")] = None,
    ad: Annotated[
        bool, typer.Option("--ad", help="It advertises (the rhythm counts ads).")
    ] = False,
    post: Annotated[str | None, typer.Option(help="An id: adding it twice is one post.")] = None,
    entry: Annotated[
        str | None,
        typer.Option(help="A content entry: the text ends with its live-code link."),
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Put a one-off post on the calendar: a group post is sent by the worker at its time,
    any other channel becomes your task then. 添加一条计划发布的内容。"""
    if channel not in ("personal", "moments", "official", "group"):
        raise typer.BadParameter(
            say(N_("personal, moments, official or group")), param_hint="--channel"
        )
    if channel == "group" and not group:
        raise typer.BadParameter(say(N_("a group post names its --group")), param_hint="--group")
    with open_store() as store:
        slug = pick_community(store, community)
        found, new = engine.add_post(
            store,
            slug,
            channel=channel,
            at=at,
            text=text,
            group=group,
            ad=ad,
            post=post,
            entry=entry,
        )
    if as_json:
        print_json({**found.to_dict(), "new": new})
    else:
        said = (
            Said("planned {post} ({channel}) at {at}")
            if new
            else Said("already planned {post} ({channel}) at {at}")
        )
        echo(Said(said.msgid, post=found.post, channel=Said(found.channel),
                  at=f"{found.at:%Y-%m-%d %H:%M %Z}"))  # fmt: skip


@calendar_app.command("show")
def show_command(
    days: Annotated[int, typer.Option(min=1, max=62, help="How many days.")] = 7,
    first: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (today).")
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """The coming days' posts, recurring and one-off, each day checked against the seeds'
    rhythm (3–5 posts, mostly not ads). 查看内容日历与发布节奏。"""
    with open_store() as store:
        slug = pick_community(store, community)
        found = engine.agenda(store, slug, first.date() if first else None, days)
    if as_json:
        print_json([
            {"day": d.isoformat(), "posts": [p.to_dict() for p in posts], "warnings": warn}
            for d, posts, warn in found
        ])  # fmt: skip
        return
    for d, posts, warn in found:
        day = say(
            Said("{day}: {n} posts", day=f"{d:%Y-%m-%d} {say(d.strftime('%a'))}", n=len(posts))
        )
        typer.echo(day + (f" — {'; '.join(say(w) for w in warn)}" if warn else ""))
        for p in posts:
            where = p.group if p.channel == "group" else say(p.channel)
            ad = f" [{say(N_('ad'))}]" if p.ad else ""
            typer.echo(f"  {p.at:%H:%M} {where}{ad} {p.text[:60]}")


WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
CHANNELS = (N_("personal"), N_("moments"), N_("official"), N_("group"))
