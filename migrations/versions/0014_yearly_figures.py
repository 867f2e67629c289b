"""yearly figures of Party organizations: dues and funding (issue 17, INF-1, FUND-1)

Revision ID: 0014
Revises: 0007
Create Date: 2026-12-10 09:00:00

`party_org_funds`: one row per (Party organization, year) — dues collected and returned,
funding received, start-up support, in fen; `party_org_funds_audit`: every recording and
correction of it. It follows 0007, whose Party organizations (upper unit, revocation) the
statistics read. Nothing existing is touched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "party_org_funds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_organization_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("dues_collected_fen", sa.Integer(), nullable=False),
        sa.Column("dues_returned_fen", sa.Integer(), nullable=False),
        sa.Column("funding_received_fen", sa.Integer(), nullable=False),
        sa.Column("startup_support_fen", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_organization_id"],
            ["party_organizations.id"],
            name="fk_party_org_funds_party_organization_id_party_organizations",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name="fk_party_org_funds_recorded_by_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_party_org_funds"),
        sa.UniqueConstraint(
            "party_organization_id", "year", name="uq_party_org_funds_party_organization_id_year"
        ),
    )
    op.create_index("ix_party_org_funds_year", "party_org_funds", ["year"])
    op.create_table(
        "party_org_funds_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("funds_id", sa.Integer(), nullable=False),
        sa.Column("party_organization_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("details", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["funds_id"],
            ["party_org_funds.id"],
            name="fk_party_org_funds_audit_funds_id_party_org_funds",
        ),
        sa.ForeignKeyConstraint(
            ["party_organization_id"],
            ["party_organizations.id"],
            name="fk_party_org_funds_audit_party_org",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name="fk_party_org_funds_audit_actor_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_party_org_funds_audit"),
    )
    op.create_index("ix_party_org_funds_audit_funds_id", "party_org_funds_audit", ["funds_id"])


def downgrade() -> None:
    op.drop_index("ix_party_org_funds_audit_funds_id", table_name="party_org_funds_audit")
    op.drop_table("party_org_funds_audit")
    op.drop_index("ix_party_org_funds_year", table_name="party_org_funds")
    op.drop_table("party_org_funds")
