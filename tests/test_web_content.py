"""The dashboard's content page on the demo community: each piece of content with its own live
code, the members who joined through it and those still there; a scoped manager sees their
group's pieces only. A writer gives a piece its entry from the page, in a group they cover,
and opens each piece's footer block (as it looks, and its HTML and Markdown to paste)."""

from __future__ import annotations

import html

from shequn.engine.engagement import content_entries
from shequn.engine.record import record
from shequn.model.events import Event
from tests.test_web import CSRF, OTHER_GROUP, SCOPED_GROUP, C, Site, site  # noqa: F401

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


def form_of(page: str, **fields: str) -> dict[str, str]:
    found = CSRF.search(page)
    assert found is not None
    return {"csrf": found.group(1), **fields}


def test_a_writer_creates_an_entry_and_copies_its_footer(site: Site) -> None:  # noqa: F811
    manager = site.client("manager")
    page = manager.get(PAGE).text
    assert 'class="entry"' in page and f'<option value="{OTHER_GROUP}"' not in page
    piece = {"title": "新人必读：怎样提问", "url": "https://example.org/how-to-ask"}
    elsewhere = form_of(page, group=OTHER_GROUP, **piece)
    assert manager.post(PAGE, data=elsewhere).status_code == 404  # not their group
    done = manager.post(PAGE, data=form_of(page, group=SCOPED_GROUP, **piece))
    assert done.status_code == 200 and "把它的文末区块放在文章下面" in done.text
    made = [e for e in content_entries.list_entries(site.store, C) if e.title == piece["title"]]
    assert [(e.group, e.url) for e in made] == [(SCOPED_GROUP, piece["url"])]
    again = manager.post(PAGE, data=form_of(page, group=SCOPED_GROUP, **piece))
    assert "已存在" in again.text  # the same link: one entry, one live code
    assert len([e for e in content_entries.list_entries(site.store, C)
                if e.title == piece["title"]]) == 1  # fmt: skip

    entry = made[0].entry
    assert f'href="/c/{C}/content/{entry}"' in html.unescape(done.text)
    footer = manager.get(f"{PAGE}/{entry}")
    assert footer.status_code == 200
    shown = footer.text.split('class="footer-preview">')[1].split("</div>\n<h2>")[0]
    assert 'class="shequn-entry"' in shown and 'src="data:image/png;base64,' in shown
    assert "扫码或打开链接" in html.unescape(shown)  # the footer speaks the community's language
    pasted = html.unescape(footer.text.split("<pre")[1])
    assert pasted.count('<div class="shequn-entry"') == 1  # the HTML, shown as text to copy
    markdown = html.unescape(footer.text.split("<pre")[2])
    assert "![" in markdown and "新人必读：怎样提问" in markdown


def test_readers_and_other_groups_get_no_form_and_no_footer(site: Site) -> None:  # noqa: F811
    theirs, _ = content_entries.create_entry(
        site.store, C, title="上海线下活动回顾", url="https://example.org/sh-recap",
        group=OTHER_GROUP, source="operator:cli",
    )  # fmt: skip
    manager = site.client("manager")
    assert manager.get(f"{PAGE}/{theirs.entry}").status_code == 404  # like a missing one
    assert manager.get(f"{PAGE}/no-such-piece").status_code == 404
    analyst = site.client("analyst")
    page = analyst.get(PAGE).text
    assert 'class="entry"' not in page
    assert analyst.get(f"{PAGE}/{theirs.entry}").status_code == 200  # reading is allowed
    form = form_of(page, group=SCOPED_GROUP, title="x", url="https://example.org/x")
    refused = analyst.post(PAGE, data=form)
    assert refused.status_code == 403 and "令牌只能查看" in refused.text  # said in zh
