"""Worker: leases, retries and results on actions; the operator task inbox

The worker (``shequn worker``) claims due actions under a lease, retries them, and records the
platform's answer on the row; what only a person can do becomes an operator task. Existing
actions get the deterministic idempotency key ``legacy:<id>`` and run at their due time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shequn.store.tables

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _time() -> shequn.store.tables.UTCDateTime:
    return shequn.store.tables.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("actions") as b:
        b.add_column(sa.Column("idempotency_key", sa.String(length=255), nullable=True))
        b.add_column(sa.Column("target", sa.String(length=255), nullable=True))
        b.add_column(sa.Column("next_run_at", _time(), nullable=True))
        b.add_column(sa.Column("leased_until", _time(), nullable=True))
        b.add_column(sa.Column("leased_by", sa.String(length=128), nullable=True))
        b.add_column(sa.Column("last_error", sa.String(length=2048), nullable=True))
        b.add_column(sa.Column("attempt_started_at", _time(), nullable=True))
        b.add_column(sa.Column("platform_ref", sa.String(length=255), nullable=True))
        b.add_column(sa.Column("connector", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE actions SET idempotency_key = 'legacy:' || CAST(id AS VARCHAR(32)),"
        " next_run_at = due_at"
    )
    with op.batch_alter_table("actions") as b:
        b.alter_column("idempotency_key", existing_type=sa.String(length=255), nullable=False)
        b.alter_column("next_run_at", existing_type=_time(), nullable=False)
    op.create_index("ux_actions_idempotency_key", "actions", ["idempotency_key"], unique=True)
    op.create_index("ix_actions_next_run", "actions", ["status", "next_run_at"], unique=False)
    op.create_table(
        "operator_tasks",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("community_slug", sa.String(length=128), nullable=False),
        sa.Column("group_slug", sa.String(length=128), nullable=True),
        sa.Column("action_id", sa.BigInteger(), nullable=True),
        sa.Column("instruction", sa.String(length=4096), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("done_at", _time(), nullable=True),
        sa.Column("done_by", sa.String(length=128), nullable=True),
        sa.Column("note", sa.String(length=1024), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_tasks")),
        sa.UniqueConstraint("key", name=op.f("uq_operator_tasks_key")),
    )
    op.create_index(
        "ix_operator_tasks_open", "operator_tasks", ["community_slug", "status"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_operator_tasks_open", table_name="operator_tasks")
    op.drop_table("operator_tasks")
    op.drop_index("ix_actions_next_run", table_name="actions")
    op.drop_index("ux_actions_idempotency_key", table_name="actions")
    with op.batch_alter_table("actions") as b:
        for name in (
            "connector",
            "platform_ref",
            "attempt_started_at",
            "last_error",
            "leased_by",
            "leased_until",
            "next_run_at",
            "target",
            "idempotency_key",
        ):
            b.drop_column(name)
