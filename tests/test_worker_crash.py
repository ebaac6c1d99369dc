"""Never twice: SIGKILL workers at random points; two PostgreSQL workers never share an action.

The file connector is the recording platform: every call is a line (flushed and fsynced before
the call returns), so a send that happened twice is a key that appears twice.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from shequn.store import tables as t
from shequn.store.db import Store
from tests.growth_helpers import loaded
from tests.worker_helpers import queue

ROOT = Path(__file__).resolve().parent.parent


def spawn(url: str, out: Path, chunk: int = 10) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.crash_worker", url, str(out), str(chunk)], cwd=ROOT
    )


def statuses(store: Store) -> dict[int, tuple[str, str, str]]:
    with store.read() as conn:
        q = select(
            t.actions.c.id, t.actions.c.kind, t.actions.c.status, t.actions.c.idempotency_key
        )
        return {r.id: (r.kind, r.status, r.idempotency_key) for r in conn.execute(q)}


def lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def calls(*files: Path) -> list[dict[str, object]]:
    return [json.loads(line) for f in files if f.exists() for line in f.read_text().splitlines()]


def test_sigkill_at_random_points_never_sends_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shequn.db'}"
    out = tmp_path / "platform.jsonl"
    with Store.open(url) as store:
        loaded(store)
        queue(store, 900)
        queue(store, 100, "member.admit", identity="wechat:li")
    rng = random.Random(14)
    killed = 0
    for _ in range(60):
        target = lines(out) + rng.randint(1, 150)  # kill after a random number of calls
        proc = spawn(url, out, chunk=rng.choice([1, 5, 20]))
        while proc.poll() is None and lines(out) < target:
            time.sleep(rng.uniform(0, 0.01))
        if proc.poll() is None:
            proc.kill()
            killed += 1
        proc.wait()
        with Store.open(url) as store:
            if all(s in ("done", "review") for _, s, _ in statuses(store).values()):
                break
    assert subprocess.run([sys.executable, "-m", "tests.crash_worker", url, str(out)],
                          cwd=ROOT, timeout=120).returncode == 0  # fmt: skip
    with Store.open(url) as store:
        rows = statuses(store)
    sent = Counter(c["key"] for c in calls(out) if c["kind"] == "message.send")
    assert killed >= 5, "too few workers were killed while working: the test proved little"
    assert max(sent.values()) == 1, "a message was sent twice"
    assert {s for _, s, _ in rows.values()} <= {"done", "review"}
    for kind, status, key in rows.values():
        if kind == "message.send" and status == "done":
            assert sent[key] == 1  # done means sent, once
    reviews = sum(s == "review" for _, s, _ in rows.values())
    assert reviews <= killed * 20  # a kill leaves at most one chunk (<= 20 sends) uncertain


@pytest.mark.postgres
def test_two_postgresql_workers_never_claim_one_action(pg_base_url: str, tmp_path: Path) -> None:
    from tests.conftest import new_pg_database

    url = new_pg_database(pg_base_url)
    with Store.open(url) as store:
        loaded(store)
        queue(store, 10_000, "reward.revoke", group=None, to="wechat:li", reward="badge")
    outs = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    procs = [spawn(url, f, chunk=100) for f in outs]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    performed = Counter(c["action"] for c in calls(*outs))
    with Store.open(url) as store:
        rows = statuses(store)
    assert len(performed) == 10_000 and max(performed.values()) == 1
    assert {s for _, s, _ in rows.values()} == {"done"}
    assert all(len(calls(f)) > 0 for f in outs), "one worker did everything: no concurrency shown"
