"""An action's last error in every language: ``actions.last_error_said`` keeps the message id
and arguments of the worker's reason (``i18n.said_payload``) beside its English
``last_error``, so ``shequn actions``, the dashboard's actions page and the worker's log show
a Chinese community why an action failed in Chinese. Rows failed before it keep their English
(NULL here), and ``last_error`` stays English for ``--json`` and API clients.

Chained onto 0180, the newest revision present when it was written.

Revision ID: 0185
Revises: 0180
Create Date: 2026-12-04 05:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shequn.store.tables

revision = "0185"
down_revision = "0180"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("actions") as batch:
        batch.add_column(sa.Column("last_error_said", shequn.store.tables.Json, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("last_error_said")
