"""What a member writes to the corp's self-built app privately → a bot command (pure).

WeCom's "receive messages" callback (接收消息) posts each message a member sends the app,
encrypted like every callback (``crypto.py``). A text message decrypts to::

    <xml><ToUserName>corp id</ToUserName><FromUserName>userid</FromUserName>
    <CreateTime>1348831860</CreateTime><MsgType>text</MsgType><Content>/checkin</Content>
    <MsgId>1234567890123456</MsgId><AgentID>1</AgentID></xml>

:func:`command_of` turns it into an :class:`AppCommand`: the sender as the identity key the
connector uses everywhere (``wecom:<userid>``, :func:`inbound.identity`), the text split as on
every platform (``model/bot_text.py``), and the key ``msg:<AgentID>:<MsgId>`` — WeCom
re-delivers a message it thinks unanswered under the same ``MsgId``, so the key makes the
replay a command answered already. Other message types (images, voice, events such as
``enter_agent``) are not commands: ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shequn.connectors.wecom.inbound import Callback, identity
from shequn.model.bot_text import split_command

MAX_TEXT = 2048
"""WeCom's text messages hold at most 2048 bytes; anything longer is not one of its own."""


@dataclass(frozen=True, slots=True)
class AppCommand:
    """``/name args`` from ``identity`` (``wecom:<userid>``), keyed on the message (``ref``)."""

    identity: str
    name: str
    args: str
    ref: str
    at: datetime
    agent: str
    """The app's AgentID the member wrote to: the reply goes back through the same app."""


def is_message(cb: Callback) -> bool:
    """Whether the callback is a member's message to the app (not a customer-contact event)."""
    return cb.fields.get("MsgType", "") not in ("", "event")


def command_of(cb: Callback) -> AppCommand | None:
    """The command of a text message to the app; ``None`` for anything else."""
    f = cb.fields
    sender, text, msg_id = f.get("FromUserName", ""), f.get("Content", ""), f.get("MsgId", "")
    if f.get("MsgType") != "text" or not sender or not msg_id or not text.strip():
        return None
    if len(text.encode()) > MAX_TEXT:
        return None
    name, args = split_command(text)
    agent = f.get("AgentID", "")
    return AppCommand(identity(sender), name, args, f"msg:{agent}:{msg_id}", cb.at, agent)
