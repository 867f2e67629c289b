"""the administrators' audit trail (issue 15)

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-04 09:00:00

`admin_audit`: one row per change an administrator makes to a user (created, deactivated,
reactivated, password reset, role or unit changed), a unit (created, renamed) or an API token
(issued, revoked): who, when, what, on which record, and the reason given. It follows 0008
because deactivation ends the user's sessions (`user_sessions`). Nothing existing is touched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "admin_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target_kind", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("target_label", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("details", JSON, nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name="fk_admin_audit_actor_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_admin_audit"),
    )
    op.create_index(
        "ix_admin_audit_target_kind_target_id", "admin_audit", ["target_kind", "target_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_admin_audit_target_kind_target_id", table_name="admin_audit")
    op.drop_table("admin_audit")
