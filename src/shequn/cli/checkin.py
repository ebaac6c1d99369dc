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
    open_store,
    pick_community,
    print_json,
    print_table,
)
from shequn.engine.engagement.checkins import leaderboard

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
        ranked = leaderboard(store, pick_community(store, community), group, top=top)
    if as_json:
        print_json([s.to_dict() for s in ranked])
        return
    rows = [
        (n, s.member, s.current, s.longest, s.total, "✓" if s.today else "")
        for n, s in enumerate(ranked, 1)
    ]
    print_table(
        f"{group}: {len(ranked)} on the board",
        ["#", "member", "streak", "longest", "days", "today"],
        rows,
    )
