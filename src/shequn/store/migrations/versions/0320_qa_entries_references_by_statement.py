"""Q&A entries on PostgreSQL: their community and group checked once per statement.

The foreign keys of ``qa_entries`` (``community_id`` → communities, ``group_id`` → groups)
check each inserted row on its own: two trigger calls a row, each a ``SELECT … FOR KEY
SHARE`` of the referenced row. An import inserts its new questions by the thousand in one
statement (``store/qa._ask``), and the two checks were more than half of that insert's time
on the server: EXPLAIN ANALYZE of 2,000 new questions into 75,353, 39-43 ms with the foreign
keys against 17-19 ms without (issue 22; session 36 found it, session 37 "pgimport4" in
docs/speed/import.md measured this replacement).

The same integrity, kept by the database for every writer, in set-based triggers:

- after each ``INSERT`` into ``qa_entries`` (one call per statement, its rows as a transition
  table): the communities and groups the new rows name are locked ``FOR KEY SHARE`` (as the
  foreign keys' checks locked them: a concurrent delete of one waits for this transaction),
  then a row naming a community or a group that does not exist fails the statement with
  ``foreign_key_violation`` (SQLSTATE 23503, as before);
- an ``UPDATE`` that sets ``community_id`` or ``group_id`` checks each changed row the same way
  (nothing updates them today; the answers' updates set other columns, so it never fires for
  them);
- deleting a community or a group, or changing its id, while a Q&A entry names it fails as the
  foreign keys' ``NO ACTION`` did. ``TRUNCATE`` of either is refused by their other foreign
  keys unless the referencing tables go in the same statement (``rebuild`` truncates them all).

What is not the same: the foreign keys' delete-side check reads with a snapshot that sees rows
committed meanwhile even in a ``REPEATABLE READ`` transaction; the delete triggers here read
with the statement's own snapshot. A repeatable-read transaction deleting a group while
another inserts a question for it could leave a dangling ``group_id``. shequn never deletes
communities or groups, and its writers run at ``READ COMMITTED`` (where the trigger's query,
run after the delete's wait for the inserter's lock, sees the committed row). SQLite keeps
its foreign keys (nothing to gain there: its checks are not the import's cost).

Revision ID: 0320
Revises: 0310
Create Date: 2026-12-05 04:40:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0320"
down_revision = "0310"
branch_labels = None
depends_on = None

_FOREIGN_KEYS = (
    ("fk_qa_entries_community_id_communities", "community_id", "communities"),
    ("fk_qa_entries_group_id_groups", "group_id", "groups"),
)

_CHECK_NEW = """
CREATE FUNCTION qa_entries_references_exist() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM communities WHERE id IN (SELECT community_id FROM qa_new)
        ORDER BY id FOR KEY SHARE;
    PERFORM 1 FROM groups WHERE id IN (SELECT group_id FROM qa_new) ORDER BY id FOR KEY SHARE;
    IF EXISTS (
        SELECT 1 FROM (SELECT DISTINCT community_id, group_id FROM qa_new) AS n
        WHERE NOT EXISTS (SELECT 1 FROM communities AS c WHERE c.id = n.community_id)
           OR (n.group_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM groups AS g WHERE g.id = n.group_id))
    ) THEN
        RAISE EXCEPTION 'a Q&A entry names a community or group that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$"""
_CHECK_ROW = """
CREATE FUNCTION qa_entry_references_exist() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM communities WHERE id = NEW.community_id FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'a Q&A entry names a community that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF NEW.group_id IS NOT NULL THEN
        PERFORM 1 FROM groups WHERE id = NEW.group_id FOR KEY SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'a Q&A entry names a group that does not exist'
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END IF;
    RETURN NULL;
END
$$"""
_STILL_NAMED = """
CREATE FUNCTION qa_entries_still_name_it() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        RETURN NULL;
    END IF;
    IF (TG_TABLE_NAME = 'communities'
            AND EXISTS (SELECT 1 FROM qa_entries WHERE community_id = OLD.id))
       OR (TG_TABLE_NAME = 'groups'
            AND EXISTS (SELECT 1 FROM qa_entries WHERE group_id = OLD.id)) THEN
        RAISE EXCEPTION 'Q&A entries still name this community or group'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$"""
_TRIGGERS = (
    "CREATE TRIGGER qa_entries_references AFTER INSERT ON qa_entries "
    "REFERENCING NEW TABLE AS qa_new FOR EACH STATEMENT "
    "EXECUTE FUNCTION qa_entries_references_exist()",
    "CREATE TRIGGER qa_entry_references AFTER UPDATE OF community_id, group_id ON qa_entries "
    "FOR EACH ROW WHEN (NEW.community_id IS DISTINCT FROM OLD.community_id "
    "OR NEW.group_id IS DISTINCT FROM OLD.group_id) "
    "EXECUTE FUNCTION qa_entry_references_exist()",
    "CREATE TRIGGER qa_entries_name_it AFTER DELETE OR UPDATE OF id ON communities "
    "FOR EACH ROW EXECUTE FUNCTION qa_entries_still_name_it()",
    "CREATE TRIGGER qa_entries_name_it AFTER DELETE OR UPDATE OF id ON groups "
    "FOR EACH ROW EXECUTE FUNCTION qa_entries_still_name_it()",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _column, _table in _FOREIGN_KEYS:
        op.execute(f"ALTER TABLE qa_entries DROP CONSTRAINT {name}")
    for statement in (_CHECK_NEW, _CHECK_ROW, _STILL_NAMED, *_TRIGGERS):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER qa_entries_references ON qa_entries")
    op.execute("DROP TRIGGER qa_entry_references ON qa_entries")
    op.execute("DROP TRIGGER qa_entries_name_it ON communities")
    op.execute("DROP TRIGGER qa_entries_name_it ON groups")
    for function in ("qa_entries_references_exist", "qa_entry_references_exist",
                     "qa_entries_still_name_it"):  # fmt: skip
        op.execute(f"DROP FUNCTION {function}()")
    for name, column, table in _FOREIGN_KEYS:
        op.execute(
            f"ALTER TABLE qa_entries ADD CONSTRAINT {name} "
            f"FOREIGN KEY ({column}) REFERENCES {table} (id)"
        )
