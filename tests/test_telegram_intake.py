"""The intake card through the bot, end to end on SQLite and PostgreSQL: a newcomer who came
by a deep link (``/start CODE``) is asked the blueprint's ``[[intake.questions]]`` in private,
one at a time; each plain reply is recorded as ``intake.answered`` and classifies them by the
``[[intake.rules]]``. Re-delivered replies are recorded and answered once; someone who never
came by a link is not asked, and their private messages are not answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shequn.errors import BlueprintError
from tests.growth_helpers import COMMUNITY, blueprint, group
from tests.telegram_helpers import World, bot_run, private, telegram_world
from tests.telegram_updates import CHAT

CARD = """
[[intake.questions]]
field = "card.city"
ask = "你在哪个城市？"

[[intake.questions]]
field = "survey.need"
ask = "你最想在社群里得到什么？"

[[intake.rules]]
field = "survey.need"
contains = "合作"
care = "deep"
stake = "partner"
"""


@pytest.fixture
def world(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    with telegram_world(
        database_url, capsys, monkeypatch, {"main": CHAT}, group("main"), extra=CARD
    ) as w:
        yield w


def said_to(api: Any, who: int) -> list[str]:
    return [m["text"] for m in api.called("sendMessage") if m["chat_id"] == who]


def test_a_newcomer_by_a_deep_link_fills_the_card_in_private(world: World) -> None:
    cli, api, url, _ = world
    cli.json("link", "create", "--group", "main", "--code", "spring", "--community", COMMUNITY)
    api.push(private(1, 9, "/start spring"), private(2, 7, "你好"))  # 7 never came by a link
    bot_run(cli, url)
    [link] = [m for m in said_to(api, 9) if "https://t.me/+" in m]  # admitted: a one-use link
    [card] = [m for m in said_to(api, 9) if m != link]
    assert card == "欢迎！请花一分钟填写入群资料卡，直接在这里回复即可。\n(1/2) 你在哪个城市？"
    assert said_to(api, 7) == []

    api.push(private(3, 9, "杭州"), private(3, 9, "杭州"))  # delivered twice
    bot_run(cli, url)
    assert said_to(api, 9)[2:] == ["(2/2) 你最想在社群里得到什么？"]
    api.push(private(4, 9, "找合作伙伴"), private(5, 9, "还有别的吗？"))
    bot_run(cli, url)
    assert said_to(api, 9)[3:] == ["谢谢，资料卡已填好！"]  # the last message is no answer

    shown: Any = cli.json("members", "show", "telegram:9", "--community", COMMUNITY)
    profile = shown["profile"]
    assert (profile["card"], profile["survey"]) == ({"city": "杭州"}, {"need": "找合作伙伴"})
    assert (profile["care"], profile["stake"]) == ("deep", "partner")
    tail: Any = cli.json("events", "tail", "-n", "30", "--community", COMMUNITY)
    answers = [e for e in tail if e["kind"] == "intake.answered"]
    assert [e["actor"] for e in answers] == ["telegram:9", "telegram:9"]
    assert {e["source"] for e in answers} == {"telegram-bot:123456789"}


def test_start_again_does_not_reopen_a_complete_card(world: World) -> None:
    cli, api, url, _ = world
    cli.json("link", "create", "--group", "main", "--code", "spring", "--community", COMMUNITY)
    cli.json(
        "intake", "record", "telegram:9", "--card", "city=上海", "--survey", "need=读书",
        "--community", COMMUNITY,
    )  # fmt: skip
    api.push(private(1, 9, "/start spring"))
    bot_run(cli, url)
    [link] = said_to(api, 9)  # the card was filled already: only the link
    assert "https://t.me/+" in link


def test_a_question_names_a_card_or_a_survey_field() -> None:
    with pytest.raises(BlueprintError, match=r"intake\.questions\[0\]\.field"):
        blueprint(group("main"), extra='[[intake.questions]]\nfield = "city"\nask = "哪里？"\n')
    ok = blueprint(group("main"), extra=CARD)
    assert [q.field for q in ok.intake.questions] == ["card.city", "survey.need"]
