"""An import into PostgreSQL has the reader process make each event's COPY text
(``store/append_pg.COPY_FORM``): the same bytes psycopg's own COPY sends, the same events
stored as an import in one process, and the importing process formats none of them."""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from psycopg.copy import Copy, FileWriter
from sqlalchemy import select

from shequn.engine.blueprint import load_into_store
from shequn.engine.record import record
from shequn.ingest.job import ImportJob
from shequn.model.blueprint import load_blueprint
from shequn.model.events import Event
from shequn.store import append_pg
from shequn.store import tables as t
from shequn.store.db import Store
from tests.conftest import new_pg_database

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "study-group" / "community.toml"
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
AWKWARD = [
    "tab\there",
    "line\nbreak\r\nand return",
    "back\\slash \\N \\. \\t",
    "\\N",
    "\\.",
    "quote \" and ' and {braces}, [1, 2]",
    "表情 😀 and NULL",
    "",
    "\x0b\x0c\x08 controls",
]


def export(path: Path, n: int) -> Path:
    """A JSONL export whose texts, names and refs hold what COPY's text format escapes."""
    with path.open("w") as fp:
        for k in range(n):
            text = AWKWARD[k % len(AWKWARD)] + f" #{k}"
            fp.write(
                json.dumps(
                    {
                        "kind": "member.joined" if k < 40 else "message.posted",
                        "occurred_at": (T0 + timedelta(seconds=k)).isoformat(),
                        "community": "study-circle",
                        "group": ("main", "camp-21")[k % 2],
                        "actor": f"wechat:u{k % 40}",
                        "source": "copy-ahead",
                        "source_ref": f"m{k}\t{AWKWARD[k % 3]}",
                        "data": {"actor_name": AWKWARD[k % len(AWKWARD)], "text": text},
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    return path


def stored(store: Store) -> list[tuple[object, ...]]:
    e = t.events.c
    with store.read() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(
                    e.id, e.kind, e.occurred_at, e.community_slug, e.group_slug, e.actor,
                    e.subject, e.source, e.source_ref, e.data,
                ).where(e.source == "copy-ahead").order_by(e.id)
            )
        ]  # fmt: skip


def imported(store: Store, path: Path, *, ahead: bool) -> list[Event]:
    """Import ``path`` in process, reading ahead or not; the events the importer handed on."""
    job = ImportJob.for_path(
        path, community="study-circle", tz=ZoneInfo("UTC"), form=append_pg.COPY_FORM
    )
    job.read_ahead = ahead
    seen: list[Event] = []

    def each() -> object:
        for e in job.events():
            seen.append(e)
            yield e

    record(store, each(), batch_size=append_pg.FEW + 500)
    return seen


@pytest.mark.postgres
def test_copy_text_is_what_psycopg_sends(pg_store: Store) -> None:
    events = [
        Event.checked_before(
            "message.posted", T0 + timedelta(microseconds=k), "study-circle", "copy-ahead",
            f"r{k}{text}", "main" if k % 2 else None, f"wechat:{text}", None,
            {"text": text, "n": k, "nested": {"a": [text, None]}},
        )
        for k, text in enumerate(AWKWARD)
    ]  # fmt: skip
    raw = pg_store.engine.raw_connection()
    try:
        buf = io.BytesIO()
        cur = raw.driver_connection.cursor()  # type: ignore[union-attr]
        with Copy(cur, writer=FileWriter(buf)) as copy:
            for e in events:
                copy.write_row((e.kind, e.occurred_at, e.community, e.group, e.actor, e.subject,
                                e.source, e.source_ref, json.dumps(e.data, ensure_ascii=False,
                                separators=(",", ":"))))  # fmt: skip
    finally:
        raw.close()
    assert b"".join(append_pg.copy_text(e) for e in events) == buf.getvalue()


@pytest.mark.postgres
def test_read_ahead_stores_the_same_events_formatted_by_the_reader(
    pg_base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = export(tmp_path / "export.jsonl", 3 * append_pg.FEW)
    here = os.getpid()
    formatted_here: list[int] = []
    made = append_pg.copy_text

    def spy(e: Event) -> bytes:
        if os.getpid() == here:  # the forked reader's calls are its own
            formatted_here.append(1)
        return made(e)

    monkeypatch.setattr(append_pg, "copy_text", spy)
    stores = []
    for ahead in (True, False):
        store = Store.open(new_pg_database(pg_base_url))
        load_into_store(store, load_blueprint(EXAMPLE))
        seen = imported(store, path, ahead=ahead)
        if ahead:
            assert seen and all(type(e) is append_pg.CopyReady for e in seen)
            assert formatted_here == []  # every line came made from the reader
        else:
            assert formatted_here  # one process: formatted here, as before
        stores.append(store)
    try:
        first, second = (stored(s) for s in stores)
        assert len(first) == 3 * append_pg.FEW
        strip = [r[1:] for r in first]
        assert strip == [r[1:] for r in second]
        assert {r[9]["text"].split(" #")[0] for r in first} == set(AWKWARD)  # type: ignore[index]
    finally:
        for s in stores:
            s.close()
