"""the annual cycle: bulk-opening ledger, abnormal-activities list, evaluations (issue 17)

Revision ID: 0013
Revises: 0001
Create Date: 2026-12-10 09:00:00

`case_keys`: one row per (procedure, series, organization) a bulk opening opened a case for
(the yearly inspection: series = the year), unique, so a second or concurrent run opens
nothing twice. `abnormal_entries`: the abnormal-activities list (SUP-1), each listing and its
leaving on one row. `evaluations`: one evaluation record per organization and year (EVA-1).
An index on deadlines (rule, due_at) for the abnormal-list sweep. It needs only the tables of
0001 (organizations, units, users, cases, deadlines). Nothing existing is changed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "case_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure", sa.String(length=60), nullable=False),
        sa.Column("series", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_case_keys_organization_id_organizations",
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_case_keys_case_id_cases"),
        sa.PrimaryKeyConstraint("id", name="pk_case_keys"),
        sa.UniqueConstraint(
            "procedure",
            "series",
            "organization_id",
            name="uq_case_keys_procedure_series_organization_id",
        ),
    )
    op.create_index("ix_case_keys_case_id", "case_keys", ["case_id"])
    op.create_table(
        "abnormal_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("series", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("listed_on", sa.Date(), nullable=False),
        sa.Column("listed_at", sa.DateTime(), nullable=False),
        sa.Column("listed_by_name", sa.String(length=120), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("deadline_id", sa.Integer(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.Column("removed_by_name", sa.String(length=120), nullable=True),
        sa.Column("removal_reason", sa.Text(), nullable=True),
        sa.Column("details", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_abnormal_entries_organization_id_organizations",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name="fk_abnormal_entries_unit_id_units"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_abnormal_entries_case_id_cases"
        ),
        sa.ForeignKeyConstraint(
            ["deadline_id"], ["deadlines.id"], name="fk_abnormal_entries_deadline_id_deadlines"
        ),
        sa.ForeignKeyConstraint(
            ["removed_by_id"], ["users.id"], name="fk_abnormal_entries_removed_by_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_abnormal_entries"),
        sa.UniqueConstraint("deadline_id", name="uq_abnormal_entries_deadline_id"),
    )
    op.create_index(
        "ix_abnormal_entries_unit_id_status_listed_on",
        "abnormal_entries",
        ["unit_id", "status", "listed_on"],
    )
    op.create_index(
        "ix_abnormal_entries_organization_id_status",
        "abnormal_entries",
        ["organization_id", "status"],
    )
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("refusal_rule", sa.String(length=20), nullable=True),
        sa.Column("refusal_zh", sa.Text(), nullable=True),
        sa.Column("refusal_en", sa.Text(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("total_score", sa.Integer(), nullable=True),
        sa.Column("party_score", sa.Integer(), nullable=True),
        sa.Column("party_weight_pct", sa.Integer(), nullable=True),
        sa.Column("party_work_outstanding", sa.Boolean(), nullable=False),
        sa.Column("recommended", sa.Boolean(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by_name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_evaluations_organization_id_organizations",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_evaluations_unit_id_units"),
        sa.PrimaryKeyConstraint("id", name="pk_evaluations"),
        sa.UniqueConstraint("organization_id", "year", name="uq_evaluations_organization_id_year"),
    )
    op.create_index("ix_evaluations_unit_id_year", "evaluations", ["unit_id", "year"])
    op.create_index("ix_deadlines_rule_due_at", "deadlines", ["rule", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_deadlines_rule_due_at", table_name="deadlines")
    op.drop_index("ix_evaluations_unit_id_year", table_name="evaluations")
    op.drop_table("evaluations")
    op.drop_index("ix_abnormal_entries_organization_id_status", table_name="abnormal_entries")
    op.drop_index("ix_abnormal_entries_unit_id_status_listed_on", table_name="abnormal_entries")
    op.drop_table("abnormal_entries")
    op.drop_index("ix_case_keys_case_id", table_name="case_keys")
    op.drop_table("case_keys")
