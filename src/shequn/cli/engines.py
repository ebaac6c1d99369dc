"""Where ``shequn report`` and ``shequn metrics`` compute: the DuckDB replica (default) or
Spark over a Parquet export (``--engine spark --parquet DIR [--master URL]``; docs/scale.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from shequn.analytics.replica import Replica
from shequn.analytics.scope import Scope
from shequn.cli.common import err, open_store, pick_community, say
from shequn.errors import ShequnError
from shequn.model.i18n import Said

ENGINES = ("duckdb", "spark")


@contextmanager
def replica_scope(
    community: str | None, group: str | None, since: datetime | None, until: datetime | None
) -> Iterator[tuple[Any, Scope]]:
    """Open the store, bring the analytics replica up to date, and resolve the scope."""
    with open_store() as store:
        community = pick_community(store, community)
        with err.status(say(Said("bringing the analytics replica up to date…"))):
            replica = Replica.open(store)
        try:
            yield (
                replica.con,
                Scope(
                    community,
                    group,
                    since.date() if since else None,
                    until.date() if until else None,
                ),
            )
        finally:
            replica.close()


EngineOpt = Annotated[
    str,
    typer.Option(
        help="Where to compute: duckdb (the analytics replica, default) or spark (over a "
        "Parquet export, --parquet; docs/scale.md)."
    ),
]
ParquetOpt = Annotated[
    Path | None,
    typer.Option(
        file_okay=False, help="The directory of `shequn export parquet` (--engine spark)."
    ),
]
MasterOpt = Annotated[
    str, typer.Option(help="Spark master URL (--engine spark): local[N], spark://host:port, yarn…")
]


@contextmanager
def spark_scope(
    parquet: Path | None,
    master: str,
    community: str | None,
    group: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Iterator[tuple[Any, Scope]]:
    """A Spark session over the export in ``parquet`` and the scope; the community is the
    export's only one when not given."""
    from shequn.analytics.parquet import read_manifest
    from shequn.analytics.spark import SparkEngine  # lazy: PySpark is optional

    if parquet is None:
        raise ShequnError(
            Said("--engine spark reads a Parquet export: give --parquet DIR"), field="parquet"
        )
    known = sorted((read_manifest(parquet) or {}).get("derived", {}))
    if community is None:
        if len(known) != 1:
            raise ShequnError(
                Said("the export holds {n} communities: pick one with --community", n=len(known)),
                field="community",
                choices=known,
            )
        community = known[0]
    with err.status(say(Said("starting Spark ({master})…", master=master))):
        engine = SparkEngine.open(parquet, master)
    try:
        yield (
            engine,
            Scope(
                community, group, since.date() if since else None, until.date() if until else None
            ),
        )
    finally:
        engine.close()


def open_engine(
    engine: str,
    metric: str | None,
    parquet: Path | None,
    master: str,
    community: str | None,
    group: str | None,
    since: datetime | None,
    until: datetime | None,
) -> AbstractContextManager[tuple[Any, Scope]]:
    """The connection ``engine`` names and the scope; on Spark, ``metric`` (None: the
    report) must be portable (``analytics/portable.PORTABLE``)."""
    if engine == "duckdb":
        return replica_scope(community, group, since, until)
    if engine != "spark":
        raise ShequnError(
            Said("unknown engine {engine}", engine=repr(engine)), field="engine", choices=ENGINES
        )
    from shequn.analytics.portable import PORTABLE

    if metric is not None and metric not in PORTABLE:
        raise ShequnError(
            Said(
                "{metric} runs on DuckDB only so far; on Spark: {portable}",
                metric=metric,
                portable=", ".join(PORTABLE),
            ),
            field="engine",
        )
    return spark_scope(parquet, master, community, group, since, until)
