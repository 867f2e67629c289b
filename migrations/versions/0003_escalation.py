"""escalation: ledger, stall flags, notifications, e-mail outbox, sweep indexes

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-25 07:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deadline_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deadline_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("fell_due_at", sa.DateTime(), nullable=False),
        sa.Column("fired_at", sa.DateTime(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_deadline_actions_case_id_cases")),
        sa.ForeignKeyConstraint(["deadline_id"], ["deadlines.id"], name=op.f("fk_deadline_actions_deadline_id_deadlines")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_deadline_actions_event_id_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_actions")),
        sa.UniqueConstraint("deadline_id", "level", name=op.f("uq_deadline_actions_deadline_id_level")),
    )
    with op.batch_alter_table("deadline_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deadline_actions_case_id"), ["case_id"], unique=False)

    op.create_table(
        "stall_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("stalled_since", sa.DateTime(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_stall_flags_case_id_cases")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_stall_flags_event_id_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stall_flags")),
        sa.UniqueConstraint("case_id", "stalled_since", name=op.f("uq_stall_flags_case_id_stalled_since")),
    )

    op.create_table(
        "scheduler_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_state")),
    )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("subject_zh", sa.String(length=300), nullable=False),
        sa.Column("subject_en", sa.String(length=300), nullable=False),
        sa.Column("body_zh", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_notifications_case_id_cases")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_notifications_event_id_events")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_notifications_user_id_read_at_id", ["user_id", "read_at", "id"], unique=False)

    op.create_table(
        "email_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.Column("to_addr", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"], name=op.f("fk_email_outbox_notification_id_notifications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_outbox")),
    )
    with op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_email_outbox_status_next_attempt_at", ["status", "next_attempt_at"], unique=False)

    # Only open deadlines are ever swept: a partial index keeps the claim's cost proportional
    # to what is due, however many deadlines were met or cancelled over the years.
    op.create_index(
        "ix_deadlines_open_next_action_at",
        "deadlines",
        ["next_action_at"],
        unique=False,
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    )
    # The stall scan: open cases by last activity.
    op.create_index("ix_cases_status_updated_at", "cases", ["status", "updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_status_updated_at", table_name="cases")
    op.drop_index("ix_deadlines_open_next_action_at", table_name="deadlines")
    with op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_email_outbox_status_next_attempt_at")
    op.drop_table("email_outbox")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_id_read_at_id")
        batch_op.drop_index(batch_op.f("ix_notifications_case_id"))
    op.drop_table("notifications")
    op.drop_table("scheduler_state")
    op.drop_table("stall_flags")
    with op.batch_alter_table("deadline_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadline_actions_case_id"))
    op.drop_table("deadline_actions")
