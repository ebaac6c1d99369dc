"""The door's reason in every language: ``entries.reason_said`` keeps the message id and
arguments of an ``entry.decided`` reason (``i18n.said_payload``) beside its English, so the
dashboard shows a Chinese community why a newcomer waits in Chinese. Rows decided before it
keep their English (NULL here).

Chained onto 0081, the newest revision present when it was written.

Revision ID: 0082
Revises: 0081
Create Date: 2026-12-03 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shequn.store.tables

revision = "0082"
down_revision = "0081"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entries") as batch:
        batch.add_column(sa.Column("reason_said", shequn.store.tables.Json, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("entries") as batch:
        batch.drop_column("reason_said")
