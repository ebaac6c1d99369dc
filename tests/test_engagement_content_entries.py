"""Content entries (P-CHN-3): a piece of content gets a live code of its own into a group, its
footer carries it, and each join through it is the piece's — pure, and through the door and the
store (SQLite and PostgreSQL): a newcomer scans the piece's code, the platform reports the join
with what the door asked, and the entry counts who joined and who stayed."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from shequn.analytics.funnel import funnel
from shequn.analytics.replica import Replica
from shequn.analytics.scope import Scope
from shequn.api.content_footer import footer
from shequn.engine.engagement import content_entries
from shequn.engine.engagement.content_entries import ContentEntry, decide_entry, entry_id
from shequn.engine.entry import enter
from shequn.engine.entry_rules import Request
from shequn.engine.record import record
from shequn.errors import InvalidEvent, NotFound
from shequn.model.events import Event
from shequn.store.growth_queries import get_link
from shequn.store.outbox import list_actions
from shequn.store.rules_queries import events_by
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, loaded, wx
from tests.test_cli import Cli, cli  # noqa: F401 (the fixture)
from tests.test_poster import decode

ARTICLE = "https://mp.weixin.qq.com/s/reading-plan"


def test_an_entry_is_a_live_code_whose_channel_names_the_piece():
    bp = blueprint(group("main"))
    e = ContentEntry(entry_id(ARTICLE), "如何一年读完 50 本书", ARTICLE, "main", "CODE1", T0,
                     wx("boss"))  # fmt: skip
    assert e.entry == entry_id(ARTICLE) and e.entry.startswith("e-") and len(e.entry) == 12
    link, created = decide_entry(bp, e, "operator:cli").events
    assert (link.kind, link.data["purpose"], link.data["groups"], link.data["channel"]) == (
        "link.created", "live_code", ["main"], f"content:{e.entry}")  # fmt: skip
    assert (created.kind, created.group, created.actor) == ("content.entry_created", "main",
                                                           wx("boss"))  # fmt: skip
    assert created.data == {"entry": e.entry, "title": "如何一年读完 50 本书", "url": ARTICLE,
                            "link": "CODE1", "channel": f"content:{e.entry}"}  # fmt: skip
    with pytest.raises(InvalidEvent, match="URL"):
        decide_entry(bp, ContentEntry("a", "t", "mp.weixin.qq.com/s/x", "main", "C", T0), "cli")
    with pytest.raises(InvalidEvent, match="entry id"):
        decide_entry(bp, ContentEntry("a b", "t", ARTICLE, "main", "C", T0), "cli")
    with pytest.raises(NotFound):
        decide_entry(bp, ContentEntry("a", "t", ARTICLE, "nowhere", "C", T0), "cli")


def _join_through(store, code: str, who: str, minutes: int) -> None:
    """A newcomer scans the code; the platform admits them and reports the join with the data
    the door put on ``member.admit`` (as every connector does)."""
    at = T0 + timedelta(minutes=minutes)
    enter(store, COMMUNITY, Request(wx(who), link=code, ref=f"scan-{who}", at=at))
    with store.read() as conn:
        admits = list_actions(conn, community=COMMUNITY, kind="member.admit", status=None)
    (admit,) = [a for a in admits if a["payload"]["identity"] == wx(who)]
    data = {k: v for k, v in admit["payload"].items() if k != "identity"}
    record(store, [Event("member.joined", at, COMMUNITY, "bot", f"join-{who}", group="main",
                         actor=wx(who), data=data)])  # fmt: skip


def test_joins_through_the_piece_are_counted_per_piece(store):
    loaded(store, group("main"))
    piece = {"title": "共读计划", "url": ARTICLE, "group": "main", "source": "operator:cli"}
    made, new = content_entries.create_entry(store, COMMUNITY, **piece, now=T0)
    again, twice = content_entries.create_entry(store, COMMUNITY, **piece)
    assert (new, twice, again.link) == (True, False, made.link)  # one entry, one live code
    other, _ = content_entries.create_entry(store, COMMUNITY, title="打卡指南", group="main",
                                            url="https://example.org/checkin", entry="guide",
                                            source="operator:cli", now=T0)  # fmt: skip
    with store.read() as conn:
        link = get_link(conn, made.link)
    assert link is not None and link.channel == f"content:{made.entry}"
    _join_through(store, made.link, "ann", 5)
    _join_through(store, made.link, "bob", 6)
    _join_through(store, other.link, "cai", 7)
    left = Event("member.left", T0 + timedelta(days=1), COMMUNITY, "bot", "left-bob",
                 group="main", actor=wx("bob"))  # fmt: skip
    record(store, [left])
    counts = {
        e.entry: (e.joined, e.staying) for e in content_entries.list_entries(store, COMMUNITY)
    }
    assert counts == {made.entry: (2, 1), "guide": (1, 1)}
    replica = Replica.open(store, ":memory:")  # the report's funnel: one segment per piece
    try:
        acquired = {r.segment: r.acquired for r in funnel(replica.con, Scope(COMMUNITY))}
    finally:
        replica.close()
    assert acquired == {f"content:{made.entry}": 2, "content:guide": 1}
    assert content_entries.list_entries(store, COMMUNITY, groups=["elsewhere"]) == []
    guide = content_entries.show(store, COMMUNITY, "guide")  # one piece, its own joins only
    assert (guide.title, guide.joined, guide.staying) == ("打卡指南", 1, 1)
    with pytest.raises(NotFound):
        content_entries.show(store, COMMUNITY, "missing")


LINK_URL = '[fission]\nlink_url = "https://x.example/j?c={code}"\n'


def test_the_footer_block_carries_the_piece_s_own_scannable_code():
    url = "https://x.example/j?c=CODE1"
    zh = footer(title="共读计划", group="读书会主群", url=url, entry="e-1", language="zh")
    assert zh.startswith('<div class="shequn-entry" data-entry="e-1">')
    assert "喜欢《共读计划》？" in zh and "读书会主群" in zh and f'<a href="{url}">' in zh
    src = zh.split('src="data:image/png;base64,')[1].split('"')[0]
    assert [c.text for c in decode(base64.b64decode(src))] == [url]  # the piece's own code
    en = footer(title="Plan <1>", group="Main", url=url, entry="e-1", language="en", fmt="md",
                image="qr.png")  # fmt: skip
    assert en == (
        "---\n\nLiked “Plan \\<1\\>”? Join Main: scan the code, or open the link.\n\n"  # literal
        "![QR code: scan to join Main](qr.png)\n\n<https://x.example/j?c=CODE1>\n"
    )
    assert "&lt;1&gt;" in footer(title="Plan <1>", group="Main", url=url, entry="e", language="en")


def test_content_entries_through_the_cli(cli: Cli, store, tmp_path) -> None:  # noqa: F811
    loaded(store, group("main"), extra=LINK_URL)
    made = cli.json("content", "entry", "create", "--title", "共读计划", "--url", ARTICLE,
                    "-g", "main", "--community", COMMUNITY)  # fmt: skip
    assert made["new"] and made["link_url"] == f"https://x.example/j?c={made['link']}"
    code, out, _ = cli.run("content", "entry", "create", "--title", "共读计划", "--url", ARTICLE,
                           "-g", "main", "--community", COMMUNITY)  # fmt: skip
    assert code == 0 and made["entry"] in out
    _join_through(store, made["link"], "ann", 5)
    [listed] = cli.json("content", "entry", "list", "--community", COMMUNITY)
    assert (listed["entry"], listed["joined"], listed["staying"]) == (made["entry"], 1, 1)
    code, table, _ = cli.run("content", "entry", "list", "--community", COMMUNITY)
    assert code == 0 and "内容入口" in table and "共读计划" in table
    qr = tmp_path / "entry.png"
    code, md, _ = cli.run("content", "entry", "footer", made["entry"], "--format", "md",
                          "--qr", str(qr), "--community", COMMUNITY)  # fmt: skip
    assert code == 0 and "](entry.png)" in md and made["link_url"] in md and "扫码" in md
    assert [c.text for c in decode(qr.read_bytes())] == [made["link_url"]]
    linked = ("--group", "main", "--entry", made["entry"], "--community", COMMUNITY)
    post = cli.json("calendar", "add", "--at", "2999-05-16T20:00", "--text", "今晚共读第 3 章",
                    *linked)  # fmt: skip
    # the post carries the piece's link: its joins count for the piece too
    assert post["text"] == f"今晚共读第 3 章\n{made['link_url']}"
    with store.read() as conn:
        [(_, planned)] = events_by(conn, COMMUNITY, ("post.planned",))
    assert planned.data["entry"] == made["entry"]
