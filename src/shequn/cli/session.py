"""``shequn session plan|list|show|move|cancel|ask|summary``: sharing sessions (P-ENG-2).

Thin, like every command: ``engine/engagement/sessions.py`` decides and records; times without
a zone (``--at 2026-05-08T20:00``) are the community's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from shequn.cli.common import (
    TIME_FORMATS,
    CommunityOpt,
    JsonFlag,
    echo,
    open_store,
    pick_community,
    print_json,
    print_table,
    say,
)
from shequn.engine.engagement import sessions as engine
from shequn.model.i18n import N_, Said
from shequn.store.engagement import Session

session_app = typer.Typer(help="Sharing sessions: plan the whole timeline. 分享会。")

SessionId = Annotated[str, typer.Argument(help="The session id (shequn session list).")]
At = Annotated[
    datetime,
    typer.Option(
        "--at",
        formats=TIME_FORMATS,
        help="Start, e.g. 2026-05-08T20:00 (the community's time zone unless one is given).",
    ),
]


def _say(s: Session, as_json: bool, verb: str) -> None:
    if as_json:
        print_json(s.to_dict())
    else:
        echo(Said("{verb} {session}: {title} at {at} UTC ({status})", verb=Said(verb),
                  session=s.session, title=s.title, at=f"{s.starts_at:%Y-%m-%d %H:%M}",
                  status=Said(s.status)))  # fmt: skip


VERBS = (N_("planned"), N_("already planned"), N_("session"), N_("moved"), N_("cancelled"))
"""What ``session`` commands say they did."""


@session_app.command("plan")
def plan_command(
    group: Annotated[str, typer.Argument(help="The group's slug.")],
    title: Annotated[str, typer.Option(help="The topic.")],
    at: At,
    speaker: Annotated[str | None, typer.Option(help="The speaker's identity key.")] = None,
    minutes: Annotated[int | None, typer.Option(help="Length (default: the blueprint's).")] = None,
    session: Annotated[
        str | None, typer.Option(help="An id (default: group-YYYYMMDD-HHMM).")
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Plan a session in GROUP: announcement, question collection, warm-up, start and the
    summary task are queued; planning it twice changes nothing. 计划一场分享会。"""
    with open_store() as store:
        slug = pick_community(store, community)
        found, new = engine.plan_session(
            store, slug, group, title=title, starts_at=at, minutes=minutes, speaker=speaker,
            session=session, actor="operator:cli",
        )  # fmt: skip
    _say(found, as_json, "planned" if new else "already planned")


@session_app.command("list")
def list_command(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """List the community's sessions. 分享会列表。"""
    with open_store() as store:
        found = engine.list_sessions(store, pick_community(store, community))
    if as_json:
        print_json([s.to_dict() for s in found])
        return
    rows = [
        (s.session, s.group, s.title, f"{s.starts_at:%Y-%m-%d %H:%M}", say(s.status), s.questions)
        for s in found
    ]
    print_table(
        Said("{n} sessions", n=len(found)),
        [N_("id"), N_("group"), N_("title"), N_("start (UTC)"), N_("status"), N_("questions")],
        rows,
    )


@session_app.command("show")
def show_command(
    session: SessionId, community: CommunityOpt = None, as_json: JsonFlag = False
) -> None:
    """Show one session. 查看分享会。"""
    with open_store() as store:
        found = engine.show_session(store, pick_community(store, community), session)
    _say(found, as_json, "session")


@session_app.command("move")
def move_command(
    session: SessionId, at: At, community: CommunityOpt = None, as_json: JsonFlag = False
) -> None:
    """Move a session: pending steps move, the group is told if it heard of it. 改期。"""
    with open_store() as store:
        found = engine.reschedule(
            store, pick_community(store, community), session, at, actor="operator:cli"
        )
    _say(found, as_json, "moved")


@session_app.command("cancel")
def cancel_command(
    session: SessionId,
    reason: Annotated[str, typer.Option(help="Why, as said to the group.")] = "",
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Cancel a session and its pending steps. 取消分享会。"""
    with open_store() as store:
        slug = pick_community(store, community)
        found = engine.cancel_session(store, slug, session, reason=reason, actor="operator:cli")
    _say(found, as_json, "cancelled")


@session_app.command("ask")
def ask_command(
    session: SessionId,
    member: Annotated[str, typer.Option(help="Who asks (identity key).")],
    text: Annotated[str, typer.Argument(help="The question.")],
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Collect a member's question for a session. 收集问题。"""
    with open_store() as store:
        new = engine.ask(
            store, pick_community(store, community), session, member, text, source="operator:cli"
        )
    print_json({"collected": new}) if as_json else echo(
        N_("collected") if new else N_("known already")
    )


@session_app.command("summary")
def summary_command(
    session: SessionId,
    text: Annotated[str, typer.Option(help="The summary sent privately to every member.")],
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Send a session's summary privately to every member of its group (once). 发送总结。"""
    with open_store() as store:
        slug = pick_community(store, community)
        queued = engine.summarize(store, slug, session, text, actor="operator:cli")
    print_json({"queued": queued}) if as_json else echo(
        Said("queued {n} private messages", n=queued)
    )
