"""``shequn export parquet DIR``: the replica's ``ev`` table as Parquet, for engines elsewhere.

When a community outgrows one machine the metrics run on Spark (``analytics/spark.py``) over
files on shared storage. This module writes them: the rows every metric reads (``ev``: people
resolved through merges, local day, typed message fields), Hive-partitioned by community and
local day — ``DIR/ev/community=<slug>/day=<YYYY-MM-DD>/part-<batch>-<n>.parquet`` — written by
DuckDB's ``COPY … (FORMAT parquet, PARTITION_BY …)``. The layout is a public interface
(docs/scale.md); :data:`COLUMNS` is its schema.

Incremental and idempotent, by the manifest ``DIR/_shequn_export.json``:

- each run is a numbered *batch* holding the rows whose id is above the manifest's
  ``watermark`` (the newest id exported); nothing new, nothing written;
- a batch's files are written under a temporary directory first, then renamed into place one
  by one, and the manifest (itself written to a temporary name and renamed) is the commit:
  files of a batch the manifest does not list — an export cut short — are deleted and the
  batch is written again;
- merges, unmerges and time-zone changes rewrite old rows of ``ev`` (``materialise``); the
  manifest keeps, per community, a fingerprint of its merges and time zone, and a community
  whose fingerprint moved is exported again whole, its directory replacing the old one; so is
  a community where a reply or reaction already exported has been resolved since to a message
  that arrived after it (its ``to_id`` above the export's watermark, ``targets.resolve``);
- an export of an older layout (fewer columns) is written again whole, community by community.
- ``people`` (identity → member, the metrics that credit an inviter named by identity read
  it) is small: a community's file ``DIR/people/community=<slug>/part-<batch>-0.parquet`` is
  written again whole when the fingerprint of its rows moved (new identities, merges).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shequn.model.i18n import Said

MANIFEST = "_shequn_export.json"
LAYOUT = 2
"""Version of the layout below; a reader refuses a manifest with a layout it does not know.
2 added ``forwarded``, ``inviter``, ``to_id``, ``to_person`` and ``to_question``."""

COLUMNS: dict[str, str] = {
    "id": "BIGINT",
    "kind": "VARCHAR",
    "occurred_at": "TIMESTAMP",
    "grp": "VARCHAR",
    "actor": "VARCHAR",
    "subject": "VARCHAR",
    "data": "VARCHAR",
    "source": "VARCHAR",
    "source_ref": "VARCHAR",
    "person": "VARCHAR",
    "subject_person": "VARCHAR",
    "local_at": "TIMESTAMP",
    "reply_to": "VARCHAR",
    "length": "BIGINT",
    "has_link": "BOOLEAN",
    "has_media": "BOOLEAN",
    "is_question": "BOOLEAN",
    "target": "VARCHAR",
    "forwarded": "BOOLEAN",
    "inviter": "VARCHAR",
    "to_id": "BIGINT",
    "to_person": "VARCHAR",
    "to_question": "BOOLEAN",
}
"""The columns inside each file (DuckDB types; ``data`` is the event's JSON as text,
timestamps are without time zone: ``occurred_at`` in UTC, ``local_at`` in the community's)."""

PARTITIONS: dict[str, str] = {"community": "VARCHAR", "day": "DATE"}
"""The partition columns, in the directory names only (Hive style), in this order."""

PEOPLE_COLUMNS: dict[str, str] = {"identity": "VARCHAR", "member": "VARCHAR"}
"""The columns of ``people``'s files (partitioned by ``community`` only): each identity seen
in the community and the member it belongs to, merges applied (itself when not merged)."""

_PEOPLE = """
SELECT of_community, count(*) || '.' || coalesce(bit_xor(hash(identity, member)), 0)
FROM people GROUP BY 1
"""
"""Per community, a fingerprint of its ``people`` rows."""

_DERIVED = """
SELECT e.community, coalesce(c.timezone, 'UTC') || ':' || coalesce((
           SELECT bit_xor(hash(p.identity, p.member)) FROM people p
           WHERE p.of_community = e.community AND p.member <> p.identity), 0)
FROM (SELECT DISTINCT community FROM ev) e LEFT JOIN communities c USING (community)
"""
"""Per community, what its old rows of ``ev`` depend on: its time zone and its merges."""

_LATE = "SELECT DISTINCT community FROM ev WHERE id <= ? AND to_id > ?"
"""Communities with rows up to the watermark resolved since to a message above it."""


@dataclass(frozen=True, slots=True)
class Exported:
    """What one export did: ``rows`` written in batch ``batch`` (0 rows: nothing new)."""

    batch: int
    rows: int
    redone: tuple[str, ...]
    """Communities written again whole (merges or a time zone changed their old rows)."""
    watermark: int
    total: int
    repaired: int
    """Leftovers of an export cut short that were removed first (files and directories)."""
    people: tuple[str, ...] = ()
    """Communities whose ``people`` file was written again (new identities, merges)."""


def read_manifest(dest: Path, *, older: bool = False) -> dict[str, Any] | None:
    """The manifest of the export in ``dest``; None when nothing was exported there yet.
    ``older``: a manifest of an older layout is accepted too (an export writes it again)."""
    path = dest / MANIFEST
    if not path.exists():
        return None
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    layout = manifest.get("layout")
    if layout != LAYOUT and not (older and isinstance(layout, int) and 0 < layout < LAYOUT):
        raise ValueError(
            Said(
                "{path}: export layout {found!r}, expected {layout}",
                path=str(path),
                found=manifest.get("layout"),
                layout=LAYOUT,
            )
        )
    return manifest


def export(con: Any, dest: Path) -> Exported:
    """Bring the Parquet export in ``dest`` up to date with the replica ``con`` (a DuckDB
    connection holding ``ev``, ``people`` and ``communities``; see the module doc)."""
    dest.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(dest, older=True) or {"batch": 0, "watermark": 0, "derived": {}}
    repaired = _repair(dest, int(manifest["batch"]))
    if manifest.get("layout", LAYOUT) < LAYOUT:  # every community and its people again
        manifest["derived"] = dict.fromkeys(manifest["derived"], "")
        manifest["people"] = {}
    if not (dest / "ev").exists():
        manifest = {"batch": int(manifest["batch"]), "watermark": 0, "derived": {}}
    if not (dest / "people").exists():
        manifest["people"] = {}
    derived = {str(c): str(f) for c, f in con.execute(_DERIVED).fetchall()}
    old: dict[str, str] = manifest["derived"]
    since = int(manifest["watermark"])
    late = {str(c) for (c,) in con.execute(_LATE, [since, since]).fetchall()}
    redo = tuple(sorted(c for c in old if derived.get(c) != old[c] or c in late))
    people = {str(c): str(f) for c, f in con.execute(_PEOPLE).fetchall()}
    seen: dict[str, str] = manifest.get("people", {})
    moved = tuple(sorted(c for c in {*people, *seen} if people.get(c) != seen.get(c)))
    top = int(con.execute("SELECT coalesce(max(id), 0) FROM ev").fetchall()[0][0])
    batch = int(manifest["batch"]) + 1
    if top <= since and not redo and not moved:
        total = int(con.execute("SELECT count(*) FROM ev WHERE id <= ?", [top]).fetchall()[0][0])
        return Exported(batch - 1, 0, (), since, total, repaired)
    staging = dest / f".tmp-{batch:06d}"
    rows = _copy(con, staging, batch, since, top, redo)
    _copy_people(con, staging / "people", batch, moved)
    _move_in(dest, staging, batch, redo, moved)
    total = int(con.execute("SELECT count(*) FROM ev WHERE id <= ?", [top]).fetchall()[0][0])
    history = [*manifest.get("batches", []), _entry(batch, since, top, rows, redo, moved)]
    _write_manifest(dest, _header(batch, top, total, derived, people, history))
    shutil.rmtree(dest / f".old-{batch:06d}", ignore_errors=True)
    return Exported(batch, rows, redo, top, total, repaired, moved)


def _copy(con: Any, staging: Path, batch: int, since: int, top: int, redo: tuple[str, ...]) -> int:
    """Write the rows ``since < id <= top``, and every row up to ``top`` of the communities
    in ``redo``, of ``ev`` under ``staging`` (partitioned)."""
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "ev").mkdir(parents=True)
    cols = ", ".join(
        f"CAST({c} AS VARCHAR) AS {c}" if c == "data" else c for c in (*COLUMNS, *PARTITIONS)
    )
    again = ", ".join("'" + c.replace("'", "''") + "'" for c in redo)
    where = f"id <= {top} AND (id > {since}" + (f" OR community IN ({again}))" if redo else ")")
    rows = int(con.execute(f"SELECT count(*) FROM ev WHERE {where}").fetchall()[0][0])  # noqa: S608
    if rows:
        target = str(staging / "ev").replace("'", "''")
        con.execute(
            f"""
            COPY (SELECT {cols} FROM ev WHERE {where} ORDER BY community, day, id)
            TO '{target}' (FORMAT parquet, PARTITION_BY (community, day),
                           FILENAME_PATTERN 'part-{batch:06d}-{{i}}', OVERWRITE_OR_IGNORE)
            """  # noqa: S608  # fixed columns, integers, quoted names, our own directory
        )
    return rows


