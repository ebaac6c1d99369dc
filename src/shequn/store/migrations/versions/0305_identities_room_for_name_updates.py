"""Identities on PostgreSQL: room on each page for the display names' updates.

Every batch of an import moves each speaker's ``display_name`` / ``name_at`` on (the newest
name and when it was seen: ``store/identity_projection.write_names``), ~46,000 updates for
2,000 people per 300,000 messages. Neither column is indexed, so PostgreSQL can update a row
in place (a HOT update, no index entries) — but only when its page has room for the new
version. Packed full (fillfactor 100), two thirds of the updates moved to another page and
wrote an entry into each of the table's six indexes: ~25 µs a row of the server's time.
With half of each page left free the old version is pruned and the new one fits: all HOT,
the updates' server time 1.1-1.2 s → 0.22-0.24 s per 300,000 messages, the table and its
indexes 5.9 → 1.0 MB (issue 22, session 36). People are few beside events, so the room costs
little. Pages written before keep their packing until their rows are updated once. SQLite
has no such setting (it rewrites a row in place).

Revision ID: 0305
Revises: 0300
Create Date: 2026-12-05 01:45:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0305"
down_revision = "0300"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE identities SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE identities RESET (fillfactor)")
