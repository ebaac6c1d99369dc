"""The dashboard's content page on the demo community: each piece of content with its own live
code, the members who joined through it and those still there; a scoped manager sees their
group's pieces only."""

from __future__ import annotations

import html

from shequn.engine.engagement import content_entries
from shequn.engine.record import record
from shequn.model.events import Event
from tests.test_web import OTHER_GROUP, SCOPED_GROUP, C, Site, site  # noqa: F401

PAGE = f"/c/{C}/content"


def test_the_page_lists_each_piece_with_its_joins(site: Site) -> None:  # noqa: F811
    store = site.store
    made = {}
    for group, title in ((SCOPED_GROUP, "共读计划：一年 50 本"), (OTHER_GROUP, "上海读书会指南")):
        made[group], _ = content_entries.create_entry(
            store, C, title=title, url=f"https://example.org/{group}", group=group,
            source="operator:cli",
        )  # fmt: skip
    joined = {"link": made[SCOPED_GROUP].link, "channel": made[SCOPED_GROUP].channel}
    record(store, [Event("member.joined", made[SCOPED_GROUP].at, C, "web-content", f"j{n}",
                         group=SCOPED_GROUP, actor=f"wechat:web-content-{n}", data=joined)
                   for n in range(3)])  # fmt: skip
    page = html.unescape(site.client("owner").get(PAGE).text)
    assert "共读计划：一年 50 本" in page and "上海读书会指南" in page
    assert "内容" in page and "仍在群内" in page  # the demo community speaks Chinese
    row = page.split("共读计划：一年 50 本")[1].split("</tr>")[0]
    assert "<td>3</td><td>3</td>" in row
    mine = html.unescape(site.client("manager").get(PAGE).text)
    assert "共读计划：一年 50 本" in mine and "上海读书会指南" not in mine
    assert site.client("manager").get(PAGE, params={"group": OTHER_GROUP}).status_code == 404
