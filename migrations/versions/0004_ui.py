"""indexes for the pages: inbox, dashboard, coverage (issue: the Flask UI)

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-25

Each index serves statements of engine/queries.py (cases (status, updated_at), which the
stalled list uses, comes with 0003; cases (unit_id, status, updated_at) with 0001):
- cases (organization_id, status): open cases per organization on the directory pages;
- cases (assignee_id, status, updated_at, unit_id): "my cases", newest first, and their
  count read from the index alone;
- deadlines (case_id, status, due_date): the next open deadline of each listed case;
- deadlines (status, due_at, case_id, escalation_level): overdue cases per unit and age,
  read from the index alone (ACC-1);
- deadlines (status, remind_at, due_at, case_id, escalation_level): cases inside their
  deadline's reminder window ("due soon"), from the index alone;
- organizations (unit_id, status, coverage): the coverage figures (REG-7).
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_cases_organization_id_status", "cases", ["organization_id", "status"]),
    (
        "ix_cases_assignee_id_status_updated_at",
        "cases",
        ["assignee_id", "status", "updated_at", "unit_id"],
    ),
    ("ix_deadlines_case_id_status_due_date", "deadlines", ["case_id", "status", "due_date"]),
    (
        "ix_deadlines_status_due_at_cover",
        "deadlines",
        ["status", "due_at", "case_id", "escalation_level"],
    ),
    (
        "ix_deadlines_status_remind_at_cover",
        "deadlines",
        ["status", "remind_at", "due_at", "case_id", "escalation_level"],
    ),
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
