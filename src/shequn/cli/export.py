"""``shequn export parquet DIR``: the log as the metrics read it, as Parquet for Spark
(``analytics/parquet.py``; the layout is documented in docs/scale.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shequn.analytics.parquet import export
from shequn.analytics.replica import Replica
from shequn.cli.common import JsonFlag, echo, err, open_store, print_json, say
from shequn.model.i18n import Said

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
        with err.status(say(Said("bringing the analytics replica up to date…"))):
            replica = Replica.open(store)
        try:
            done = export(replica.raw, dest)
        finally:
            replica.close()
    if as_json:
        print_json(done)
    elif done.rows or done.people:
        wrote = Said("{dest}: batch {batch}, {rows} rows", dest=str(dest), batch=done.batch,
                     rows=done.rows)  # fmt: skip
        if done.redone:
            redone = ", ".join(done.redone)
            wrote = Said("{wrote}; written again whole: {redone}", wrote=wrote, redone=redone)
        if done.people:
            people = ", ".join(done.people)
            wrote = Said("{wrote}; people of: {people}", wrote=wrote, people=people)
        echo(Said("{wrote}; {total} in all", wrote=wrote, total=done.total))
    else:
        echo(
            Said(
                "{dest}: nothing new since batch {batch} ({total} rows)",
                dest=str(dest),
                batch=done.batch,
                total=done.total,
            )
        )
