"""A private message to a bot read as a command, the same on Telegram and WeCom's app."""

from __future__ import annotations

import pytest

from shequn.connectors.wecom.app_messages import command_of
from shequn.connectors.wecom.inbound import parse
from shequn.model.bot_text import split_command
from tests.wecom_fake import app_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/checkin", ("checkin", "")),
        ("  /CheckIn camp ", ("checkin", "camp")),
        ("/start@shequn_bot ref-li", ("start", "ref-li")),
        ("／rsvp 去", ("rsvp", "去")),  # a Chinese keyboard's slash
        ("/ask\n几点开始？", ("ask", "几点开始？")),
        ("/ask 几点\n开始？", ("ask", "几点\n开始？")),
        ("上海，设计师", ("", "上海，设计师")),  # an answer to the intake card
    ],
)
def test_split_command(text: str, expected: tuple[str, str]) -> None:
    assert split_command(text) == expected


def test_a_wecom_text_message_is_a_command_keyed_on_its_msgid() -> None:
    command = command_of(parse(app_text("amy", "/rank", "77", at=1777000000, agent=5)))
    assert command is not None
    assert (command.identity, command.name, command.args, command.ref, command.agent) == (
        "wecom:amy", "rank", "", "msg:5:77", "5",
    )  # fmt: skip
    assert command.at.timestamp() == 1777000000
    image = app_text("amy", "/rank", "78", at=1777000000).replace(b"[text]", b"[image]")
    assert command_of(parse(image)) is None
    assert command_of(parse(app_text("amy", "x" * 2049, "79", at=1777000000))) is None
