"""``shequn wecom stats``, and what ``shequn worker --connector wecom`` (and ``serve --worker``)
hands the WeCom connector.

The connector imports only ``shequn.model`` (the layering test checks), so it cannot read the
store itself: the CLI gives it ``chat_of``, the group → chat lookup over the bindings
(``shequn groups bind GROUP --platform wecom --chat …``, else the group's ``chat_id``), read
when an action needs it so a binding made while the worker runs is seen. The secrets and the
sender come from ``SHEQUN_WECOM_*`` (``connectors/wecom/config.py``), never from arguments.
"""

from __future__ import annotations

from contextlib import closing
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from shequn.cli.common import (
    CommunityOpt,
    JsonFlag,
    open_store,
    pick_community,
    print_json,
    print_table,
    yes_no,
)
from shequn.model.i18n import N_, Said
from shequn.store.db import Store

wecom_app = typer.Typer(help="WeCom customer groups: statistics, owners.", no_args_is_help=True)


def wecom_chat_of(store: Store) -> Any:
    """(community, group) → the group's WeCom chat id, or ``None``."""
    from shequn.store.bindings import group_chats

    def find(community: str, group: str) -> str | None:
        with store.read() as conn:
            return group_chats(conn, community, "wecom").get(group)

    return find


def wecom_sent_since(store: Store) -> Any:
    """(target, since) → the message tasks carried out for it since then (the monthly cap)."""
    from shequn.connectors.wecom.connector import WELCOMES
    from shequn.store.wecom_queries import message_tasks_since

    def count(target: str, since: datetime) -> int:
        with store.read() as conn:
            return message_tasks_since(conn, target, since, WELCOMES)

    return count


def wecom_owners_of(store: Store) -> Any:
    """community → its WeCom groups → each one's owner as the callbacks recorded it."""
    from shequn.store.chat_owners import group_owners

    def find(community: str) -> dict[str, str | None]:
        with store.read() as conn:
            return group_owners(conn, community, "wecom")

    return find


def wecom_options(api_url: str | None = None) -> dict[str, Any]:
    """The connector's options: the settings from the environment (``NotConfigured`` names
    what is missing), ``--api-url`` over ``SHEQUN_WECOM_API_URL``, and the chat lookup on a
    store of its own for as long as the process runs (so are the monthly count and the groups'
    owners), and the group welcome template an earlier worker made (edited, not made again)."""
    from shequn.cli.common import state
    from shequn.connectors.wecom.config import WeComConfig
    from shequn.connectors.wecom.connector import WELCOMES
    from shequn.store.wecom_queries import welcome_templates

    config = WeComConfig.from_env()
    store = Store.open(state.db_url)
    with store.read() as conn:
        templates = welcome_templates(conn, WELCOMES)
    return {
        "config": config,
        "api_url": api_url or config.api_url,
        "chat_of": wecom_chat_of(store),
        "welcome_templates": templates,
        "sent_since": wecom_sent_since(store),
        "owners_of": wecom_owners_of(store),
    }


@wecom_app.command("stats")
def stats_command(
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """WeCom's daily group statistics beside the log's counts, and where they differ (nothing
    is overwritten: a difference is for a person to look into). 企业微信统计对账。"""
    from shequn.engine.wecom_stats import stats_report

    with open_store() as store:
        slug = pick_community(store, community)
        reports = stats_report(store, slug)
    if as_json:
        print_json([r.as_dict() for r in reports])
        return
    print_table(
        Said("WeCom statistics of {slug}: {n} days", slug=slug, n=len(reports)),
        [
            N_("day"),
            N_("new (WeCom)"),
            N_("new (log)"),
            N_("chats (WeCom)"),
            N_("chats (bound)"),
            N_("differences"),
        ],
        [
            (
                r.day,
                r.wecom_new_members,
                r.log_new_members,
                r.wecom_chats,
                r.bound_chats,
                _differences(r) or "—",
            )
            for r in reports
        ],
    )


def _differences(report: Any) -> str:
    """``new_members +1 (boss: new_members +1)``: the day's, then each owner's that differ."""

    def said(r: Any) -> str:
        return ", ".join(f"{k} {v:+d}" for k, v in r.differences.items())

    mine = "; ".join(f"{o.owner}: {said(o)}" for o in report.owners if o.differences)
    return f"{said(report)} ({mine})" if mine else said(report)


@wecom_app.command("owners")
def owners_command(
    community: CommunityOpt = None,
    api_url: Annotated[str | None, typer.Option("--api-url", help="WeCom's API base")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Read each WeCom group's owner (groupchat/get) and record the ones not known yet or
    changed (group.owner_changed): WeCom's statistics are per owner, and groups bound before
    a callback named their owner count as the sender's until then. 读取每个客户群的群主。"""
    from shequn.connectors.base import ConnectorError
    from shequn.connectors.wecom.client import WeComClient
    from shequn.connectors.wecom.config import WeComConfig
    from shequn.connectors.wecom.inbound import Context, owner_read
    from shequn.engine.inbound import receive
    from shequn.store.bindings import group_chats
    from shequn.store.chat_owners import chat_owners

    config = WeComConfig.from_env()
    client = WeComClient(config.corp_id, config.secret, api_url=api_url or config.api_url)
    rows: list[dict[str, Any]] = []
    with open_store() as store, closing(client):
        slug = pick_community(store, community)
        with store.read() as conn:
            chats, known = group_chats(conn, slug, "wecom"), chat_owners(conn, slug, "wecom")
        ctx = Context(config.corp_id, slug, {chat: group for group, chat in chats.items()})
        now = datetime.now(UTC)
        for group, chat in sorted(chats.items()):
            row: dict[str, Any] = {"group": group, "chat": chat, "was": known.get(chat)}
            try:
                answer = client.post("groupchat/get", {"chat_id": chat})
            except ConnectorError as e:
                rows.append(row | {"owner": None, "recorded": False, "error": e.reason})
                continue
            owner = str((answer.get("group_chat") or {}).get("owner") or "")
            event = owner_read(ctx, chat, owner, known.get(chat), at=now)
            recorded = event is not None and receive(store, slug, [event]).new > 0
            rows.append(row | {"owner": owner or None, "recorded": recorded, "error": None})
    if as_json:
        print_json(rows)
        return
    print_table(
        Said(
            "WeCom group owners of {slug}: {n} recorded",
            slug=slug,
            n=sum(r["recorded"] for r in rows),
        ),
        [N_("group"), N_("chat"), N_("owner"), N_("before"), N_("recorded"), N_("error")],
        [
            (r["group"], r["chat"], r["owner"], r["was"], yes_no(r["recorded"]), r["error"])
            for r in rows
        ],
    )
