"""WeCom's daily statistics: the pull queued once a day (pure), read through the fake WeCom
by ``shequn worker --connector wecom``, and ``shequn wecom stats`` setting them beside the log —
differences reported, the log left as it is."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from shequn.engine.bindings import bind
from shequn.engine.record import record
from shequn.engine.wecom_stats import CHINA, day_start, decide_stats_pull, reconcile
from shequn.model.events import Event
from shequn.store.chat_owners import group_owners
from shequn.store.db import Store
from shequn.store.outbox import idempotency_key
from shequn.store.wecom_queries import joins_between
from tests.growth_helpers import COMMUNITY, group, loaded
from tests.test_cli import Cli
from tests.wecom_fake import CORP, FakeWeCom, serve_fake, wecom_env


def test_yesterdays_pull_is_one_action_all_day() -> None:
    morning = datetime(2026, 12, 3, 0, 30, tzinfo=UTC)  # 08:30 in Beijing
    [a] = decide_stats_pull(COMMUNITY, True, morning).actions
    [b] = decide_stats_pull(COMMUNITY, True, morning + timedelta(hours=15)).actions
    assert (a.kind, a.payload, a.due_at) == ("stats.pull", {"day": "2026-12-02"}, day_start(
        datetime(2026, 12, 3).date()))  # fmt: skip
    assert idempotency_key(a, None) == idempotency_key(b, None)
    [c] = decide_stats_pull(COMMUNITY, True, morning + timedelta(hours=16)).actions  # next day
    assert c.payload == {"day": "2026-12-03"}
    assert not decide_stats_pull(COMMUNITY, False, morning)


def test_differences_are_what_wecom_counted_minus_the_log() -> None:
    same = reconcile("2026-12-02", {"new_member_cnt": 3, "chat_total": 2}, 3, 2)
    assert same.differences == {}
    off = reconcile("2026-12-02", {"new_member_cnt": 3, "chat_total": 1}, 5, 2)
    assert off.differences == {"new_members": -2, "chats": -1}
    assert reconcile("2026-12-02", {}, 4, 2).differences == {}  # WeCom said nothing


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeCom]:
    with serve_fake() as f:
        wecom_env(monkeypatch, SENDER="boss", API_URL=f.url)
        yield f


def test_the_worker_pulls_and_the_report_shows_a_missed_join(
    store: Store, database_url: str, fake: FakeWeCom, capsys: pytest.CaptureFixture[str]
) -> None:
    loaded(store, group("a"), group("b"))
    for slug in ("a", "b"):
        bind(store, COMMUNITY, slug, "wecom", f"wr{slug.upper()}")
        fake.chats[f"wr{slug.upper()}"] = {"chat_id": slug, "owner": "boss", "member_list": []}
    yesterday = datetime.now(CHINA).date() - timedelta(days=1)
    noon = int((day_start(yesterday) + timedelta(hours=12)).timestamp())
    fake.add_member("wrA", "wmAlice", state=None, at=noon)
    fake.add_member("wrA", "wmBob", state=None, at=noon + 60)  # its callback was lost
    fake.add_member("wrB", "wmCy", state=None, at=noon - 86_400)  # the day before
    fake.messages[("boss", noon - 12 * 3600)] = 41
    joined = Event("member.joined", datetime.fromtimestamp(noon, UTC), COMMUNITY,
                   f"wecom:{CORP}", "j-alice", group="a", actor="wecom:wmAlice")  # fmt: skip
    record(store, [joined])
    cli = Cli(database_url, capsys)

    code, _, err = cli.run("worker", "--once", "--connector", "wecom")
    assert code == 0, err
    [day] = cli.json("wecom", "stats")  # type: ignore[misc]
    assert (day["day"], day["wecom_new_members"], day["log_new_members"]) == (
        yesterday.isoformat(), 2, 1,
    )  # fmt: skip
    assert (day["msg_total"], day["member_total"], day["wecom_chats"]) == (41, 3, 2)
    assert day["differences"] == {"new_members": 1}
    code, out, _ = cli.run("wecom", "stats")
    assert code == 0 and "+1" in out
    with store.read() as conn:  # reported, not "fixed": the log still has one join
        begin = day_start(yesterday)
        assert joins_between(conn, COMMUNITY, ["a", "b"], begin, begin + timedelta(days=1)) == 1


def owner_changed(chat: str, group: str, owner: str) -> Event:
    """What the callbacks record when ``groupchat/get`` names a chat's owner."""
    return Event("group.owner_changed", datetime(2026, 12, 1, tzinfo=UTC), COMMUNITY,
                 f"wecom:{CORP}", f"owner-{chat}", group=group,
                 data={"platform": "wecom", "chat": chat, "owner": owner})  # fmt: skip


