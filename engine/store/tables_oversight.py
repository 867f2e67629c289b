"""Tables for notifications, the escalation ledger and stall flags (issue 5, ACC-1).

Exactly-once is a property of these tables, not of the scheduler: every reminder and every
escalation level of a deadline is one ledger row under a UNIQUE (deadline_id, level) key,
and every stall is one flag row under UNIQUE (case_id, stalled_since). The audit event and
the notifications are written in the transaction that inserts the ledger row, so either all
of them exist exactly once or none does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base, UTCDateTime
from engine.store.tables import Case, Deadline


class DeadlineAction(Base):
    """The ledger: one row per (deadline, level) the sweep has dealt with.

    Level 0 is the reminder, levels 1..N the escalation steps of the definition; `event_id`
    is the audit event written in the same transaction.
    """

    __tablename__ = "deadline_actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(20))
    fell_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))

    __table_args__ = (UniqueConstraint("deadline_id", "level"),)


class StallFlag(Base):
    """A case without activity for `stalled_after_days` (ACC-1), flagged once per stall.

    A stall is identified by the case's last activity (`cases.updated_at`) when it began;
    new activity starts a new possible stall with a new key.
    """

    __tablename__ = "stall_flags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    stalled_since: Mapped[datetime] = mapped_column(UTCDateTime)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))

    __table_args__ = (UniqueConstraint("case_id", "stalled_since"),)


class SchedulerState(Base):
    """Small named marks the sweep keeps between runs (the stall scan's watermark)."""

    __tablename__ = "scheduler_state"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Notification(Base):
    """An in-app notification for one user; unread until `read_at` is set.

    `dedupe_key` makes writing one idempotent (event:<id>:<user>, digest:<day>:<user>).
    """

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[int | None] = mapped_column(Integer)
    subject_zh: Mapped[str] = mapped_column(String(300))
    subject_en: Mapped[str] = mapped_column(String(300))
    body_zh: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)

    __table_args__ = (Index("ix_notifications_user_id_read_at_id", "user_id", "read_at", "id"),)


class EmailOutbox(Base):
    """E-mail waiting for SMTP: written with the notification, sent after commit with retries.

    status: 'pending' (to send at `next_attempt_at`), 'sent', or 'failed' (gave up after the
    configured attempts; `tongbu notifications retry` puts it back to pending).
    """

    __tablename__ = "email_outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    to_addr: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_email_outbox_status_next_attempt_at", "status", "next_attempt_at"),)


# Indexes on tables of the engine core that only the sweep and the report need.
# A partial index holds only open deadlines, in the claim's order (next_action_at, id): the
# claim's cost follows what it takes, not what is due or was ever opened (migration 0006).
# Both dialects support partial indexes.
Index(
    "ix_deadlines_open_next_action_at_id",
    Deadline.__table__.c.next_action_at,
    Deadline.__table__.c.id,
    postgresql_where=text("status = 'open'"),
    sqlite_where=text("status = 'open'"),
)
# The stall scan reads open cases by last activity.
Index("ix_cases_status_updated_at", Case.__table__.c.status, Case.__table__.c.updated_at)
