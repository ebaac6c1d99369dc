"""Metrics on Apache Spark, over the Parquet export (``shequn … --engine spark``).

:class:`SparkEngine` answers the two calls metrics make of a connection — ``execute(sql,
params)`` and ``fetchall()`` on the result — with a Spark session in which ``ev`` is a view of
the export written by ``shequn export parquet`` (``analytics/parquet.py``). Portable metrics
(``analytics/portable.py``) compile their one Ibis definition to Spark SQL for it
(``dialect``). The session runs in UTC, like the replica: the export's timestamps carry no
time zone, and local days are already in the ``day`` partition.

PySpark is an optional dependency (``pip install 'shequn[spark]'``, Java 17+); it is imported
only here, when an engine is opened.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from shequn.analytics.parquet import COLUMNS, PARTITIONS, PEOPLE_COLUMNS, read_manifest
from shequn.analytics.results import Rows
from shequn.errors import ShequnError
from shequn.model.i18n import Said

CONFIG: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.showConsoleProgress": "false",
    # list a partitioned export's files on the driver, not with a Spark job per listing
    "spark.sql.sources.parallelPartitionDiscovery.threshold": "100000",
}
"""Settings for every session; ``spark.sql.shuffle.partitions`` suits a small local master —
pass more (``config``) on a cluster."""

_TYPES = {"VARCHAR": "STRING", "TIMESTAMP": "TIMESTAMP_NTZ"}
SCHEMA = ", ".join(f"{c} {_TYPES.get(t, t)}" for c, t in {**COLUMNS, **PARTITIONS}.items())
"""The export's columns in Spark's DDL (partition columns last, typed here, not guessed)."""
PEOPLE_SCHEMA = ", ".join(f"{c} STRING" for c in (*PEOPLE_COLUMNS, "community"))

LOCAL: dict[str, str] = {
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
}
"""Extra settings for a ``local[…]`` master: the driver listens on loopback only."""


_ANSWERS: dict[tuple[str, int, str, tuple[Any, ...]], list[tuple[Any, ...]]] = {}
"""Results of queries already run in this process, by (export, its batch, SQL, parameters):
an export's batch is immutable, so the same question over it has the same answer. Metrics
ask the same things many times (every metric its as-of day; a report, the as-of day and the
first joins in several sections), and each Spark query costs a second or more of scheduling
even on a tiny table. Bounded: the oldest answers go first."""
ANSWERS_KEPT = 512


class SparkEngine:
    """A Spark session reading one Parquet export as ``ev``; close it when done."""

    dialect = "pyspark"

    def __init__(self, session: Any, export: Path, *, owned: bool = True) -> None:
        self.session, self.export = session, export
        self.owned = owned
        """Whether :meth:`close` stops the session (not one this process had already)."""
        self.batch = -1
        """The export batch ``ev`` was attached at (answers are reused within it)."""

    @classmethod
    def open(
        cls,
        export: Path,
        master: str = "local[2]",
        config: dict[str, str] | None = None,
        *,
        cache: bool = False,
    ) -> SparkEngine:
        """A session on ``master`` (``local[N]``, ``spark://host:port``, ``yarn``…) with the
        export in directory ``export`` as ``ev``; ``cache`` keeps ``ev`` in the executors'
        memory once read (several metrics over one export: a report, a test)."""
        if read_manifest(export) is None:
            raise ShequnError(
                Said(
                    "{path} holds no shequn export: run `shequn export parquet {path}` first",
                    path=str(export),
                ),
                field="parquet",
            )
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise ShequnError(
                Said("the Spark engine needs PySpark: pip install 'shequn[spark]' (and Java 17+)"),
                field="engine",
            ) from None
        local = master.startswith("local")
        if local:
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        owned = SparkSession.getActiveSession() is None
        builder = SparkSession.builder.master(master).appName("shequn")
        for key, value in {**CONFIG, **(LOCAL if local else {}), **(config or {})}.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        engine = cls(session, export, owned=owned)
        engine.attach()
        if cache:
            session.catalog.cacheTable("ev")
        return engine

    def attach(self) -> None:
        """(Re)define ``ev`` and ``people`` (its partition column named ``of_community``, as
        in the replica) over the export as it is now (call after another export run)."""
        self.batch = int((read_manifest(self.export) or {}).get("batch", -1))  # before listing
        self._files("ev", SCHEMA).createOrReplaceTempView("ev")
        people = self._files("people", PEOPLE_SCHEMA)
        people.selectExpr("community AS of_community", *PEOPLE_COLUMNS).createOrReplaceTempView(
            "people"
        )

    def _files(self, name: str, schema: str) -> Any:
        """Table ``name`` of the export as a DataFrame (partition discovery, typed schema)."""
        table = self.export / name
        table.mkdir(exist_ok=True)  # an export of an empty log has no files yet
        files = self.session.read.schema(schema).option("basePath", str(table))
        return files.parquet(str(table))

    def execute(self, sql: str, params: Any = None) -> Rows:
        """Run ``sql`` (Spark SQL; ``?`` placeholders bound to ``params`` in order); the same
        query over the same export batch is answered from :data:`_ANSWERS`."""
        args = list(params) if params else None
        key = (str(self.export.resolve()), self.batch, sql, tuple(args or ()))
        if key not in _ANSWERS:
            while len(_ANSWERS) >= ANSWERS_KEPT:
                del _ANSWERS[next(iter(_ANSWERS))]
            _ANSWERS[key] = [tuple(r) for r in self.session.sql(sql, args=args).collect()]
        return Rows(list(_ANSWERS[key]))

    def forget(self) -> None:
        """Drop every answer kept in this process (a benchmark timing the queries again)."""
        _ANSWERS.clear()

    def close(self) -> None:
        if self.owned:
            self.session.stop()

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
