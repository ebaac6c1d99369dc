"""Each group's taken seats kept in ``groups.seats_taken`` by triggers, so the door reads them
in one row instead of counting them.

The seats taken are the group's active memberships plus its entries that hold a seat
(``queued`` / ``admitted``: promised a place, not arrived yet). The door reads them at every
knock; counted, that read grows with the group (every active membership of the knock's
groups, each knock) and, on PostgreSQL, its plan depends on statistics that a young store does
not have yet — 0.45 ms a knock with statistics, 3.1–3.6 ms without (issue 22, session 36).

Triggers rather than the projections' code, because every writer of those two tables must
keep the count — the live append, the import's bulk batches (PostgreSQL's ``COPY`` fires row
triggers too), merges, seat expiry, ``rebuild`` — and a trigger cannot be forgotten by the
next one. SQLite: row triggers, each firing only when a row's seat moves (its ``WHEN``), so
an update of other columns costs nothing. PostgreSQL: statement triggers over the
statement's rows (transition tables), one update of a group's row per statement — a row
trigger there made a statement that moves many seats of one group quadratic (each update
walks the row's versions written before it in the transaction: 10,000 seats in one statement
5.9 s against 0.18 s now). ``rebuild`` empties ``groups`` with the rest and replays, so the
count is rebuilt with it (tests/test_group_seats.py: counter = counted after joins, leaves, bans,
expiry, admissions, merges and a rebuild, on both stores).

Revision ID: 0310
Revises: 0305
Create Date: 2026-12-05 04:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0310"
down_revision = "0305"
branch_labels = None
depends_on = None

_ACTIVE = "{row}.status = 'active'"
_SEATED = "{row}.status IN ('queued', 'admitted') AND {row}.group_id IS NOT NULL"
# (table, whether a row holds a seat): ``SEATED`` of store/growth.py for entries.
_TABLES = (("group_memberships", _ACTIVE), ("entries", _SEATED))

_FILL = (
    "UPDATE groups SET seats_taken ="
    " (SELECT count(*) FROM group_memberships m"
    "  WHERE m.group_id = groups.id AND m.status = 'active')"
    " + (SELECT count(*) FROM entries e"
    "  WHERE e.group_id = groups.id AND e.status IN ('queued', 'admitted'))"
)


def _when(seated: str, op_: str) -> str:
    """The condition under which a row's change moves a seat."""
    old, new = seated.format(row="OLD"), seated.format(row="NEW")
    if op_ == "INSERT":
        return new
    if op_ == "DELETE":
        return old
    return (
        f"(coalesce({old}, false) <> coalesce({new}, false))"
        f" OR (({new}) AND OLD.group_id <> NEW.group_id)"
    )


def _sqlite(table: str, seated: str) -> list[str]:
    minus = "UPDATE groups SET seats_taken = seats_taken - 1 WHERE id = OLD.group_id"
    plus = "UPDATE groups SET seats_taken = seats_taken + 1 WHERE id = NEW.group_id"
    old, new = seated.format(row="OLD"), seated.format(row="NEW")
    return [
        f"CREATE TRIGGER {table}_seats_ai AFTER INSERT ON {table}"
        f" WHEN {_when(seated, 'INSERT')} BEGIN {plus}; END",
        f"CREATE TRIGGER {table}_seats_ad AFTER DELETE ON {table}"
        f" WHEN {_when(seated, 'DELETE')} BEGIN {minus}; END",
        f"CREATE TRIGGER {table}_seats_au AFTER UPDATE OF status, group_id ON {table}"
        f" WHEN {_when(seated, 'UPDATE')} BEGIN"
        f" {minus} AND {old}; {plus} AND {new}; END",
    ]


def _postgres(table: str, seated: str) -> list[str]:
    # Per statement, over the statement's rows (transition tables): one update of each
    # group's row per statement, not per row. PostgreSQL writes a new version of a row at
    # each update, and a transaction that updates one row again and again walks the chain of
    # its own versions each time: 10,000 memberships of one group inserted in one statement
    # took 5.9 s with a row trigger against 0.44 s without (40,000: 57 s), where a rebuild or
    # an import's batch moves many seats of one group at once.
    fn = f"{table}_seats"
    old, new = seated.format(row="o"), seated.format(row="n")
    moved = (
        "UPDATE groups g SET seats_taken = g.seats_taken + d.n FROM (SELECT group_id,"
        " sum(n) AS n FROM ({}) x GROUP BY group_id) d WHERE g.id = d.group_id AND d.n <> 0;"
    )
    plus = f"SELECT n.group_id, 1 AS n FROM new_rows n WHERE {new}"  # noqa: S608  # fixed text
    minus = f"SELECT o.group_id, -1 AS n FROM old_rows o WHERE {old}"  # noqa: S608  # fixed text
    body = (
        f"CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        f" IF TG_OP = 'INSERT' THEN {moved.format(plus)}"
        f" ELSIF TG_OP = 'DELETE' THEN {moved.format(minus)}"
        f" ELSE {moved.format(plus + ' UNION ALL ' + minus)}"
        " END IF; RETURN NULL; END $$"
    )
    tables = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows"}
    out = [body]
    for op_, suffix in (("INSERT", "ai"), ("DELETE", "ad"), ("UPDATE", "au")):
        kept = tables.get(op_, "OLD TABLE AS old_rows NEW TABLE AS new_rows")
        out.append(
            f"CREATE TRIGGER {table}_seats_{suffix} AFTER {op_} ON {table}"
            f" REFERENCING {kept} FOR EACH STATEMENT EXECUTE FUNCTION {fn}()"
        )
    return out


def upgrade() -> None:
    op.add_column(
        "groups", sa.Column("seats_taken", sa.Integer(), nullable=False, server_default="0")
    )
    op.execute(_FILL)
    pg = op.get_bind().dialect.name == "postgresql"
    for table, seated in _TABLES:
        for statement in (_postgres if pg else _sqlite)(table, seated):
            op.execute(statement)


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    for table, _ in _TABLES:
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER {table}_seats_{suffix}" + (f" ON {table}" if pg else ""))
        if pg:
            op.execute(f"DROP FUNCTION {table}_seats()")
    op.drop_column("groups", "seats_taken")  # SQLite 3.35+ drops it in place: no table copy
