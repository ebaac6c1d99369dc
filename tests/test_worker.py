"""The worker: states, retries, pacing, leases and crash recovery, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from shequn.connectors.base import Limits, Permanent, Rate, Transient, Uncertain
from shequn.model.actions import RetryPolicy
from shequn.model.events import Event
from shequn.store import action_states as states
from shequn.store import tables as t
from shequn.store.db import Store
from shequn.store.tasks import list_tasks, task_done
from tests.growth_helpers import COMMUNITY, T0, loaded
from tests.worker_helpers import FakeClock, Scripted, queue, worker


@pytest.fixture
def shop(store: Store) -> Store:
    loaded(store)
    return store


def rows(store: Store) -> list[dict]:
    with store.read() as conn:
        q = select(t.actions).order_by(t.actions.c.id)
        return [dict(r) for r in conn.execute(q).mappings()]


def effects(store: Store) -> list[dict]:
    with store.read() as conn:
        q = select(t.events).where(t.events.c.source.like("worker:%")).order_by(t.events.c.id)
        return [dict(r) for r in conn.execute(q).mappings()]


def test_sends_record_their_effect_once(shop: Store) -> None:
    queue(shop, 3)
    queue(shop, 1, "member.admit", identity="wechat:li")
    clock = FakeClock()
    fake = Scripted()
    counts = worker(shop, fake, clock).run(once=True)
    assert counts["done"] == 4
    done = rows(shop)
    assert {r["status"] for r in done} == {"done"}
    assert [r["platform_ref"] for r in done] == [f"msg-{r['id']}" for r in done]
    assert all(r["attempts"] == 1 and r["connector"] == "fake" for r in done)
    assert [c.text for c in fake.calls[:3]] == ["hello 0", "hello 1", "hello 2"]
    ev = effects(shop)
    assert [(e["kind"], e["source"], e["source_ref"]) for e in ev] == [
        *(("message.delivered", "worker:fake", f"action:{r['id']}") for r in done[:3]),
        ("member.admitted", "worker:fake", f"action:{done[3]['id']}"),
    ]
    assert ev[3]["subject"] == "wechat:li"
    assert ev[3]["data"]["invite_link"] == f"https://t.me/+{done[3]['id']}"
    assert worker(shop, fake, clock).run(once=True)["done"] == 0  # nothing twice


def test_transient_errors_back_off_then_succeed(shop: Store) -> None:
    queue(shop, 1)
    clock = FakeClock()
    fake = Scripted(fail=lambda c: Transient("server busy") if len(fake.calls) <= 2 else None)
    w = worker(shop, fake, clock)
    waits = []
    for _ in range(3):
        w.run(once=True)
        (row,) = rows(shop)
        if row["status"] == "done":
            break
        assert row["status"] == "pending" and row["last_error"] == "server busy"
        waits.append((row["next_run_at"] - clock.now()).total_seconds())
        clock.t = row["next_run_at"]
    assert row["status"] == "done" and row["attempts"] == 3
    assert 1 <= waits[0] <= 2 and 2 <= waits[1] <= 4  # 2 s · 2^(n-1), jittered to half–whole


def test_gives_up_after_the_retries(shop: Store) -> None:
    queue(shop, 1)
    clock = FakeClock()
    fake = Scripted(fail=lambda c: Transient("503 from the platform"))
    w = worker(shop, fake, clock, retry=RetryPolicy(max_attempts=3))
    for _ in range(5):
        w.run(once=True)
        clock.advance(3600)
    (row,) = rows(shop)
    assert (row["status"], row["attempts"], len(fake.calls)) == ("dead", 3, 3)
    assert row["last_error"] == "gave up after 3 attempts: 503 from the platform"


def test_retry_after_is_honoured(shop: Store) -> None:
    queue(shop, 1)
    clock = FakeClock()
    worker(shop, Scripted(fail=lambda c: Transient("too many", retry_after=30)), clock).run(
        once=True
    )
    (row,) = rows(shop)
    assert row["next_run_at"] >= T0 + timedelta(seconds=30)


def test_permanent_error_fails_at_once(shop: Store) -> None:
    queue(shop, 1)
    fake = Scripted(fail=lambda c: Permanent("the bot is not an admin of the group"))
    counts = worker(shop, fake, FakeClock()).run(once=True)
    (row,) = rows(shop)
    assert (row["status"], row["attempts"], counts["failed"]) == ("failed", 1, 1)
    assert row["last_error"] == "the bot is not an admin of the group"


def test_uncertain_send_goes_to_review_but_idempotent_repeats(shop: Store) -> None:
    queue(shop, 1)
    queue(shop, 1, "member.admit", identity="wechat:li")
    fake = Scripted(fail=lambda c: Uncertain("timed out") if len(fake.calls) <= 2 else None)
    clock = FakeClock()
    worker(shop, fake, clock).run(once=True)
    send, admit = rows(shop)
    assert send["status"] == "review" and "timed out" in send["last_error"]
    assert admit["status"] == "pending"
    clock.t = admit["next_run_at"]
    worker(shop, fake, clock).run(once=True)
    assert rows(shop)[1]["status"] == "done"


def test_unsupported_kind_becomes_an_operator_task(shop: Store) -> None:
    queue(shop, 1, "group.create", group=None, template="main", suggested_slug="main-2")
    worker(shop, Scripted(), FakeClock()).run(once=True)
    (row,) = rows(shop)
    assert row["status"] == "review"
    with shop.read() as conn:
        (task,) = list_tasks(conn, COMMUNITY)
    assert task["action_id"] == row["id"]
    assert "请仿照 main 新建一个群（建议标识 main-2）" in task["instruction"]  # the shop speaks zh
    with shop.transaction() as conn:
        task_done(conn, task["id"], by="owner", now=T0)
    assert rows(shop)[0]["status"] == "done"


def test_a_burst_for_one_group_is_paced_not_dropped(shop: Store) -> None:
    queue(shop, 500)
    clock = FakeClock()
    fake = Scripted(limits=Limits(per_target=Rate(20, 60)), clock=clock)
    w = worker(shop, fake, clock)
    assert w.run(once=True)["done"] == 20
    waiting = [r for r in rows(shop) if r["status"] == "pending"]
    assert [(r["next_run_at"] - T0).total_seconds() for r in waiting] == [
        pytest.approx(3.0 * k) for k in range(1, 481)
    ]
    while any(r["status"] == "pending" for r in rows(shop)):
        clock.advance(30)
        w.run(once=True)
    assert len(fake.calls) == 500 and {r["status"] for r in rows(shop)} == {"done"}
    late = fake.at[20:]  # none before its slot: 20 at once, then one every 3 s
    assert all(at >= T0 + timedelta(seconds=3 * k) for k, at in enumerate(late, 1))


def test_the_connector_limit_is_waited_out_in_process(shop: Store) -> None:
    queue(shop, 40)
    clock = FakeClock()
    fake = Scripted(limits=Limits(overall=Rate(30, 1)), clock=clock)
    assert worker(shop, fake, clock).run(once=True)["done"] == 40
    assert (fake.at[-1] - fake.at[0]).total_seconds() == pytest.approx(10 / 30, abs=1e-5)


def test_a_dead_workers_actions_come_back_after_its_lease(shop: Store) -> None:
    queue(shop, 2)
    queue(shop, 1, "member.admit", identity="wechat:li")
    with shop.transaction() as conn:
        claimed = states.claim(conn, "dead", T0, lease_until=T0 + timedelta(minutes=2), limit=10)
        states.start(conn, "dead", [claimed[0].id], T0)  # it died calling the first send
    clock = FakeClock(T0 + timedelta(minutes=1))
    fake = Scripted()
    worker(shop, fake, clock).step()
    assert [r["status"] for r in rows(shop)] == ["leased"] * 3  # the lease still holds
    clock.advance(61)
    worker(shop, fake, clock).run(once=True)
    first, second, admit = rows(shop)
    assert first["status"] == "review" and "may or may not" in first["last_error"]
    assert (second["status"], admit["status"]) == ("done", "done")
    assert [c.action_id for c in fake.calls] == [second["id"], admit["id"]]
    with shop.read() as conn:
        (task,) = list_tasks(conn, COMMUNITY)
    assert f"shequn actions retry {first['id']}" in task["instruction"]
    assert task["instruction"].startswith(f"动作 {first['id']}（")  # the community speaks zh


def test_an_effect_in_the_log_proves_a_crashed_send(shop: Store) -> None:
    queue(shop, 1)
    with shop.transaction() as conn:
        (a,) = states.claim(conn, "dead", T0, lease_until=T0, limit=10)
        states.start(conn, "dead", [a.id], T0)
    from shequn.engine.record import record

    record(shop, [Event("message.delivered", T0, COMMUNITY, "worker:fake", f"action:{a.id}",
                        group="main", data={"action": a.id})])  # fmt: skip
    fake = Scripted()
    worker(shop, fake, FakeClock(T0 + timedelta(seconds=1))).run(once=True)
    assert rows(shop)[0]["status"] == "done" and fake.calls == []


def test_operator_retry_and_cancel(shop: Store) -> None:
    queue(shop, 2)
    fake = Scripted(fail=lambda c: Permanent("user blocked the bot"))
    worker(shop, fake, FakeClock()).run(once=True)
    a, b = rows(shop)
    with shop.transaction() as conn:
        again = states.retry(conn, a["id"], T0)
        gone = states.cancel(conn, b["id"], T0)
    assert (again["status"], again["attempts"], gone["status"]) == ("pending", 0, "cancelled")
    with shop.transaction() as conn:
        assert states.cancel(conn, b["id"], T0)["status"] == "cancelled"  # again: no change
        states.retry(conn, a["id"], T0)  # pending: due now
    worker(shop, Scripted(), FakeClock()).run(once=True)
    with shop.transaction() as conn, pytest.raises(Exception, match="nothing to retry"):
        states.retry(conn, rows(shop)[0]["id"], T0)
    with shop.read() as conn:
        assert states.counts(conn, COMMUNITY) == {"done": 1, "cancelled": 1}


def test_a_second_sqlite_worker_says_so_and_waits(tmp_path) -> None:
    import threading

    from shequn.worker.lock import WorkerLock

    url = f"sqlite:///{tmp_path / 'shequn.db'}"
    with Store.open(url) as store:
        held = WorkerLock(str((tmp_path / "shequn.db").resolve()))
        assert held.acquire(print, lambda s: None, lambda: False)
        said: list[str] = []
        second = worker(store, Scripted(), FakeClock())
        second.say = said.append
        thread = threading.Thread(target=second.run, kwargs={"once": True})
        thread.start()
        while not said:
            thread.join(0.05)
        assert "another worker (pid" in said[0] and "waiting" in said[0]
        assert thread.is_alive()  # waiting, not working alongside
        held.release()
        thread.join(10)
        assert not thread.is_alive()


def test_migration_0004_gives_old_actions_a_key(tmp_path) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import text

    store = Store.open(f"sqlite:///{tmp_path / 'old.db'}", migrate=False)
    store.upgrade("0003")
    now = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
    with store.transaction() as conn:
        conn.execute(
            text(
                "INSERT INTO actions (kind, community_slug, payload, due_at, status, attempts,"
                " created_at, updated_at) VALUES ('message.send', 'c', '{}', :t, 'pending', 0,"
                " :t, :t)"
            ),
            {"t": now},
        )
    store.upgrade()
    (row,) = rows(store)
    assert (row["idempotency_key"], row["next_run_at"]) == ("legacy:1", row["due_at"])
    store.close()


def test_a_private_reply_listing_one_member_counts_against_their_chat() -> None:
    """Bot replies say ``"to": [member]``: each member's chat has its own bucket, so a busy
    bot's private replies are not all paced as one chat of the whole community."""
    from shequn.model.actions import Action
    from shequn.store.outbox import target_of

    def send(to: object, group: str | None = None) -> Action:
        return Action("message.send", COMMUNITY, T0, group, {"to": to, "text": "hi"})

    assert target_of(send(["tg:1"])) == "tg:1" == target_of(send("tg:1"))
    assert target_of(send(["tg:1"], "main")) == "tg:1"
    assert target_of(send(["tg:1", "tg:2"], "main")) == f"{COMMUNITY}/main"
    assert target_of(send(["tg:1", "tg:2"])) == COMMUNITY
