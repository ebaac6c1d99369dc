"""``/hooks/wecom``: WeCom's callback URL (mounted outside ``/api/v1``: no token, a signature).

``GET`` is WeCom's URL check: the signed, encrypted ``echostr`` decrypted and echoed back.
``POST`` carries an encrypted XML callback. Both are refused with 401 unless the signature is
right, the ciphertext decrypts under the corp's key and was made for the corp id — before
anything is recorded. A good callback is answered at once and processed after the answer (a
``groupchat/get`` for who joined, then :func:`shequn.engine.gather.receive`): WeCom retries a
callback it waits on for more than a few seconds, and a retry adds nothing anyway, since the
events are keyed on the whole callback (``connectors/wecom/inbound.py``).

Chat → group: the chat's ``wecom`` binding (``shequn groups bind``), else a group whose
``chat_id`` (``group.configured``) is the WeCom chat id. Callbacks about other chats are
counted in the log line, not recorded — except who owns them (a chat created, handed over):
that ``group.owner_changed`` goes to the chat's ``unbound:wecom:…`` group, so a group WeCom
made itself shows in ``shequn groups unbound`` with its owner. Every ``groupchat/get`` also
tells the owner: one that differs from the owner recorded is recorded.

A member's private message to the corp's self-built app (``MsgType`` ``text``) is a bot command
(``connectors/wecom/app_messages.py``): answered after the answer, like a Telegram command,
through :func:`shequn.engine.bot_commands.answer_members` — the reply is a ``message.send``
action the worker carries out with ``message/send``, never a reply in this response. The body
is bounded (:data:`MAX_CALLBACK`; a text message is at most 2 KB before encryption) and a
message WeCom re-delivers under the same ``MsgId`` is answered once.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import PlainTextResponse

from shequn.connectors.wecom.app_messages import command_of, is_message
from shequn.connectors.wecom.client import WeComClient
from shequn.connectors.wecom.config import NotConfigured, WeComConfig
from shequn.connectors.wecom.crypto import CallbackCrypto, CallbackRejected
from shequn.connectors.wecom.inbound import (
    Callback,
    ChatMember,
    Context,
    events_for,
    identity,
    needs_owner,
    owner_event,
    parse,
    unbound_chat,
)
from shequn.engine.bot_commands import BotCommand, answer_members
from shequn.engine.gather import receive  # concurrent callbacks recorded together
from shequn.errors import Conflict, NotFound, ShequnError
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store.bindings import group_chats
from shequn.store.chat_owners import chat_owner
from shequn.store.db import Store
from shequn.store.queries import list_communities

log = logging.getLogger("shequn.wecom")
router = APIRouter(prefix="/hooks/wecom", tags=["hooks"], include_in_schema=False)

Signed = Annotated[str, Query(max_length=128)]
MAX_CALLBACK = 256 * 1024
"""Bytes a callback body may hold: WeCom's largest — a 2 KB text, a ``MemChangeList`` of a
2,000-member group's ids — encrypted and base64'd fits; anything bigger is refused before it
is parsed (the API's own limit is megabytes)."""
_ANSWERING = threading.Lock()
"""One private message answered at a time in this process: a re-delivery arriving while the
first is being answered waits, then finds it answered."""


@lru_cache(maxsize=4)
def _crypto(config: WeComConfig) -> CallbackCrypto:
    return CallbackCrypto(config.token, config.aes_key, config.corp_id)


def _config(request: Request) -> WeComConfig:
    config = getattr(request.app.state, "wecom", None)
    if config is None:
        try:
            config = WeComConfig.from_env()
        except NotConfigured:
            raise NotFound(Said("no WeCom callback here")) from None  # says nothing of the settings
        request.app.state.wecom = config
    assert isinstance(config, WeComConfig)  # noqa: S101
    return config


def _rejected(e: CallbackRejected) -> PlainTextResponse:
    log.warning("wecom callback refused: %s", e.reason)
    return PlainTextResponse("refused", status_code=401)


@router.get("")
def verify_url(
    request: Request,
    msg_signature: Signed,
    timestamp: Signed,
    nonce: Signed,
    echostr: Annotated[str, Query(max_length=1024)],
) -> PlainTextResponse:
    """WeCom's URL check: the plaintext of ``echostr``, exactly, or 401."""
    try:
        plain = _crypto(_config(request)).open(msg_signature, timestamp, nonce, echostr)
    except CallbackRejected as e:
        return _rejected(e)
    return PlainTextResponse(plain.decode())


@router.post("")
async def callback(
    request: Request,
    tasks: BackgroundTasks,
    msg_signature: Signed,
    timestamp: Signed,
    nonce: Signed,
) -> PlainTextResponse:
    """A callback: checked and decrypted now, recorded after the answer."""
    config = _config(request)
    body = await request.body()
    if len(body) > MAX_CALLBACK:
        log.warning("wecom callback refused: %d bytes", len(body))
        return PlainTextResponse("too large", status_code=413)
    try:
        xml = _crypto(config).open_xml(msg_signature, timestamp, nonce, body)
        cb = parse(xml)
    except CallbackRejected as e:
        return _rejected(e)
    except ValueError as e:
        return _rejected(CallbackRejected(e.args[0] if e.args else str(e)))  # keeps a Said
    if is_message(cb):
        tasks.add_task(process_message, request.app.state.store, config, cb)
    else:
        tasks.add_task(process, request.app.state.store, config, cb)
    return PlainTextResponse("success")


def process_message(store: Store, config: WeComConfig, cb: Callback) -> None:
    """Answer a member's private message to the app (text only; other types are not
    commands). Never raises: the answer has gone, so a failure is logged."""
    command = command_of(cb)
    if command is None:
        log.info("wecom: app message of type %s ignored", cb.fields.get("MsgType"))
        return
    if config.agent_id and command.agent != config.agent_id:
        log.warning("wecom: a message to app %s, not SHEQUN_WECOM_AGENT_ID", command.agent)
        return
    said = BotCommand(command.identity, command.name, command.args, command.ref, command.at)
    try:
        community = _community(store, config)
        with _ANSWERING:
            answer_members(store, community, [said], source=f"wecom:{config.corp_id}")
    except ShequnError as e:
        log.error("wecom message %s not answered: %s", command.ref, e)
    except Exception:
        log.exception("wecom message %s not answered", command.ref)


def process(store: Store, config: WeComConfig, cb: Callback) -> int:
    """Record what ``cb`` means; returns how many events were new. Never raises: the answer
    has gone, so a failure is logged (without secrets) for the operator."""
    try:
        community = _community(store, config)
        ctx = Context(config.corp_id, community, chat_groups(store, community))
        if (chat := unbound_chat(cb, ctx)) is not None and not needs_owner(cb):
            log.warning("wecom: chat %s is bound to no group (set its chat_id)", chat)
            return 0
        extra: list[Event] = []
        if cb.needs_chat() or cb.detail == "change_name" or needs_owner(cb):
            detail = group_chat(config, cb.chat_id)
            ctx.chat_members = members_of(detail)
            if cb.detail == "change_name" and detail.get("name"):
                extra.append(_renamed(cb, ctx, str(detail["name"])))
            with store.read() as conn:
                known = chat_owner(conn, community, "wecom", cb.chat_id)
            if owned := owner_event(cb, ctx, str(detail.get("owner") or ""), known):
                extra.append(owned)
        events = [*events_for(cb, ctx), *extra]
        return receive(store, community, events).new if events else 0
    except ShequnError as e:  # a connector error, a refused event, no community
        log.error("wecom callback %s/%s not recorded: %s", cb.event, cb.detail, e)
    except Exception:
        log.exception("wecom callback %s/%s not recorded", cb.event, cb.detail)
    return 0


def _community(store: Store, config: WeComConfig) -> str:
    if config.community:
        return config.community
    with store.read() as conn:
        slugs = [c.slug for c in list_communities(conn)]
    if len(slugs) != 1:
        raise Conflict(Said("set SHEQUN_WECOM_COMMUNITY: the database has several communities"))
    return slugs[0]


def chat_groups(store: Store, community: str) -> dict[str, str]:
    """WeCom chat id → group slug: the ``wecom`` bindings, else the groups' ``chat_id`` (the
    same lookup the outbound connector uses, turned round)."""
    with store.read() as conn:
        return {chat: slug for slug, chat in group_chats(conn, community, "wecom").items()}


_CLIENTS: dict[WeComConfig, WeComClient] = {}


def group_chat(config: WeComConfig, chat_id: str) -> dict[str, Any]:
    """``groupchat/get`` for ``chat_id`` (with names), through one client per corp app."""
    client = _CLIENTS.get(config)
    if client is None:
        client = _CLIENTS[config] = WeComClient(
            config.corp_id, config.secret, api_url=config.api_url
        )
    answer = client.post("groupchat/get", {"chat_id": chat_id, "need_name": 1})
    detail = answer.get("group_chat")
    return detail if isinstance(detail, dict) else {}


def members_of(detail: dict[str, Any]) -> list[ChatMember]:
    out: list[ChatMember] = []
    for m in detail.get("member_list") or ():
        if not isinstance(m, dict) or not m.get("userid"):
            continue
        invitor = m.get("invitor")
        out.append(
            ChatMember(
                userid=str(m["userid"]),
                type=int(m.get("type", 2)),
                join_time=int(m.get("join_time", 0)),
                join_scene=int(m["join_scene"]) if "join_scene" in m else None,
                state=str(m["state"]) if m.get("state") else None,
                invitor=str(invitor["userid"])
                if isinstance(invitor, dict) and invitor.get("userid")
                else None,
                name=str(m["name"]) if m.get("name") else None,
            )
        )
    return out


def _renamed(cb: Callback, ctx: Context, name: str) -> Event:
    return Event(
        kind="group.renamed",
        occurred_at=cb.at,
        community=ctx.community,
        source=ctx.source,
        source_ref=f"chat:{cb.chat_id}:rename:{cb.digest()}",
        group=ctx.groups[cb.chat_id],
        actor=identity(cb.fields["FromUserName"]) if cb.fields.get("FromUserName") else None,
        data={"name": name},
    )
