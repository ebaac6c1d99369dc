"""The Q&A text index (SQLite) fed by one statement per batch instead of a trigger per row.

``qa_entries_ai`` indexed each new question as it was inserted. FTS5 flushes what it holds
at the end of every statement, and inside a trigger that is every row: on a 200,000-message
import (50,336 questions) the trigger cost 1.5 s of CPU where one ``INSERT … SELECT`` of the
batch's new rows costs 0.23 s (issue 22, docs/speed/import.md). ``store/qa.py``, the only writer of
``qa_entries``, now indexes the rows it inserted in the same transaction; the update and
delete triggers stay (updates are few). PostgreSQL (pg_trgm indexes) is unchanged.

Chained onto 0130, the newest revision present when it was written.

Revision ID: 0160
Revises: 0130
Create Date: 2026-12-04 03:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0160"
down_revision = "0130"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS qa_entries_ai")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER qa_entries_ai AFTER INSERT ON qa_entries BEGIN "
            "INSERT INTO qa_search(rowid, question, answer) "
            "VALUES (new.id, new.question, coalesce(new.answer, '')); END"
        )
