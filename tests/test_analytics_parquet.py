"""``shequn export parquet``: the log as the metrics read it, partitioned by community and
local day, written again only where something is new, and repaired after an export cut short."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from shequn.analytics.parquet import MANIFEST, export, read_manifest, read_sql
from shequn.analytics.replica import Replica
from shequn.cli.app import app
from shequn.engine.identity import merge
from shequn.engine.record import record
from shequn.store.db import Store
from tests.analytics_helpers import COMMUNITY, configured, join, post

COMPARED = "id, kind, person, day, local_at, occurred_at, grp, length, CAST(data AS VARCHAR)"


def exported(con: Any, dest: Path) -> list[tuple[Any, ...]]:
    return con.execute(f"SELECT {COMPARED} FROM {read_sql(dest)} ORDER BY id").fetchall()


def in_replica(con: Any) -> list[tuple[Any, ...]]:
    return con.execute(f"SELECT {COMPARED} FROM ev ORDER BY id").fetchall()


def files(dest: Path, table: str = "ev") -> list[str]:
    return sorted(str(p.relative_to(dest)) for p in (dest / table).rglob("*.parquet"))


def people(con: Any, dest: Path | None = None) -> list[tuple[Any, ...]]:
    """The ``people`` rows of the export in ``dest``, or of the replica."""
    source = (
        f"(SELECT community AS of_community, * FROM {read_sql(dest, 'people')})"
        if dest
        else "people"
    )
    sql = f"SELECT of_community, identity, member FROM {source} ORDER BY ALL"
    return con.execute(sql).fetchall()


def test_export_is_partitioned_incremental_and_idempotent(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        record(store, [configured(), join("li", day=0), post("li", day=0, hour=23.5)])
        with Replica.open(store, str(tmp_path / "r.duckdb")) as replica:
            first = export(replica.raw, dest)
            assert (first.batch, first.rows, first.redone, first.total) == (1, 3, (), 3)
            # local days (UTC+8): 23:30 on day 0 is still day 0 there, not UTC's day
            assert files(dest) == [
                f"ev/community={COMMUNITY}/day=2025-12-02/part-000001-0.parquet",
                f"ev/community={COMMUNITY}/day=2026-01-01/part-000001-0.parquet",
            ]
            assert exported(replica.raw, dest) == in_replica(replica.raw)

            again = export(replica.raw, dest)  # nothing new: nothing written
            assert (again.batch, again.rows, again.total) == (1, 0, 3)
            assert len(files(dest)) == 2

            record(store, [post("li", day=1), post("wang", day=1), join("wang", day=1)])
            replica.sync()
            second = export(replica.raw, dest)
            assert (second.batch, second.rows, second.redone, second.total) == (2, 3, (), 6)
            assert files(dest)[-1] == (
                f"ev/community={COMMUNITY}/day=2026-01-02/part-000002-0.parquet"
            )
            assert exported(replica.raw, dest) == in_replica(replica.raw)
            manifest = read_manifest(dest)
            assert manifest is not None
            assert [b["rows"] for b in manifest["batches"]] == [3, 3]
            assert manifest["watermark"] == max(r[0] for r in in_replica(replica.raw))


def test_an_export_cut_short_is_found_and_done_again(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        record(store, [configured(), join("li", day=0), post("li", day=0)])
        with Replica.open(store, str(tmp_path / "r.duckdb")) as replica:
            export(replica.raw, dest)
            record(store, [post("li", day=3)])
            replica.sync()
            export(replica.raw, dest)
            # batch 2 cut short: its files half moved in, its staging left, the manifest
            # still at batch 1 (as it was before the batch)
            before = json.loads((dest / MANIFEST).read_text())
            before["batch"], before["batches"] = 1, before["batches"][:1]
            before["watermark"] = before["batches"][0]["to_id"]
            (dest / MANIFEST).write_text(json.dumps(before))
            (dest / ".tmp-000002" / "x").mkdir(parents=True)
            done = export(replica.raw, dest)
            assert done.repaired == 2  # the staging directory and batch 2's file
            assert (done.batch, done.rows, done.total) == (2, 1, 4)
            assert not list(dest.glob(".tmp-*"))
            assert exported(replica.raw, dest) == in_replica(replica.raw)


def test_a_merge_rewrites_old_rows_so_the_community_is_exported_again_whole(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        record(store, [configured(), post("li", day=0), post("li2", day=1), post("li", day=2)])
        with Replica.open(store, str(tmp_path / "r.duckdb")) as replica:
            export(replica.raw, dest)
            merge(store, "wechat:li", "wechat:li2", community=COMMUNITY)
            replica.sync()
            done = export(replica.raw, dest)
            assert (done.batch, done.redone, done.rows, done.total) == (2, (COMMUNITY,), 5, 5)
            posters = {r[2] for r in exported(replica.raw, dest) if r[1] == "message.posted"}
            assert posters == {"wechat:li"}
            assert all("part-000002-" in f for f in files(dest))
            assert not list(dest.glob(".old-*"))
            # the community's people, written again whole: li2 is li now
            assert files(dest, "people") == [f"people/community={COMMUNITY}/part-000002-0.parquet"]
            assert people(replica.raw, dest) == people(replica.raw)
            assert (COMMUNITY, "wechat:li2", "wechat:li") in people(replica.raw, dest)


def test_people_are_exported_per_community_only_when_they_changed(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        record(store, [configured(), join("li", day=0), post("li", day=0)])
        with Replica.open(store, str(tmp_path / "r.duckdb")) as replica:
            first = export(replica.raw, dest)
            assert first.people == (COMMUNITY,)
            assert people(replica.raw, dest) == [(COMMUNITY, "wechat:li", "wechat:li")]
            record(store, [post("li", day=1)])  # no one new: people stay as written
            replica.sync()
            assert export(replica.raw, dest).people == ()
            assert files(dest, "people") == [f"people/community={COMMUNITY}/part-000001-0.parquet"]
            record(store, [join("wang", day=2)])
            replica.sync()
            third = export(replica.raw, dest)
            assert (third.batch, third.people) == (3, (COMMUNITY,))
            assert files(dest, "people") == [f"people/community={COMMUNITY}/part-000003-0.parquet"]
            assert people(replica.raw, dest) == people(replica.raw)
            assert len(people(replica.raw)) == 2
            manifest = read_manifest(dest)
            assert manifest is not None
            assert [b["people"] for b in manifest["batches"]] == [[COMMUNITY], [], [COMMUNITY]]
            assert manifest["people_columns"] == {"identity": "VARCHAR", "member": "VARCHAR"}


def test_the_command_exports_and_says_so(tmp_path: Path, monkeypatch: Any) -> None:
    db = tmp_path / "s.db"
    monkeypatch.setenv("SHEQUN_DATABASE_URL", f"sqlite:///{db}")
    with Store.open(f"sqlite:///{db}") as store:
        record(store, [configured(), join("li", day=0), post("li", day=0)])
    runner = CliRunner()
    first = runner.invoke(app, ["export", "parquet", str(tmp_path / "out"), "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["rows"] == 3
    again = runner.invoke(app, ["export", "parquet", str(tmp_path / "out")])
    assert again.exit_code == 0, again.output
    assert "nothing new since batch 1 (3 rows)" in again.output


def test_a_community_redone_but_not_committed_is_put_back_then_redone(
    tmp_path: Path, monkeypatch: Any
) -> None:
    from shequn.analytics import parquet

    dest = tmp_path / "out"
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        record(store, [configured(), post("li", day=0), post("li2", day=1)])
        with Replica.open(store, str(tmp_path / "r.duckdb")) as replica:
            export(replica.raw, dest)
            before = files(dest)
            merge(store, "wechat:li", "wechat:li2", community=COMMUNITY)
            replica.sync()

            def crash(*_: Any) -> None:
                raise OSError("disk full")

            monkeypatch.setattr(parquet, "_write_manifest", crash)
            with pytest.raises(OSError, match="disk full"):
                export(replica.raw, dest)
            assert [p.name for p in dest.glob(".old-*")] == [".old-000002"]
            assert (dest / ".old-000002" / "people").is_dir()  # the people as exported, aside
            monkeypatch.undo()
            with_old = read_manifest(dest)
            assert with_old is not None and with_old["batch"] == 1
            done = export(replica.raw, dest)  # the old directory put back, then redone
            assert done.repaired == 1 and done.redone == (COMMUNITY,)
            assert before != files(dest)
            assert exported(replica.raw, dest) == in_replica(replica.raw)
            assert people(replica.raw, dest) == people(replica.raw)
            assert not list(dest.glob(".old-*"))


def test_a_reply_exported_before_its_message_is_exported_again_resolved(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    replies = "SELECT source_ref, to_id IS NOT NULL, to_person, to_question FROM {} ORDER BY 1"
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        record(store, [configured(), post("b", day=2, reply_to="q", ref="answer")])
        with Replica.open(store, str(tmp_path / "r.duckdb")) as replica:
            export(replica.raw, dest)
            record(store, [post("a", day=1, ref="q", is_question=True)])  # arrives later
            replica.sync()
            done = export(replica.raw, dest)
            assert (done.redone, done.rows, done.total) == ((COMMUNITY,), 3, 3)
            got = replica.raw.execute(replies.format(read_sql(dest))).fetchall()
            assert got == replica.raw.execute(replies.format("ev")).fetchall()
            assert ("answer", True, "wechat:a", True) in got
            assert export(replica.raw, dest).rows == 0  # nothing late any more


def test_an_export_of_the_older_layout_is_written_again_whole(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        record(store, [configured(), join("li", day=0), post("li", day=0)])
        with Replica.open(store, str(tmp_path / "r.duckdb")) as replica:
            export(replica.raw, dest)
            manifest = json.loads((dest / MANIFEST).read_text())
            (dest / MANIFEST).write_text(json.dumps({**manifest, "layout": 1}))
            with pytest.raises(ValueError, match="layout 1"):
                read_manifest(dest)  # a reader of this layout refuses it
            done = export(replica.raw, dest)
            assert (done.batch, done.redone, done.rows, done.people) == (
                2, (COMMUNITY,), 3, (COMMUNITY,)
            )  # fmt: skip
            assert all("part-000002-" in f for f in files(dest) + files(dest, "people"))
            assert exported(replica.raw, dest) == in_replica(replica.raw)
            assert read_manifest(dest) is not None
