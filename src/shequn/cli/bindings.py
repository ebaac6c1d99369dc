"""``shequn groups bind|unbind|bindings|unbound``: which platform chat is which group.

Registered on the ``groups`` command group by ``cli/app.py``; thin, like every command: the
engine decides and records (``engine/bindings.py``), the store answers the listings.
"""

from __future__ import annotations

from typing import Annotated

import typer

from shequn.cli.common import (
    CommunityOpt,
    JsonFlag,
    echo,
    open_store,
    pick_community,
    print_json,
    print_table,
    show_time,
    yes_no,
)
from shequn.engine import bindings as engine
from shequn.model.i18n import N_, Said
from shequn.store.bindings import list_bindings, unbound_chats

Platform = Annotated[str, typer.Option(help="The chat's platform: telegram or wecom.")]
Group = Annotated[str, typer.Argument(help="The group's slug in the blueprint.")]


def bind_command(
    group: Group,
    chat: Annotated[
        str, typer.Option(help="The platform's chat id (Telegram: -100…; see shequn bot check).")
    ],
    platform: Platform = "telegram",
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Bind a platform chat to GROUP: its live updates and later exports land there,
    whatever the chat is called. 把平台群绑定到分组。"""
    with open_store() as store:
        slug = pick_community(store, community)
        event = engine.bind(store, slug, group, platform, chat)
    if as_json:
        print_json({"bound": event is not None, "group": group, "platform": platform, "chat": chat})
    elif event is None:
        echo(
            Said(
                "{platform} chat {chat} is already bound to {where}",
                platform=platform,
                chat=chat,
                where=f"{slug}/{group}",
            )
        )
    else:
        echo(
            Said(
                "bound {platform} chat {chat} to {where}",
                platform=platform,
                chat=chat,
                where=f"{slug}/{group}",
            )
        )


def unbind_command(
    group: Group,
    platform: Platform = "telegram",
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Unbind GROUP's chat on the platform; its new updates go to an unbound:… group until
    it is bound again. 解除绑定。"""
    with open_store() as store:
        slug = pick_community(store, community)
        event = engine.unbind(store, slug, group, platform)
    if as_json:
        print_json(event.to_dict())
    else:
        echo(
            Said(
                "unbound {platform} chat {chat} from {where}",
                platform=platform,
                chat=event.data["chat"],
                where=f"{slug}/{group}",
            )
        )


def bindings_command(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """List bound chats (and chats unbound since, marked so). 已绑定的群。"""
    with open_store() as store, store.read() as conn:
        found = list_bindings(conn, community)
    if as_json:
        print_json(found)
        return
    print_table(
        Said("{n} bound chats", n=sum(b.active for b in found)),
        [N_("community"), N_("group"), N_("platform"), N_("chat"), N_("bound"), N_("since (UTC)")],
        [
            (
                b.community,
                b.group,
                b.platform,
                b.chat,
                yes_no(b.active),
                show_time(b.changed_at),
            )
            for b in found
        ],
    )


def unbound_command(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """List chats whose updates arrived unbound (kept under unbound:PLATFORM:CHAT, never
    dropped), with the command that binds each. 未绑定的群：更新已保存，绑定后新消息归入分组。"""
    with open_store() as store, store.read() as conn:
        found = unbound_chats(conn, community)
    if as_json:
        print_json(found)
        return
    print_table(
        Said("{n} unbound chats", n=len(found)),
        [
            N_("community"),
            N_("platform"),
            N_("chat"),
            N_("title"),
            N_("events"),
            N_("last (UTC)"),
            N_("bound to now"),
        ],
        [
            (u.community, u.platform, u.chat, u.name, u.events, show_time(u.last_at), u.bound_to)
            for u in found
        ],
    )
    for u in found:
        if u.bound_to is None:
            echo(
                Said(
                    "bind with: {command}",
                    command=f"shequn groups bind GROUP --platform {u.platform} --chat {u.chat}",
                )
            )
