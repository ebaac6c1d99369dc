"""``shequn honours``: role models and their stories (P-ENG-8). Thin, like every command:
``engine/engagement/honour_stories.py`` records the honour and queues the story."""

from __future__ import annotations

from typing import Annotated

import typer

from shequn.cli.common import CommunityOpt, JsonFlag, echo, open_store, pick_community, print_json
from shequn.engine.decisions import operator_source
from shequn.engine.engagement import honour_stories
from shequn.model.i18n import Said

honours_app = typer.Typer(help="Honours: role models and their stories. 荣誉与榜样故事。")


@honours_app.command("nominate")
def nominate_command(
    group: Annotated[str, typer.Argument(help="The group that hears the story.")],
    member: Annotated[str, typer.Argument(help="The member honoured (identity key).")],
    title: Annotated[str, typer.Option(help="What they are honoured as.")],
    story: Annotated[str, typer.Option(help="Their story, as it will be published.")],
    honour: Annotated[
        str | None, typer.Option(help="An id (default: group-member-YYYY-MM).")
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Name MEMBER a role model of GROUP: the story is queued to the group (an action, so it
    can still be cancelled before the worker sends it). 评选榜样并在群内发布其故事。"""
    with open_store() as store:
        slug = pick_community(store, community)
        found, new = honour_stories.nominate(store, slug, member, group, title=title,
                                             story=story, honour=honour,
                                             source=operator_source())  # fmt: skip
    if as_json:
        print_json({**found.to_dict(), "new": new})
        return
    said = Said("{honour}: story queued to {group}") if new else Said("{honour}: named before")
    echo(Said(said.msgid, honour=found.honour, group=found.group))


@honours_app.command("list")
def list_command(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """The honours, newest first. 榜样列表。"""
    with open_store() as store:
        found = honour_stories.list_honours(store, pick_community(store, community))
    if as_json:
        print_json([h.to_dict() for h in found])
        return
    echo(Said("{n} honours", n=len(found)))
    for h in found:
        echo(f"  {h.at:%Y-%m-%d}  {h.group}  {h.member}  {h.title}")
