"""The Q&A knowledge base: the projection of questions and answers, and its full-text index

SQLite: ``qa_search``, an FTS5 table with the trigram tokenizer (substring search that works for
Chinese, which has no spaces) over the question and the answer, kept in step with
``qa_entries`` by triggers. PostgreSQL: pg_trgm GIN indexes on both columns (``ILIKE`` uses
them). Empty on upgrade; ``shequn rebuild`` fills it from the log's questions.

Revision ID: 0040
Revises: 0013
Create Date: 2026-12-03 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shequn.store.tables

revision = "0040"
down_revision = "0013"
branch_labels = None
depends_on = None

_SQLITE = (
    "CREATE VIRTUAL TABLE qa_search USING fts5(question, answer, content='qa_entries', "
    "content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER qa_entries_ai AFTER INSERT ON qa_entries BEGIN "
    "INSERT INTO qa_search(rowid, question, answer) "
    "VALUES (new.id, new.question, coalesce(new.answer, '')); END",
    "CREATE TRIGGER qa_entries_ad AFTER DELETE ON qa_entries BEGIN "
    "INSERT INTO qa_search(qa_search, rowid, question, answer) "
    "VALUES ('delete', old.id, old.question, coalesce(old.answer, '')); END",
    "CREATE TRIGGER qa_entries_au AFTER UPDATE OF question, answer ON qa_entries BEGIN "
    "INSERT INTO qa_search(qa_search, rowid, question, answer) "
    "VALUES ('delete', old.id, old.question, coalesce(old.answer, '')); "
    "INSERT INTO qa_search(rowid, question, answer) "
    "VALUES (new.id, new.question, coalesce(new.answer, '')); END",
)
_POSTGRES = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_qa_entries_question_trgm ON qa_entries USING gin (question gin_trgm_ops)",
    "CREATE INDEX ix_qa_entries_answer_trgm ON qa_entries USING gin (answer gin_trgm_ops)",
)


def upgrade() -> None:
    when = shequn.store.tables.UTCDateTime(timezone=True)
    op.create_table(
        "qa_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("question_ref", sa.String(length=512), nullable=False),
        sa.Column("asker", sa.String(length=255), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asked_at", when, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answerer", sa.String(length=255), nullable=True),
        sa.Column("answer_ref", sa.String(length=512), nullable=True),
        sa.Column("answered_at", when, nullable=True),
        sa.Column("answered_by", sa.String(length=16), nullable=True),
        sa.Column("same_as", sa.String(length=512), nullable=True),
        sa.Column("surfaced_at", when, nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_qa_entries_community_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_qa_entries_group_id_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_entries")),
        sa.UniqueConstraint("community_id", "question_ref", name="uq_qa_entries_question"),
    )
    for statement in _SQLITE if op.get_bind().dialect.name == "sqlite" else _POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE qa_search")
    op.drop_table("qa_entries")
