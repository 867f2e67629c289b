"""The administrators' audit trail (issue 15): one row per change to a user, a unit or a token.

Case events (`events`) belong to a case; a change of who may sign in, as what and where is not
a step of any case, so it gets its own table. Rows are only ever inserted: the trail answers
"who made li a supervisor, when, and why" long after the change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base, JSONType, UTCDateTime


class AdminAuditEntry(Base):
    """One administrative change: who did what to which record, when, and the reason given.

    `target_label` keeps the username or unit code as it was, so the row still reads after a
    rename; `details` holds what changed (e.g. `{"role": ["caseworker", "supervisor"]}`)."""

    __tablename__ = "admin_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    target_kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(Integer)
    target_label: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[Any | None] = mapped_column(JSONType)

    __table_args__ = (Index("ix_admin_audit_target_kind_target_id", "target_kind", "target_id"),)
