"""sweep: one ordered partial index for the claim, instead of two on next_action_at

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-26 09:00:00

The claim takes due open deadlines ``ORDER BY next_action_at, id LIMIT n``. An index on
(next_action_at) alone, or on (status, next_action_at), gives rows in `next_action_at` order
only: every batch then read and sorted ALL due rows to take its n, so a sweep cost
O(due² / batch) (B4: 100,000 due rows, 200 batches). The partial index on
(next_action_at, id) WHERE status = 'open' returns rows in the claim's order and the LIMIT
stops the scan. ix_deadlines_status_next_action_at (0001) served only the sweep and goes: a
deadline's row is rewritten on every sweep step, and each index on the table is one more
insert per rewrite.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0003"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_index(
        "ix_deadlines_open_next_action_at_id",
        "deadlines",
        ["next_action_at", "id"],
        unique=False,
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )
    op.drop_index("ix_deadlines_open_next_action_at", table_name="deadlines")
    op.drop_index("ix_deadlines_status_next_action_at", table_name="deadlines")


def downgrade() -> None:
    op.create_index(
        "ix_deadlines_status_next_action_at",
        "deadlines",
        ["status", "next_action_at"],
        unique=False,
    )
    op.create_index(
        "ix_deadlines_open_next_action_at",
        "deadlines",
        ["next_action_at"],
        unique=False,
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )
    op.drop_index("ix_deadlines_open_next_action_at_id", table_name="deadlines")
