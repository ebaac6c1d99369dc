"""``shequn checkin board``: a check-in camp's leaderboard (P-ENG-5).

Thin, like every command: ``engine/engagement/checkins.py`` folds the camp's ``checkin.done``
events into streaks; reminders are the worker's ``checkins.remind`` tick, not a command.
"""

from __future__ import annotations

from typing import Annotated

import typer

from shequn.cli.common import (
    CommunityOpt,
    JsonFlag,
    named,
    open_store,
    pick_community,
    print_json,
    print_table,
)
from shequn.engine.engagement.checkins import leaderboard
from shequn.model.i18n import N_, Said

checkin_app = typer.Typer(help="Check-in camps: streaks and the leaderboard. 打卡营。")


@checkin_app.command("board")
def board_command(
    group: Annotated[str, typer.Argument(help="The camp's group slug.")],
    top: Annotated[
        int | None, typer.Option(min=1, help="How many (default: the blueprint's board_top).")
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """The camp's leaderboard today: current streak, then days checked in. 打卡排行榜。"""
    with open_store() as store:
        slug = pick_community(store, community)
        ranked = leaderboard(store, slug, group, top=top)
        who = named(store, slug, [s.member for s in ranked])
    if as_json:
        print_json([{**s.to_dict(), "name": who.name(s.member)} for s in ranked])
        return
    rows = [
        (n, who(s.member), s.current, s.longest, s.total, "✓" if s.today else "")
        for n, s in enumerate(ranked, 1)
    ]
    print_table(
        Said("{group}: {n} on the board", group=group, n=len(ranked)),
        ["#", N_("member"), N_("streak"), N_("longest"), N_("days checked in"), N_("today")],
        rows,
    )
