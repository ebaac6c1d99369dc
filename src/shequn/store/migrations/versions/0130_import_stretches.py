"""Stretches of exports already imported: the re-import quick check (``store/import_stretches.py``).

One row per stretch of an export (a few MB of whole messages) whose events are all in the
log: its digest, and the account of it the import summary needs (records, events, people …),
so a second import of the same bytes recognises the stretch without parsing it. Issue 22.

Chained onto 0090, the newest revision present when it was written.

Revision ID: 0130
Revises: 0090
Create Date: 2026-12-03 22:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0130"
down_revision = "0090"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_stretches",
        sa.Column("community_slug", sa.String(128), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("account", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("community_slug", "digest"),
    )


def downgrade() -> None:
    op.drop_table("import_stretches")
