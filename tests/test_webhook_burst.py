"""A burst of Telegram webhook calls through the app (``POST /hooks/telegram``), as Telegram
sends them when many people join at once: concurrent signed requests, each carrying one join
request or one ``chat_member`` join. Every update's effect lands exactly once, calls share
transactions (``engine/gather.py``), and a bad update among good ones fails only itself."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, func, select

from shequn.api import audit
from shequn.api.app import create_app
from shequn.engine import gather
from shequn.errors import Conflict
from shequn.model.i18n import Said
from shequn.store import tables as t
from shequn.store.db import Store
from shequn.store.growth_queries import list_entries
from shequn.store.seat_queries import seats
from tests.telegram_fake import BOT_ID
from tests.telegram_updates import join_request, member
from tests.test_cli import Cli
from tests.test_telegram_bot import SECRET, bot  # noqa: F401 — the fixture

COMMUNITY = "study-circle"
KNOCKS = range(1_000, 1_024)  # users who ask to join the bound group "main"
JOINS = range(2_000, 2_024)  # users Telegram reports joined
BAD = 999  # a user whose knock the door refuses (injected below)
THREADS = 8


def updates() -> list[dict[str, Any]]:
    """Join requests and joins interleaved, and the bad knock; one update a call."""
    out: list[dict[str, Any]] = []
    for n, (asks, joins) in enumerate(zip(KNOCKS, JOINS, strict=True)):
        out.append(join_request(10 + 2 * n, asks))
        out.append(member(11 + 2 * n, joins, "left", "member"))
    out.insert(2, join_request(5, BAD))  # among the first calls: queued behind the first
    return out


def refuse_the_bad_knock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The door raises on ``BAD``'s knock, wherever it is decided (a batch, or alone)."""
    plain = gather.enter_batch

    def door(conn: Connection, community: str, requests: Any, source: str) -> Any:
        if any(bad(gather.Knock(community, source, r)) for r in requests):
            raise Conflict(Said("refused"))
        return plain(conn, community, requests, source)

    monkeypatch.setattr(gather, "enter_batch", door)


def hold_first_batch(monkeypatch: pytest.MonkeyPatch, queue: int) -> threading.Event:
    """The first gathered batch waits (up to 10 s) until ``queue`` callers, the bad knock
    among them, wait behind it: the next batch then holds the bad knock among good calls,
    however fast the machine is. Returns the event set once the first batch runs."""
    plain = gather.WRITES.run_many
    first = threading.Event()

    def ready(key: Store) -> bool:
        line = gather.WRITES._lines.get(key)
        waiting = [] if line is None else [s.item for s in line.waiting]
        return len(waiting) >= queue and any(map(bad, waiting))

    def run_many(key: Store, items: list[Any]) -> list[Any]:
        if not first.is_set():
            first.set()
            for _ in range(10_000):
                if ready(key):
                    break
                time.sleep(0.001)
        return plain(key, items)

    monkeypatch.setattr(gather.WRITES, "run_many", run_many)
    return first


def bad(item: gather.Write) -> bool:
    return isinstance(item, gather.Knock) and item.request.identity.endswith(f":{BAD}")


def count_transactions(
    monkeypatch: pytest.MonkeyPatch, store: Store
) -> tuple[list[int], list[int]]:
    """The store's write transactions from now on: the webhook's own, and the audit log's
    (``api/audit.py`` gathers concurrent calls' rows too)."""
    ours: list[int] = []
    audits: list[int] = []
    auditing = threading.local()
    plain: Callable[[], AbstractContextManager[Connection]] = store.transaction
    plain_audit = audit.write_audits

    def transaction() -> AbstractContextManager[Connection]:
        (audits if getattr(auditing, "on", False) else ours).append(1)
        return plain()

    def write_audits(*args: Any, **kwargs: Any) -> None:
        auditing.on = True
        try:
            plain_audit(*args, **kwargs)
        finally:
            auditing.on = False

    monkeypatch.setattr(store, "transaction", transaction)
    monkeypatch.setattr(audit, "write_audits", write_audits)
    return ours, audits


def audit_rows(store: Store) -> int:
    with store.read() as conn:
        return int(conn.scalar(select(func.count()).select_from(t.audit_log)) or 0)


def post(client: TestClient, update: dict[str, Any]) -> Any:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    return client.post("/hooks/telegram", json=update, headers=headers)


def send_all(client: TestClient, burst: list[dict[str, Any]]) -> list[Any]:
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(lambda u: post(client, u), burst))


def state(store: Store) -> tuple[dict[str, list[str]], int, dict[str, int]]:
    """Entries by identity, seats taken in ``main``, events of the bot by kind."""
    with store.read() as conn:
        entries: dict[str, list[str]] = {}
        for e in list_entries(conn, COMMUNITY):
            entries.setdefault(e.identity, []).append(e.status)
        taken = seats(conn, COMMUNITY, ["main"])["main"].taken
        e = t.events.c
        q = (
            select(e.kind, func.count())
            .where(e.source == f"telegram-bot:{BOT_ID}")
            .group_by(e.kind)
        )
        kinds = {kind: n for kind, n in conn.execute(q)}
    return entries, taken, kinds


def test_a_burst_of_webhook_calls_lands_each_update_once_in_shared_transactions(
    bot: Cli,  # noqa: F811 — the fixture: blueprint loaded, "main" bound to the chat
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refuse_the_bad_knock(monkeypatch)
    burst = updates()
    with TestClient(create_app(database_url), raise_server_exceptions=False) as client:
        store: Store = client.app.state.store  # type: ignore[attr-defined]
        rows_before = audit_rows(store)
        started = hold_first_batch(monkeypatch, THREADS - 1)
        opened, audited = count_transactions(monkeypatch, store)
        before = gather.WRITES.counts.split
        with ThreadPoolExecutor(1) as lead:  # a good call leads; the rest queue behind it
            first = lead.submit(post, client, burst[0])
            assert started.wait(30)
            rest = send_all(client, burst[1:])
            answers = [first.result(), *rest]
        codes = {u["update_id"]: a.status_code for u, a in zip(burst, answers, strict=True)}
        assert codes.pop(5) == 409  # the bad knock fails, and only it
        assert set(codes.values()) == {200}
        joined = [
            a.json()["new"] for u, a in zip(burst, answers, strict=True) if "chat_member" in u
        ]
        assert joined == [1] * len(JOINS)  # each caller its own count
        assert len(opened) < len(burst)  # calls shared transactions
        assert 0 < len(audited) <= len(burst)  # the audit rows: one commit a call at most
        assert audit_rows(store) - rows_before == len(burst)  # … and one row each
        assert gather.WRITES.counts.split > before  # the bad knock's batch ran again one by one
        entries, taken, kinds = state(store)
        asked = {f"telegram:{u}" for u in KNOCKS}
        assert {who for who in entries} == asked  # one entry each, none for the bad knock
        assert all(len(statuses) == 1 for statuses in entries.values())
        assert kinds["member.joined"] == len(JOINS)
        assert kinds["entry.requested"] == len(KNOCKS)
        assert {s for [s] in entries.values()} <= {"admitted", "queued"}  # a wave's seat held
        assert taken == len(KNOCKS) + len(JOINS)  # every seat once
        again = send_all(client, [u for u in burst if u["update_id"] != 5])  # Telegram retries
        assert {a.status_code for a in again} == {200}
        assert {a.json()["new"] for a in again} == {0}
        assert state(store) == (entries, taken, kinds)  # nothing twice
