"""Imports survive being killed: SIGKILL at any moment, run again, same log as one clean run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from shequn.cli.app import main
from shequn.store import tables as t
from shequn.store.db import Store
from shequn.store.queries import count_events
from shequn.store.rebuild import snapshot

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "study-group" / "community.toml"
T0 = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


def big_export(path: Path, n: int) -> Path:
    """A canonical JSONL export: 300 people joining, talking, some leaving, in several groups."""
    with path.open("w") as fp:
        for k in range(n):
            who = f"wechat:u{k % 300}"
            kind = (
                "member.joined" if k < 300 else "member.left" if k % 211 == 0 else "message.posted"
            )
            fp.write(
                json.dumps(
                    {
                        "kind": kind,
                        "occurred_at": (T0 + timedelta(seconds=7 * k)).isoformat(),
                        "community": "study-circle",
                        "group": ("main", "camp-21", "senior")[k % 3],
                        "actor": who,
                        "source": "resume-test",
                        "source_ref": f"m{k}",
                        "data": {"actor_name": f"成员{k % 300}", "length": k % 50}
                        if kind == "message.posted"
                        else {"actor_name": f"成员{k % 300}"},
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    return path


def shequn(url: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from shequn.cli.app import main; sys.exit(main())",
            "--db",
            url,
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def stored_events(url: str) -> int:
    store = Store.open(url)
    with store.read() as conn:
        n = count_events(conn)
    store.close()
    return n


def fingerprint(url: str) -> tuple[int, list[tuple[object, ...]], dict[str, object]]:
    """The imported events and every projection they feed (the blueprint's own rows carry the
    time it was loaded, which differs between the two stores, so they are left out)."""
    store = Store.open(url)
    e = t.events.c
    with store.read() as conn:
        imported = sorted(
            tuple(r)
            for r in conn.execute(
                select(e.kind, e.occurred_at, e.group_slug, e.actor, e.source_ref, e.data).where(
                    e.source == "resume-test"
                )
            )
        )
        projections = {
            k: v for k, v in snapshot(conn).items() if k not in ("communities", "groups")
        }
        result = count_events(conn), imported, projections
    store.close()
    return result


@pytest.mark.parametrize("kills", [3])
def test_killed_import_resumes_to_the_same_log(database_url: str, tmp_path: Path, kills: int):
    export = big_export(tmp_path / "export.jsonl", 30_000)
    assert main(["--db", database_url, "blueprint", "load", str(EXAMPLE)]) == 0
    args = ["import", str(export), "--batch-size", "1000", "--json"]
    stored = [stored_events(database_url)]
    for _ in range(kills):
        proc = shequn(database_url, *args)
        while stored_events(database_url) < stored[-1] + 2_000 and proc.poll() is None:
            time.sleep(0.02)  # wait until this run has committed a couple of batches
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stored.append(stored_events(database_url))
    assert stored[0] < stored[1] < stored[-1] < 30_004, f"kills did not land mid-import: {stored}"
    finish = shequn(database_url, *args)
    out, err = finish.communicate(timeout=300)
    assert finish.returncode == 0, err.decode()
    summary = json.loads(out)
    assert summary["new"] + summary["duplicate"] == 30_000
    assert summary["duplicate"] == stored[-1] - 4  # what the killed runs had committed

    clean_url = _fresh_like(database_url, tmp_path)
    assert main(["--db", clean_url, "blueprint", "load", str(EXAMPLE)]) == 0
    assert main(["--db", clean_url, *args]) == 0
    assert fingerprint(database_url) == fingerprint(clean_url)


def _fresh_like(url: str, tmp_path: Path) -> str:
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'clean.db'}"
    from tests.conftest import new_pg_database

    return new_pg_database(url.rsplit("/", 1)[0])
