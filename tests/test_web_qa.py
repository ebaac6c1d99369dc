"""The dashboard's Q&A page on the demo community: questions asked in two groups, one of them
answered by a reply; the page lists each group's questions open for longer than the hours asked
(the blueprint's ``surface_after_hours`` by default), the answered ones with their answer, and
the knowledge base's matches for a search; a writer answers from it; a scoped manager sees and
answers their group only; an analyst reads."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest

from shequn.engine.engagement import knowledge
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store.db import Store
from shequn.store.queries import list_members
from tests.test_web import CSRF, OTHER_GROUP, SCOPED_GROUP, C, Site, site  # noqa: F401

PAGE = f"/c/{C}/qa"
OLD = {SCOPED_GROUP: "读书会的共读书单在哪里下载？", OTHER_GROUP: "上海线下活动一般在哪个区？"}
FRESH = "今晚的分享会几点开始？"
ANSWERED = ("怎么报名第三期训练营？", "点群公告里的报名链接")


def _members(store: Store, group: str) -> list[str]:
    with store.read() as conn:
        return [m.identities[0].key for m in list_members(conn, community=C, group=group, limit=5)]


def ask_in_groups(store: Store) -> dict[str, str]:
    """Two questions a day old (one per group), a fresh one, and one answered by a reply;
    returns each question's key by its text."""
    now = datetime.now(UTC)
    day_ago = now - timedelta(days=1)
    main, other = _members(store, SCOPED_GROUP), _members(store, OTHER_GROUP)

    def said(ref: str, at: datetime, group: str, who: str, text: str, **data: object) -> Event:
        return Event("message.posted", at, C, "web-qa", ref, group, who,
                     data={"text": text, "length": len(text), **data})  # fmt: skip

    record(store, [
        said("q-main", day_ago, SCOPED_GROUP, main[0], OLD[SCOPED_GROUP], is_question=True),
        said("q-other", day_ago, OTHER_GROUP, other[0], OLD[OTHER_GROUP], is_question=True),
        said("q-fresh", now - timedelta(minutes=5), SCOPED_GROUP, main[1], FRESH, is_question=True),
        said("q-kb", day_ago, SCOPED_GROUP, main[1], ANSWERED[0], is_question=True),
        said("a-kb", day_ago + timedelta(minutes=3), SCOPED_GROUP, main[2], ANSWERED[1],
             reply_to="q-kb"),
    ])  # fmt: skip
    refs = {OLD[SCOPED_GROUP]: "q-main", OLD[OTHER_GROUP]: "q-other", FRESH: "q-fresh"}
    return {text: f"web-qa|{ref}" for text, ref in refs.items()}


@pytest.fixture(scope="module")
def asked(site: Site) -> dict[str, str]:  # noqa: F811
    return ask_in_groups(site.store)


def _text(page: str) -> str:
    return html.unescape(page)


def test_the_page_lists_open_questions_by_age_and_the_answered(
    site: Site,  # noqa: F811
    asked: dict[str, str],
) -> None:
    owner = site.client("owner")
    page = _text(owner.get(PAGE).text)
    assert OLD[SCOPED_GROUP] in page and OLD[OTHER_GROUP] in page
    assert FRESH not in page  # 5 minutes old: not waiting for 12 hours yet
    assert "超过 12 小时未回答" in page  # the demo community speaks Chinese
    assert ANSWERED[0] in page and ANSWERED[1] in page and "回复（按规则选出的最佳）" in page
    everything = _text(owner.get(PAGE, params={"hours": 0}).text)
    assert FRESH in everything and "超过 0 小时未回答" in everything


def test_search_finds_the_answer_in_the_knowledge_base(
    site: Site,  # noqa: F811
    asked: dict[str, str],
) -> None:
    page = _text(site.client("analyst").get(PAGE, params={"q": "训练营 报名"}).text)
    found = page.split('class="found"')[1].split("</table>")[0]
    assert ANSWERED[0] in found and ANSWERED[1] in found
    nothing = _text(site.client("analyst").get(PAGE, params={"q": "潜水装备推荐"}).text)
    assert "知识库里没有匹配的问答" in nothing


def test_a_scoped_manager_sees_and_answers_their_group_only(
    site: Site,  # noqa: F811
    asked: dict[str, str],
) -> None:
    manager = site.client("manager")
    page = _text(manager.get(PAGE).text)
    assert OLD[SCOPED_GROUP] in page and OLD[OTHER_GROUP] not in page
    assert manager.get(PAGE, params={"group": OTHER_GROUP}).status_code == 404
    found = CSRF.search(manager.get(PAGE).text)
    assert found is not None
    other = {"csrf": found.group(1), "question": asked[OLD[OTHER_GROUP]], "text": "浦东"}
    assert manager.post(f"{PAGE}/answer", data=other).status_code == 404
    assert knowledge.show(site.store, C, asked[OLD[OTHER_GROUP]]).status == "open"
    mine = {"csrf": found.group(1), "question": asked[OLD[SCOPED_GROUP]], "text": "置顶的群文件"}
    done = manager.post(f"{PAGE}/answer", data=mine)
    assert done.status_code == 200 and "已收入知识库" in done.text
    entry = knowledge.show(site.store, C, asked[OLD[SCOPED_GROUP]])
    assert (entry.status, entry.answer, entry.answered_by) == ("answered", "置顶的群文件", "marked")
    assert entry.answer in _text(done.text).split('class="answered"')[1]


def test_an_analyst_reads_without_the_answer_form(
    site: Site,  # noqa: F811
    asked: dict[str, str],
) -> None:
    analyst = site.client("analyst")
    page = analyst.get(PAGE).text
    assert (
        _text(page).count(OLD[OTHER_GROUP]) == 1 and 'action="/c/' + C + '/qa/answer"' not in page
    )
    found = CSRF.search(page)
    assert found is not None
    form = {"csrf": found.group(1), "question": asked[OLD[OTHER_GROUP]], "text": "x"}
    assert analyst.post(f"{PAGE}/answer", data=form).status_code == 403