def _copy_people(con: Any, staging: Path, batch: int, moved: tuple[str, ...]) -> None:
    """Write the ``people`` rows of the communities in ``moved`` under ``staging``, one file
    per community (partitioned like ``ev``, by ``community`` only)."""
    staging.mkdir(parents=True)
    if not moved:
        return
    names = ", ".join("'" + c.replace("'", "''") + "'" for c in moved)
    target = str(staging).replace("'", "''")
    con.execute(
        f"""
        COPY (SELECT {", ".join(PEOPLE_COLUMNS)}, of_community AS community FROM people
              WHERE of_community IN ({names}) ORDER BY community, identity)
        TO '{target}' (FORMAT parquet, PARTITION_BY (community),
                       FILENAME_PATTERN 'part-{batch:06d}-{{i}}', OVERWRITE_OR_IGNORE)
        """  # noqa: S608  # fixed columns, quoted names, our own directory
    )


def _move_in(
    dest: Path, staging: Path, batch: int, redo: tuple[str, ...], moved: tuple[str, ...]
) -> None:
    """Put a batch in place. A community in ``redo`` has its directory replaced whole (the old
    one steps aside into ``.old-<batch>`` until the manifest names this batch; :func:`_repair`
    puts it back otherwise); the other files are renamed into their partition directories one
    by one (a reader sees a partition's old files, then old plus new, never half a file).
    ``people`` directories of the communities in ``moved`` are replaced whole the same way
    (set aside in ``.old-<batch>/people``)."""
    table, aside = dest / "ev", dest / f".old-{batch:06d}"
    table.mkdir(exist_ok=True)
    for community in sorted((staging / "ev").iterdir()):
        if _value(community.name) in redo:
            _replace(community, table / community.name, aside / community.name)
            continue
        for src in sorted(community.rglob("*.parquet")):
            target = table / src.relative_to(staging / "ev")
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, target)
    (dest / "people").mkdir(exist_ok=True)
    written = {_value(d.name): d for d in (staging / "people").iterdir()}
    for name in moved:
        current = _partition(dest / "people", name)
        _replace(written.get(name), current, aside / "people" / current.name)
    shutil.rmtree(staging)


