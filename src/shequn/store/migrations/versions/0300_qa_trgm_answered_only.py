"""Q&A text index on PostgreSQL: answered questions only.

The one read that searches the questions' and answers' text (``store/qa.candidates``: the
knowledge base a new question is matched against) asks for answered entries only, yet the
pg_trgm GIN indexes of migration 0040 held every question: each imported question's
trigrams went into the index, ~70 µs a row of the server's time, though most stay open and
are never searched (an import of 100,000 Telegram messages asks ~25,000, ~3,000 of them
answered). Partial indexes ``WHERE status = 'answered'`` hold just what the read looks
for; a question enters them when it is answered. Issue 22, session 35. SQLite (FTS5) is
unchanged.

Revision ID: 0300
Revises: 0265
Create Date: 2026-12-04 22:45:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0300"
down_revision = "0265"
branch_labels = None
depends_on = None

_COLUMNS = ("question", "answer")


def _rebuild(where: str) -> None:
    """Each text index dropped and made again, over the rows ``where`` keeps."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in _COLUMNS:
        op.execute(f"DROP INDEX ix_qa_entries_{column}_trgm")
        op.execute(
            f"CREATE INDEX ix_qa_entries_{column}_trgm ON qa_entries"
            f" USING gin ({column} gin_trgm_ops){where}"
        )


def upgrade() -> None:
    _rebuild(" WHERE status = 'answered'")


def downgrade() -> None:
    _rebuild("")
