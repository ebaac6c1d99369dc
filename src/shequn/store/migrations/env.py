"""Alembic environment: runs on the connection shequn hands it (see store/db.py)."""

from __future__ import annotations

from alembic import context

from shequn.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via `alembic` CLI without shequn
    raise RuntimeError("run migrations with `shequn db upgrade`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
