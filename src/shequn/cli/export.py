"""``shequn export parquet DIR``: the log as the metrics read it, as Parquet for Spark
(``analytics/parquet.py``; the layout is documented in docs/scale.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shequn.analytics.parquet import export
from shequn.analytics.replica import Replica
from shequn.cli.common import JsonFlag, err, open_store, print_json

export_app = typer.Typer(help="Export the log for other engines.", no_args_is_help=True)


@export_app.command("parquet")
def export_parquet(
    dest: Annotated[Path, typer.Argument(file_okay=False, help="Directory of the export.")],
    as_json: JsonFlag = False,
) -> None:
    """Write the analytics replica's rows (people resolved, local days) as Parquet partitioned
    by community and day. Incremental and safe to repeat: only events newer than the last
    export are written; an export cut short is detected and done again."""
    with open_store() as store:
        with err.status("bringing the analytics replica up to date…"):
            replica = Replica.open(store)
        try:
            done = export(replica.raw, dest)
        finally:
            replica.close()
    if as_json:
        print_json(done)
    elif done.rows or done.people:
        again = f"; written again whole: {', '.join(done.redone)}" if done.redone else ""
        people = f"; people of: {', '.join(done.people)}" if done.people else ""
        typer.echo(
            f"{dest}: batch {done.batch}, {done.rows} rows{again}{people}; {done.total} in all"
        )
    else:
        typer.echo(f"{dest}: nothing new since batch {done.batch} ({done.total} rows)")
