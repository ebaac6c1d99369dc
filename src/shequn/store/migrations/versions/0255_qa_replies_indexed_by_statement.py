"""The Q&A text index (SQLite) fed by one statement per batch for the answers replies give,
instead of the update trigger per row.

``qa_entries_au`` re-indexed each question whose answer changed: FTS5 flushes what it holds
at the end of every statement, and inside a trigger that is every row. An import's replies
answer thousands of questions (8,594 in a 300,000-message export): the trigger cost 0.73 s of
the importing process's ~8 s of CPU, about 85 µs a row (issue 22, docs/speed/import.md). The trigger
now leaves out exactly the rows the reply fold answers — an open question answered by a
reply — and ``store/qa.py`` re-indexes those rows itself after its ``UPDATE``, with one
``INSERT … SELECT`` of the old form (``'delete'``) and one of the new, as migration 0160 does
for new questions. Answers marked by a leader and repeats still go through the trigger (few).
PostgreSQL (pg_trgm indexes) is unchanged.

Chained onto 0185, the newest revision present when it was written.

Revision ID: 0255
Revises: 0185
Create Date: 2026-12-04 17:05:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0255"
down_revision = "0185"
branch_labels = None
depends_on = None

_BODY = (
    "BEGIN INSERT INTO qa_search(qa_search, rowid, question, answer) "
    "VALUES ('delete', old.id, old.question, coalesce(old.answer, '')); "
    "INSERT INTO qa_search(rowid, question, answer) "
    "VALUES (new.id, new.question, coalesce(new.answer, '')); END"
)
_TRIGGER = "CREATE TRIGGER qa_entries_au AFTER UPDATE OF question, answer ON qa_entries "


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS qa_entries_au")
        op.execute(
            _TRIGGER + "WHEN NOT (old.status = 'open' AND new.answered_by IS 'reply') " + _BODY
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS qa_entries_au")
        op.execute(_TRIGGER + _BODY)
