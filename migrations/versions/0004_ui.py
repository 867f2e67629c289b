"""indexes for the pages: inbox, dashboard, coverage (issue: the Flask UI)

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-25

Each index serves one statement of engine/queries.py:
- (cases (status, updated_at), which the inbox and stalled lists use, comes with 0003);
- cases (assignee_id, status): "my cases";
- deadlines (case_id, status, due_date): the next open deadline of each listed case;
- deadlines (status, remind_at): cases inside their reminder window ("due soon");
- organizations (unit_id, status, coverage): the coverage figures (REG-7).
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_cases_assignee_id_status", "cases", ["assignee_id", "status"]),
    ("ix_deadlines_case_id_status_due_date", "deadlines", ["case_id", "status", "due_date"]),
    ("ix_deadlines_status_remind_at", "deadlines", ["status", "remind_at"]),
    (
        "ix_organizations_unit_id_status_coverage",
        "organizations",
        ["unit_id", "status", "coverage"],
    ),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
