"""Tables of the annual cycle (issue 17): the yearly bulk opening, the abnormal list, evaluations.

`case_keys` is the ledger that makes a bulk opening idempotent on any number of processes: one
row per (procedure, series, organization) under a unique constraint, so a second run, or a
concurrent one on another host, opens nothing twice (INSERT … ON CONFLICT DO NOTHING).

`abnormal_entries` is the abnormal-activities list (活动异常名录, SUP-1). An entry is written
once and, when the organization leaves the list, its leaving (who, when, why) is written on the
same row: the row is the audit record, and a later listing is a new row. `deadline_id` is
unique, so a late deadline lists its organization once however many sweeps see it.

`evaluations` holds one evaluation record per organization and year (EVA-1).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base, JSONType, UTCDateTime
from engine.store.tables import Deadline


class CaseKey(Base):
    """A case opened once per (procedure, series, organization): the bulk opener's ledger."""

    __tablename__ = "case_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure: Mapped[str] = mapped_column(String(60))
    series: Mapped[str] = mapped_column(String(40))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("procedure", "series", "organization_id"),)


class AbnormalEntry(Base):
    """One listing of an organization on the abnormal-activities list, and its leaving (SUP-1)."""

    __tablename__ = "abnormal_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    # The cause: a deadline's key (its label comes from the definition), or "dormant".
    reason: Mapped[str] = mapped_column(String(60))
    series: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="listed")
    listed_on: Mapped[date] = mapped_column(Date)
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    listed_by_name: Mapped[str] = mapped_column(String(120))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"), unique=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    removed_on: Mapped[date | None] = mapped_column(Date)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_by_name: Mapped[str | None] = mapped_column(String(120))
    removal_reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[Any | None] = mapped_column(JSONType)

    __table_args__ = (
        Index("ix_abnormal_entries_unit_id_status_listed_on", "unit_id", "status", "listed_on"),
        Index("ix_abnormal_entries_organization_id_status", "organization_id", "status"),
    )


class Evaluation(Base):
    """An organization's evaluation (等级评估) of one year, with its Party-building part (EVA-1)."""

    __tablename__ = "evaluations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # refused | rated
    refusal_rule: Mapped[str | None] = mapped_column(String(20))
    refusal_zh: Mapped[str | None] = mapped_column(Text)
    refusal_en: Mapped[str | None] = mapped_column(Text)
    level: Mapped[int | None] = mapped_column(Integer)  # 1…5 (A)
    total_score: Mapped[int | None] = mapped_column(Integer)
    party_score: Mapped[int | None] = mapped_column(Integer)
    party_weight_pct: Mapped[int | None] = mapped_column(Integer)
    party_work_outstanding: Mapped[bool] = mapped_column(Boolean, default=False)
    recommended: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_name: Mapped[str] = mapped_column(String(120))

    __table_args__ = (
        UniqueConstraint("organization_id", "year"),
        Index("ix_evaluations_unit_id_year", "unit_id", "year"),
    )


# The abnormal-list sweep reads the deadlines of one rule (SUP-1) that are past due.
Index("ix_deadlines_rule_due_at", Deadline.__table__.c.rule, Deadline.__table__.c.due_at)
