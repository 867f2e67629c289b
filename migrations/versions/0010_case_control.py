"""case owners and supervisor correction (issue 15, items 1 and 3)

Revision ID: 0010
Revises: 0001
Create Date: 2026-12-03 14:00:00

Three nullable columns on `cases`, all empty after the upgrade, so nothing existing changes
meaning: `delegate_id` and `delegated_until` (an owner's colleague acts as owner until the end
of that day, Asia/Shanghai), `suspended_at` (a supervisor suspended the case: the sweep skips
its deadlines and steps are refused until it is resumed). The owner stays `assignee_id`, as
before: every case keeps the caseworker who opened it (or none, after a hand-over). An index on
`(delegate_id, status)` serves "mine" for delegates. It builds on 0001 alone (only `cases` is
touched), its own branch like every capability (`tongbu db upgrade` applies all heads).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # SQLite adds a column with its foreign key in place; Alembic's batch mode would copy
        # the table, and dropping the old `cases` fails while events and deadlines point at it.
        # A downgrade there leaves the column (see below), so an upgrade after it keeps it.
        if "delegate_id" not in {c["name"] for c in sa.inspect(bind).get_columns("cases")}:
            op.execute(
                "ALTER TABLE cases ADD COLUMN delegate_id INTEGER "
                "CONSTRAINT fk_cases_delegate_id_users REFERENCES users (id)"
            )
    else:
        op.add_column("cases", sa.Column("delegate_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_cases_delegate_id_users", "cases", "users", ["delegate_id"], ["id"]
        )
    op.add_column("cases", sa.Column("delegated_until", sa.Date(), nullable=True))
    op.add_column("cases", sa.Column("suspended_at", sa.DateTime(), nullable=True))
    op.create_index("ix_cases_delegate_id_status", "cases", ["delegate_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_cases_delegate_id_status", table_name="cases")
    op.drop_column("cases", "suspended_at")
    op.drop_column("cases", "delegated_until")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("UPDATE cases SET delegate_id = NULL")
    else:
        op.drop_constraint("fk_cases_delegate_id_users", "cases", type_="foreignkey")
        op.drop_column("cases", "delegate_id")
    # SQLite cannot drop a column that carries a foreign key (nor copy `cases` while other
    # tables point at it): `delegate_id` stays there, emptied; a later upgrade keeps it.
