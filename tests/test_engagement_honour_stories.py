"""Honours and role-model stories (P-ENG-8): a manager names a member a role model of a group
with their story; the honour is recorded once and the story published to the group by an action,
in the community's language, with the member's display name — pure, through the store (SQLite
and PostgreSQL) and the CLI."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shequn.engine.engagement import honour_stories
from shequn.engine.engagement.honour_stories import Honour, decide_honour, honour_id
from shequn.engine.record import record
from shequn.errors import Conflict, NotFound
from shequn.model.events import Event
from shequn.model.templates import render_payload
from shequn.store.outbox import list_actions
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, loaded, wx
from tests.test_cli import Cli, cli  # noqa: F401 (the fixture)

STORY = "这个月回答了 26 个问题，还整理了新手指南。"


def test_the_honour_is_recorded_and_its_story_published_to_the_group():
    bp = blueprint(group("main"))
    h = Honour(honour_id("main", wx("amy"), T0), "main", wx("amy"), "本月答疑之星", STORY, T0,
               wx("boss"))  # fmt: skip
    assert h.honour == "main-amy-2026-05"
    d = decide_honour(bp, h, "艾米", "operator:cli")
    (event,) = d.events
    assert (event.kind, event.subject, event.actor, event.group) == (
        "honour.nominated", wx("amy"), wx("boss"), "main")  # fmt: skip
    (story,) = d.actions
    assert (story.kind, story.group, story.due_at) == ("message.send", "main", T0)
    assert render_payload(bp, story.payload) == f"🏅 本月答疑之星：艾米\n{STORY}"
    with pytest.raises(Conflict, match="title and a story"):
        decide_honour(bp, Honour("x", "main", wx("amy"), "t", " ", T0, None), "艾米", "cli")


def test_naming_a_member_once_publishes_once_with_their_display_name(store):
    loaded(store, group("main"))
    joined = Event("member.joined", T0, COMMUNITY, "bot", "j", group="main", actor=wx("amy"),
                   data={"actor_name": "艾米"})  # fmt: skip
    record(store, [joined])
    at = T0 + timedelta(days=3)
    first, new = honour_stories.nominate(store, COMMUNITY, wx("amy"), "main", title="答疑之星",
                                         story=STORY, source="operator:cli", now=at)  # fmt: skip
    again, twice = honour_stories.nominate(store, COMMUNITY, wx("amy"), "main", title="答疑之星",
                                           story=STORY, source="operator:cli", now=at)  # fmt: skip
    assert (new, twice, first) == (True, False, again)
    with store.read() as conn:
        sent = list_actions(conn, community=COMMUNITY, kind="message.send", status=None)
    assert [a["payload"]["name"] for a in sent if a["payload"]["template"] == "honour_story"] == [
        "艾米"
    ]
    assert [h.honour for h in honour_stories.list_honours(store, COMMUNITY)] == [first.honour]
    with pytest.raises(NotFound):
        honour_stories.nominate(store, COMMUNITY, wx("nobody"), "main", title="t", story="s",
                                source="operator:cli", now=at)  # fmt: skip


def test_honours_through_the_cli(cli: Cli, store) -> None:  # noqa: F811
    loaded(store, group("main"))
    record(
        store, [Event("member.joined", T0, COMMUNITY, "bot", "j", group="main", actor=wx("amy"))]
    )
    found = cli.json("honours", "nominate", "main", wx("amy"), "--title", "榜样", "--story", STORY,
                     "--community", COMMUNITY)  # fmt: skip
    assert (found["new"], found["member"], found["group"]) == (True, wx("amy"), "main")
    code, out, _ = cli.run("honours", "nominate", "main", wx("amy"), "--title", "榜样",
                           "--story", STORY, "--community", COMMUNITY)  # fmt: skip
    assert code == 0 and "之前已评选过" in out
    [listed] = cli.json("honours", "list", "--community", COMMUNITY)
    assert (listed["honour"], listed["story"]) == (found["honour"], STORY)
