"""the coverage drive: campaigns and the instructor register (issue 16)

Revision ID: 0012
Revises: 0007
Create Date: 2026-12-03 18:00:00

`campaigns` and `campaign_cases` (REG-10): a drive over a unit's tree and its ledger, UNIQUE
(campaign_id, organization_id), so running a campaign twice on any number of processes opens
nothing twice. `instructor_register`, `instructor_assignments`, `instructor_reports` and
`instructor_maturity` (INS-2): instructors and liaisons with source and term, the organizations
they serve, their periodic reports, and the ledger of coverage cases opened when an
instructor-covered organization reached the conditions for a Party organization. It follows
0007 because the drive's condition reads the organizations' survey figures and deregistration
as 0007 left them. Nothing existing is touched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instructor_register",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("term_starts_on", sa.Date(), nullable=False),
        sa.Column("term_ends_on", sa.Date(), nullable=False),
        sa.Column("report_every_months", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.Column("term_reminded_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"],
            ["instructor_register.id"],
            name=op.f("fk_instructor_register_replaced_by_id_instructor_register"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_instructor_register_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instructor_register")),
    )
    with op.batch_alter_table("instructor_register", schema=None) as batch_op:
        batch_op.create_index(
            "ix_instructor_register_status_term_ends_on", ["status", "term_ends_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_instructor_register_unit_id"), ["unit_id"], unique=False
        )

    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("procedure", sa.String(length=60), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("opened_by_name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["users.id"], name=op.f("fk_campaigns_opened_by_id_users")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_campaigns_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint(
            "unit_id", "kind", "starts_on", name=op.f("uq_campaigns_unit_id_kind_starts_on")
        ),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index("ix_campaigns_starts_on", ["starts_on"], unique=False)

    op.create_table(
        "instructor_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instructor_id", sa.Integer(), nullable=False),
        sa.Column("period_starts_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["instructor_register.id"],
            name=op.f("fk_instructor_reports_instructor_id_instructor_register"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instructor_reports")),
        sa.UniqueConstraint(
            "instructor_id",
            "period_starts_on",
            name=op.f("uq_instructor_reports_instructor_id_period_starts_on"),
        ),
    )
    with op.batch_alter_table("instructor_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_instructor_reports_filed_on_due_on", ["filed_on", "due_on"], unique=False
        )

    op.create_table(
        "campaign_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("joined", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_cases_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_campaign_cases_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_campaign_cases_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_campaign_cases_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_cases")),
        sa.UniqueConstraint(
            "campaign_id",
            "organization_id",
            name=op.f("uq_campaign_cases_campaign_id_organization_id"),
        ),
    )
    with op.batch_alter_table("campaign_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_cases_case_id"), ["case_id"], unique=False)

    op.create_table(
        "instructor_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instructor_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_instructor_assignments_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["instructor_register.id"],
            name=op.f("fk_instructor_assignments_instructor_id_instructor_register"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_instructor_assignments_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instructor_assignments")),
    )
    with op.batch_alter_table("instructor_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_instructor_assignments_instructor_id"), ["instructor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_instructor_assignments_organization_id"),
            ["organization_id"],
            unique=False,
        )

    op.create_table(
        "instructor_maturity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["instructor_assignments.id"],
            name=op.f("fk_instructor_maturity_assignment_id_instructor_assignments"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_instructor_maturity_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instructor_maturity")),
        sa.UniqueConstraint("assignment_id", name=op.f("uq_instructor_maturity_assignment_id")),
    )


def downgrade() -> None:
    op.drop_table("instructor_maturity")
    with op.batch_alter_table("instructor_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instructor_assignments_organization_id"))
        batch_op.drop_index(batch_op.f("ix_instructor_assignments_instructor_id"))

    op.drop_table("instructor_assignments")
    with op.batch_alter_table("campaign_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_cases_case_id"))

    op.drop_table("campaign_cases")
    with op.batch_alter_table("instructor_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_instructor_reports_filed_on_due_on")

    op.drop_table("instructor_reports")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index("ix_campaigns_starts_on")

    op.drop_table("campaigns")
    with op.batch_alter_table("instructor_register", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instructor_register_unit_id"))
        batch_op.drop_index("ix_instructor_register_status_term_ends_on")

    op.drop_table("instructor_register")
