"""A Telegram export's name scan (pass 1) in two halves at once: exactly what one scan finds."""

from __future__ import annotations

import os
import random
import threading
from datetime import UTC
from pathlib import Path

import pytest
from benchmarks.make_telegram_export import write_export

from shequn.ingest import scan_halves, telegram
from shequn.ingest.base import ImportContext
from shequn.ingest.scan_halves import in_halves
from shequn.ingest.telegram import KEPT, TelegramImporter, name_pairs
from shequn.model.events import Event

CHUNK = 8192


def _forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts this process's forks (the child's own are not seen here)."""
    forked: list[int] = []
    real = os.fork

    def fork() -> int:
        pid = real()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(scan_halves.os, "fork", fork)
    return forked


def _pairs_file(path: Path) -> tuple[bytes, int]:
    """Unique pairs at every distance from the chunk boundaries, one of them cut by the half
    (so a half that loses the bytes before it loses that pair); the data and the cut pair's
    start."""
    rng = random.Random(3)
    parts = []
    for n in range(4000):
        name = f"Person {n} {'長' * rng.randint(0, 9)}"
        parts.append(b" " * rng.randint(0, 90))
        parts.append(f'{{"from": "{name}", "from_id": "user{n}", "x": 1}}'.encode())
        if n % 7 == 0:
            parts.append(f'{{"actor": "{name}", "actor_id": "user{100_000 + n}"}}'.encode())
    data = b",".join(parts)
    for pad in range(200):  # shift until the half falls inside a pair
        padded = b" " * pad + data
        half = (len(padded) // 2 // CHUNK) * CHUNK
        start = padded.rfind(b'{"from"', 0, half)
        if padded.find(b'", "x"', start) > half:  # the half before the id's last digit
            path.write_bytes(padded)
            return padded, start
    raise AssertionError("no padding puts the half inside a pair")


def test_the_halves_find_exactly_what_one_scan_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pairs.json"
    data, cut = _pairs_file(path)
    monkeypatch.setattr(scan_halves, "SPLIT_FROM", 0)
    monkeypatch.setattr(telegram, "CHUNK", CHUNK)
    forked = _forks(monkeypatch)
    with path.open("rb") as fp:
        one = name_pairs(fp, b"", None)
    two = in_halves(path, name_pairs, chunk=CHUNK, tail=KEPT)
    assert len(forked) == 1  # the second half was scanned by a child
    assert two == one
    whole = set(telegram._PAIR.findall(data))  # the file in one buffer
    assert len(whole) == 4000 + 572
    assert two == whole  # a read's end inside an id's digits adds no pair with a cut id
    cut_id = data[cut : data.index(b"}", cut)].rsplit(b'"user', 1)[1].split(b'"')[0]
    assert (b"user" + cut_id) in {ident for _, ident in two}  # the pair the half cuts


def test_small_files_and_other_threads_scan_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pairs.json"
    _pairs_file(path)
    forked = _forks(monkeypatch)
    assert in_halves(path, name_pairs, chunk=CHUNK, tail=KEPT) is None  # under SPLIT_FROM
    monkeypatch.setattr(scan_halves, "SPLIT_FROM", 0)
    found: list[object] = []
    worker = threading.Thread(
        target=lambda: found.append(in_halves(path, name_pairs, chunk=CHUNK, tail=KEPT))
    )
    worker.start()
    worker.join()
    assert found == [None]  # a server's request thread may not fork
    assert forked == []


def _events(export: Path) -> list[Event]:
    ctx = ImportContext(path=export, community="c", tz=UTC, group="main")
    return [e for e in TelegramImporter().read(ctx) if isinstance(e, Event)]


def test_an_import_maps_the_same_events_with_the_halves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = tmp_path / "result.json"
    write_export(export, 6_000, members=300, seed=11)
    monkeypatch.setattr(telegram, "CHUNK", CHUNK)
    alone = _events(export)
    monkeypatch.setattr(scan_halves, "SPLIT_FROM", 0)
    forked = _forks(monkeypatch)
    halves = _events(export)
    assert len(forked) == 1
    assert halves == alone
    assert any(e.kind == "member.joined" for e in alone)
