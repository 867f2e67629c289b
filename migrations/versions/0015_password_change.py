"""a password set by an administrator must be changed at the next sign-in

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-03 18:30:00

`users.must_change_password`: set when an administrator creates a user or resets a password
(the administrator knows that password), cleared when the user chooses their own. Everyone
existing keeps the password they have: the column starts false.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "must_change_password",
                sa.Boolean(),
                server_default=sa.text("false"),
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
