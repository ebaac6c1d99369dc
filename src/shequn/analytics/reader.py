"""Reading the store as Arrow: several queries, one connection, record batches out.

PostgreSQL is read in-process through ADBC. SQLite is read by ADBC in a child process that
streams Arrow IPC back over a pipe: the SQLite ADBC driver carries its own copy of SQLite, and
two copies of SQLite in one process break each other's POSIX file locks (closing one copy's
file descriptor drops the other's locks; "disk I/O error" follows).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Generator, Iterator, Sequence
from typing import Any

from sqlalchemy.engine import URL, make_url

from shequn.model.i18n import Said

Query = tuple[str, int | None]  # SQL with "{p}" for the one optional integer parameter
Tables = Iterator[Any]  # pyarrow.Table per record batch

_SQLITE_CHILD = """
import json, sys
import adbc_driver_sqlite.dbapi as adbc
import pyarrow as pa
path, queries = sys.argv[1], json.loads(sys.argv[2])
conn = adbc.connect(path)
for sql, param in queries:
    cur = conn.cursor()
    cur.execute(sql, parameters=(param,) if param is not None else None)
    reader = cur.fetch_record_batch()
    with pa.ipc.new_stream(sys.stdout.buffer, reader.schema) as out:
        for batch in reader:
            out.write_batch(batch)
    cur.close()
conn.close()
"""


def read_all(url: URL, queries: Sequence[Query]) -> Generator[Tables, None, None]:
    """Yield, for each query in order, an iterator of its result tables. Consume each one
    fully (or not at all) before moving to the next."""
    if url.get_backend_name() == "sqlite":
        yield from _sqlite(url.database or ":memory:", queries)
    else:
        yield from _postgres(url, queries)


def _postgres(url: URL, queries: Sequence[Query]) -> Generator[Tables, None, None]:
    import adbc_driver_postgresql.dbapi as adbc

    plain = make_url(url).set(drivername="postgresql")
    conn = adbc.connect(plain.render_as_string(hide_password=False))
    try:
        for sql, param in queries:
            cur = conn.cursor()
            cur.execute(
                sql.replace("{p}", "$1"), parameters=(param,) if param is not None else None
            )
            yield _tables(cur.fetch_record_batch())
            cur.close()
    finally:
        conn.close()


def _sqlite(path: str, queries: Sequence[Query]) -> Generator[Tables, None, None]:
    import json

    import pyarrow as pa

    plain = [(sql.replace("{p}", "?"), param) for sql, param in queries]
    proc = subprocess.Popen(  # noqa: S603  # our own interpreter and script, no shell
        [sys.executable, "-c", _SQLITE_CHILD, path, json.dumps(plain)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None  # noqa: S101  # PIPEs asked
    abandoned = False
    try:
        for _ in plain:
            try:
                reader = pa.ipc.open_stream(proc.stdout)
            except pa.ArrowInvalid:
                break  # the child failed; its stderr says why (below)
            yield _tables(reader)
            for _rest in reader:  # drain what the caller did not read
                pass
    except GeneratorExit:
        abandoned = True  # the caller stopped early: end the child quietly
        proc.kill()
        raise
    finally:
        proc.stdout.close()
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        if proc.wait() != 0 and not abandoned:
            raise RuntimeError(
                Said("reading the SQLite store for analytics failed: {error}", error=err.strip())
            )


def _tables(reader: Any) -> Tables:
    import pyarrow as pa

    for batch in reader:
        if batch.num_rows:
            yield pa.Table.from_batches([batch])
