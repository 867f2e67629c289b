"""party entities: members' relations and roles, terms, officers, organizational-life meetings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 07:00:00

For P2–P4 (TRF, DEC, SEC rules): where a member's organizational relation sits and their role
in the organization (SEC-2), the Party organization's upper body and term (SEC-9), its
secretaries and deputies (SEC-1 … SEC-8) and its organizational-life meetings (DEC-3).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("party_organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("upper_unit_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("term_started_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("term_years", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revoked_on", sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_party_organizations_upper_unit_id_units"),
            "units",
            ["upper_unit_id"],
            ["id"],
        )

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("party_organization_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("role", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("life_party_org", sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_members_party_organization_id_party_organizations"),
            "party_organizations",
            ["party_organization_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_members_party_organization_id"), ["party_organization_id"], unique=False
        )

    op.create_table(
        "party_officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_organization_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("position", sa.String(length=30), nullable=False),
        sa.Column("full_time", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=True),
        sa.Column("cadre_status", sa.String(length=20), server_default="none", nullable=False),
        sa.Column("dispatched_from", sa.String(length=200), nullable=True),
        sa.Column("compensation", JSON, nullable=True),
        sa.Column("stipend_yuan_per_month", sa.Integer(), nullable=True),
        sa.Column("stipend_paid_by", sa.String(length=30), nullable=True),
        sa.Column("elected_on", sa.Date(), nullable=True),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="active", nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=300), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_party_officers_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_party_officers_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["party_organization_id"],
            ["party_organizations.id"],
            name=op.f("fk_party_officers_party_organization_id_party_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_officers")),
    )
    with op.batch_alter_table("party_officers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_party_officers_party_org_status", ["party_organization_id", "status"], unique=False
        )

    op.create_table(
        "org_life_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_organization_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=True),
        sa.Column("under_body", sa.String(length=200), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_org_life_meetings_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["party_organization_id"],
            ["party_organizations.id"],
            name=op.f("fk_org_life_meetings_party_organization_id_party_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_life_meetings")),
    )
    with op.batch_alter_table("org_life_meetings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_org_life_meetings_party_organization_id"),
            ["party_organization_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("org_life_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_life_meetings_party_organization_id"))
    op.drop_table("org_life_meetings")
    with op.batch_alter_table("party_officers", schema=None) as batch_op:
        batch_op.drop_index("ix_party_officers_party_org_status")
    op.drop_table("party_officers")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_party_organization_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_members_party_organization_id_party_organizations"), type_="foreignkey"
        )
        batch_op.drop_column("life_party_org")
        batch_op.drop_column("role")
        batch_op.drop_column("party_organization_id")
    with op.batch_alter_table("party_organizations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_party_organizations_upper_unit_id_units"), type_="foreignkey"
        )
        batch_op.drop_column("revoked_on")
        batch_op.drop_column("term_years")
        batch_op.drop_column("term_started_on")
        batch_op.drop_column("upper_unit_id")