def test_several_owners_are_pulled_and_reconciled_owner_by_owner(
    store: Store, database_url: str, fake: FakeWeCom, capsys: pytest.CaptureFixture[str]
) -> None:
    loaded(store, group("a"), group("b"), group("c"))
    owners = {"a": "boss", "b": "ann", "c": None}  # c's owner never reported: the sender's
    for slug, owner in owners.items():
        chat = f"wr{slug.upper()}"
        bind(store, COMMUNITY, slug, "wecom", chat)
        fake.chats[chat] = {"chat_id": chat, "owner": owner or "boss", "member_list": []}
        if owner:
            record(store, [owner_changed(chat, slug, owner)])
    fake.chats["wrOther"] = {"chat_id": "wrOther", "owner": "ann", "member_list": []}  # unbound
    fake.page = 1  # one owner a page: the pull follows next_offset
    yesterday = datetime.now(CHINA).date() - timedelta(days=1)
    noon = int((day_start(yesterday) + timedelta(hours=12)).timestamp())
    for chat, who in (("wrA", "wmA1"), ("wrB", "wmB1"), ("wrC", "wmC1")):
        fake.add_member(chat, who, state=None, at=noon)
    record(store, [Event("member.joined", datetime.fromtimestamp(noon, UTC), COMMUNITY,
                         f"wecom:{CORP}", f"j-{g}", group=g, actor=f"wecom:wm{g}")
                   for g in ("a", "b", "c")])  # fmt: skip
    cli = Cli(database_url, capsys)

    code, _, err = cli.run("worker", "--once", "--connector", "wecom")
    assert code == 0, err
    asked = [c for c in fake.calls if c.endswith("groupchat/statistic")]
    assert len(asked) == 2  # two owners, a page each
    [day] = cli.json("wecom", "stats")  # type: ignore[misc]
    assert (day["wecom_new_members"], day["log_new_members"]) == (3, 3)
    assert (day["wecom_chats"], day["bound_chats"], day["differences"]) == (4, 3, {"chats": 1})
    mine = {o["owner"]: (o["wecom_chats"], o["bound_chats"], o["log_new_members"],
                         o["differences"]) for o in day["owners"]}  # fmt: skip
    assert mine == {"boss": (2, 2, 2, {}), "ann": (2, 1, 1, {"chats": 1})}
    code, out, _ = cli.run("wecom", "stats")
    assert code == 0 and "ann:" in out and "boss:" not in out


def test_shequn_wecom_owners_reads_each_groups_owner_once(
    store: Store, database_url: str, fake: FakeWeCom, capsys: pytest.CaptureFixture[str]
) -> None:
    """Groups bound before any callback named their owner: the command asks WeCom and records
    the owners it did not know; asked again, it records nothing new."""
    loaded(store, group("a"), group("b"), group("c"))
    for slug, owner in (("a", "boss"), ("b", "ann")):
        bind(store, COMMUNITY, slug, "wecom", f"wr{slug.upper()}")
        fake.chats[f"wr{slug.upper()}"] = {"chat_id": slug, "owner": owner, "member_list": []}
    bind(store, COMMUNITY, "c", "wecom", "wrGone")  # WeCom no longer knows it
    record(store, [owner_changed("wrA", "a", "boss")])
    cli = Cli(database_url, capsys)

    first = {r["group"]: (r["owner"], r["recorded"]) for r in cli.json("wecom", "owners")}  # type: ignore[union-attr]
    assert first == {"a": ("boss", False), "b": ("ann", True), "c": (None, False)}
    again = cli.json("wecom", "owners")
    assert [r["recorded"] for r in again] == [False, False, False]  # type: ignore[index]
    assert "not a customer group" in again[-1]["error"]  # type: ignore[index]
    with store.read() as conn:
        assert group_owners(conn, COMMUNITY, "wecom") == {"a": "boss", "b": "ann", "c": None}
