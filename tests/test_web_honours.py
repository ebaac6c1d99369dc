"""The dashboard's honours page on the demo community: the role models named in each group with
their stories, newest first, and the form that names one — for a writer, in a group they cover,
for a member they can see; the story goes to the group as a ``honour_story`` action. A scoped
manager sees and names in their group only; an analyst reads."""

from __future__ import annotations

import html

import pytest

from shequn.engine.engagement import honour_stories
from shequn.store.db import Store
from shequn.store.outbox import list_actions
from shequn.store.queries import list_members
from tests.test_web import CSRF, OTHER_GROUP, SCOPED_GROUP, C, Site, site  # noqa: F401

PAGE = f"/c/{C}/honours"
STORY = {
    SCOPED_GROUP: "每天清晨带大家共读半小时，坚持了三个月。",
    OTHER_GROUP: "组织了上海的第一次线下聚会。",
}


def member_of(store: Store, group: str, n: int = 0) -> str:
    with store.read() as conn:
        return list_members(conn, community=C, group=group, limit=5)[n].identities[0].key


def outsider(store: Store) -> str:
    """A member of the other group only: a scoped manager of ``main`` cannot see them."""
    with store.read() as conn:
        ours = {m.key for m in list_members(conn, community=C, group=SCOPED_GROUP)}
        theirs = list_members(conn, community=C, group=OTHER_GROUP)
    return next(m.identities[0].key for m in theirs if m.key not in ours)


def name_in_groups(store: Store) -> None:
    """One role model in each group, named from the command line's function."""
    for group, story in STORY.items():
        honour_stories.nominate(store, C, member_of(store, group), group, title="本月之星",
                                story=story, source="operator:cli")  # fmt: skip


@pytest.fixture(scope="module")
def named(site: Site) -> None:  # noqa: F811
    name_in_groups(site.store)


def _text(page: str) -> str:
    return html.unescape(page)


def test_the_page_lists_role_models_and_their_stories(site: Site, named: None) -> None:  # noqa: F811
    page = _text(site.client("owner").get(PAGE).text)
    assert STORY[SCOPED_GROUP] in page and STORY[OTHER_GROUP] in page
    assert "榜样" in page and "本月之星" in page  # the demo community speaks Chinese
    assert 'action="/c/' + C + '/honours"' in page and "讲述故事" in page


def test_a_scoped_manager_sees_and_names_in_their_group_only(site: Site, named: None) -> None:  # noqa: F811
    manager = site.client("manager")
    page = _text(manager.get(PAGE).text)
    assert STORY[SCOPED_GROUP] in page and STORY[OTHER_GROUP] not in page
    assert f'<option value="{OTHER_GROUP}"' not in page
    assert manager.get(PAGE, params={"group": OTHER_GROUP}).status_code == 404
    found = CSRF.search(manager.get(PAGE).text)
    assert found is not None
    form = {"csrf": found.group(1), "title": "热心群友", "story": "帮新人解答了二十个问题。"}
    elsewhere = {**form, "group": OTHER_GROUP, "member": member_of(site.store, OTHER_GROUP, 1)}
    assert manager.post(PAGE, data=elsewhere).status_code == 404  # not their group
    unseen = {**form, "group": SCOPED_GROUP, "member": outsider(site.store)}
    assert manager.post(PAGE, data=unseen).status_code == 404  # not a member they can see
    mine = {**form, "group": SCOPED_GROUP, "member": member_of(site.store, SCOPED_GROUP, 1)}
    done = manager.post(PAGE, data=mine)
    assert done.status_code == 200 and "故事会发到群里" in done.text
    assert "帮新人解答了二十个问题。" in _text(done.text).split('class="honours"')[1]
    again = manager.post(PAGE, data=mine)
    assert "之前已经评过" in again.text  # one honour a month each: nothing told twice
    told = [h for h in honour_stories.list_honours(site.store, C) if h.title == "热心群友"]
    assert [(h.group, h.member) for h in told] == [(SCOPED_GROUP, mine["member"])]
    with site.store.read() as conn:
        sent = list_actions(conn, community=C, kind="message.send", limit=10_000)
    stories = [a["payload"] for a in sent if a["payload"].get("title") == "热心群友"]
    assert len(stories) == 1 and stories[0]["template"] == "honour_story"


def test_an_analyst_reads_without_the_form(site: Site, named: None) -> None:  # noqa: F811
    analyst = site.client("analyst")
    page = analyst.get(PAGE).text
    assert STORY[OTHER_GROUP] in _text(page) and 'class="nominate"' not in page
    found = CSRF.search(page)
    assert found is not None
    form = {"csrf": found.group(1), "group": SCOPED_GROUP, "title": "x", "story": "y",
            "member": member_of(site.store, SCOPED_GROUP)}  # fmt: skip
    assert analyst.post(PAGE, data=form).status_code == 403