def _partition(table: Path, community: str) -> Path:
    """The directory of ``community`` in ``table`` (its Hive name as DuckDB writes it)."""
    for d in table.iterdir() if table.exists() else ():
        if _value(d.name) == community:
            return d
    return table / f"community={community}"


def _replace(new: Path | None, current: Path, aside: Path) -> None:
    """Put directory ``new`` (None: nothing) where ``current`` is, ``current`` set aside."""
    if current.exists():
        aside.parent.mkdir(parents=True, exist_ok=True)
        os.replace(current, aside)
    if new is not None:
        os.replace(new, current)


def _value(directory: str) -> str:
    """The partition value in a Hive directory name (``community=<value>``)."""
    from urllib.parse import unquote

    return unquote(directory.partition("=")[2])


def _repair(dest: Path, batch: int) -> int:
    """Undo what an export cut short left behind; the number of things removed or restored.

    The manifest's ``batch`` is the last finished one: staging directories go; files of a later
    batch inside ``ev`` go; communities set aside by a later batch are put back."""
    done = 0
    for leftover in sorted(dest.glob(".tmp-*")):
        shutil.rmtree(leftover)
        done += 1
    table = dest / "ev"
    for old in sorted(dest.glob(".old-*")):
        if int(old.name[5:]) > batch:  # not committed: the communities set aside are current
            aside = [(c, table) for c in old.iterdir() if c.name != "people"]
            if (old / "people").exists():
                aside += [(c, dest / "people") for c in (old / "people").iterdir()]
            for community, into in aside:
                shutil.rmtree(into / community.name, ignore_errors=True)
                os.replace(community, into / community.name)
        shutil.rmtree(old)
        done += 1
    for path in (p for t in (table, dest / "people") if t.exists() for p in t.rglob("part-*")):
        if int(path.name.split("-")[1]) > batch:
            path.unlink()
            done += 1
    return done


def _entry(
    batch: int, since: int, top: int, rows: int, redo: tuple[str, ...], moved: tuple[str, ...]
) -> dict[str, Any]:
    return {
        "batch": batch,
        "after_id": since,
        "to_id": top,
        "rows": rows,
        "redone": list(redo),
        "people": list(moved),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _header(
    batch: int,
    top: int,
    total: int,
    derived: dict[str, str],
    people: dict[str, str],
    history: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "layout": LAYOUT,
        "table": "ev",
        "partitions": PARTITIONS,
        "columns": COLUMNS,
        "people_columns": PEOPLE_COLUMNS,
        "batch": batch,
        "watermark": top,
        "rows": total,
        "derived": derived,
        "people": people,
        "batches": history,
    }


def _write_manifest(dest: Path, manifest: dict[str, Any]) -> None:
    tmp = dest / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, dest / MANIFEST)


def read_sql(dest: Path, table: str = "ev") -> str:
    """A DuckDB ``FROM`` clause reading ``table`` (``ev`` or ``people``) of the export in
    ``dest`` back with its columns and its partition columns."""
    glob = str(dest / table / "**" / "*.parquet").replace("'", "''")
    parts = PARTITIONS if table == "ev" else {"community": "VARCHAR"}
    types = ", ".join(f"'{k}': {v}" for k, v in parts.items())
    return f"read_parquet('{glob}', hive_partitioning = true, hive_types = {{{types}}})"
