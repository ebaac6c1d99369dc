"""Paid memberships remember a member's cancellation (``membership.cancelled``): the
membership runs to the end of its term with no more reminders, then ends as cancelled.

Empty on upgrade; ``shequn rebuild`` fills it from the log. Chained onto 0040, the newest
revision present when it was written.

Revision ID: 0050
Revises: 0040
Create Date: 2026-12-03 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shequn.store.tables

revision = "0050"
down_revision = "0040"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = shequn.store.tables.UTCDateTime(timezone=True)
    with op.batch_alter_table("paid_memberships") as batch:
        batch.add_column(sa.Column("cancelled_at", when, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("paid_memberships") as batch:
        batch.drop_column("cancelled_at")
