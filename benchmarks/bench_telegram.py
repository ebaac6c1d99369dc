"""Telegram inbound throughput: updates from a fake Bot API through to events and decisions.

    python benchmarks/bench_telegram.py                     # SQLite, 20,000 updates
    python benchmarks/bench_telegram.py --updates 5000 --postgres

Goal (issue 15): >= 1,000 updates/s on SQLite. The fake Bot API (tests/telegram_fake.py, a real
HTTP server on 127.0.0.1) holds the updates; the loop is ``shequn bot run``'s: ``getUpdates``
(up to 100 a batch, through python-telegram-bot) → map → ``engine.inbound.receive`` (the write
guard, the append, the projections and the engine's reactions) → the next offset. Each
update's latency is its batch's, from the request to the commit. The baseline, in the same
run, fetches the same batches and only maps them to events (no store).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.growth_helpers import COMMUNITY, loaded
from tests.telegram_fake import BOT_ID, TOKEN, FakeBotApi, serve
from tests.telegram_updates import CHAT, member, message, reaction

from shequn.api.telegram_updates import inbound_for, record_updates
from shequn.connectors.telegram.client import BotClient
from shequn.engine.bindings import bind
from shequn.store.db import Store

TEXTS = ("早上好", "有人读过《三体》吗？", "see https://example.com/book", "谢谢分享!", "+1")


def updates(n: int) -> list[dict[str, Any]]:
    """A plausible mix: 90% messages, 5% reactions, 5% joins and leaves, 2,000 people."""
    out: list[dict[str, Any]] = []
    for uid in range(1, n + 1):
        who = 10_000 + uid % 2_000
        if uid % 20 == 0:
            joined = (uid // 20) % 2 == 0
            out.append(
                member(uid, who, "left" if joined else "member", "member" if joined else "left")
            )
        elif uid % 20 == 1 and uid > 1:
            out.append(reaction(uid, who, uid - 1))
        else:
            out.append(message(uid, who, uid, TEXTS[uid % len(TEXTS)]))
    return out


def drain(
    url: str, all_updates: list[dict[str, Any]], handle: Callable[[Sequence[Any]], None]
) -> tuple[float, list[float]]:
    """Pull every update through ``handle``; (seconds, per-update latencies)."""
    api = FakeBotApi()
    api.push(*all_updates)
    server, api_url = serve(api)
    client = BotClient(TOKEN, api_url=api_url)
    latencies: list[float] = []
    offset = None
    start = time.perf_counter()
    try:
        while True:
            t0 = time.perf_counter()
            batch = client.raw("getUpdates", offset=offset, limit=100, timeout=0)
            if not batch:
                break
            handle(batch)
            latencies.extend([time.perf_counter() - t0] * len(batch))
            offset = int(batch[-1]["update_id"]) + 1
    finally:
        took = time.perf_counter() - start
        client.close()
        server.shutdown()
    return took, latencies


def measure(url: str, n: int) -> None:
    store = Store.open(url)
    loaded(store)
    bind(store, COMMUNITY, "main", "telegram", str(CHAT))
    data = updates(n)
    inbound = inbound_for(store, COMMUNITY, BOT_ID)
    base, base_lat = drain(url, data, lambda batch: list(inbound.events(batch)))
    took, lat = drain(url, data, lambda batch: record_updates(store, COMMUNITY, BOT_ID, batch))
    store.close()
    kind = url.split(":")[0]
    for name, secs, lats in (
        ("parse only (baseline)", base, base_lat),
        (f"{kind}: to events", took, lat),
    ):
        q = statistics.quantiles(lats, n=100)
        print(
            f"{name:24} {n / secs:8,.0f} updates/s   p50 {q[49] * 1e3:6.1f} ms   "
            f"p99 {q[98] * 1e3:6.1f} ms   ({secs:.1f} s)"
        )
    print(f"{'':24} recording costs {(took - base) / n * 1e6:,.0f} µs per update over parsing")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--updates", type=int, default=20_000)
    ap.add_argument("--postgres", action="store_true", help="also PostgreSQL (throwaway cluster)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{tmp}/shequn.db", args.updates)
        if args.postgres:
            from tests.conftest import new_pg_database
            from tests.pgcluster import postgres_cluster

            with postgres_cluster() as pg:
                measure(new_pg_database(pg), args.updates)


if __name__ == "__main__":
    main()
