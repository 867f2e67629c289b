"""Tables of the coverage drive (migration 0012): campaigns and the instructor register.

* `campaigns` / `campaign_cases` (REG-10): a time-boxed drive over a unit's tree opens one
  case of a procedure per organization that meets the drive's condition. `campaign_cases` is
  the ledger — UNIQUE (campaign_id, organization_id) — so running a campaign twice, on any
  number of processes, opens nothing twice (INSERT … ON CONFLICT DO NOTHING, not a check
  followed by an insert). A campaign is itself unique per (unit, kind, start day).
* `instructor_register` / `instructor_assignments` / `instructor_reports` (INS-2): the
  instructors and liaisons (source, term), the organizations each serves (an assignment is
  also a coverage link, written only by engine/directory/coverage.py), and their periodic
  reports with a due day. `instructor_maturity` is the ledger of "conditions matured": one
  coverage case at most per assignment that reached three full members.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base, UTCDateTime


class Campaign(Base):
    """A drive (REG-10): which unit's tree, which kind (its condition and procedure), when."""

    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(60))
    procedure: Mapped[str] = mapped_column(String(60))
    rule: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(default=False)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_by_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("unit_id", "kind", "starts_on"),
        Index("ix_campaigns_starts_on", "starts_on"),
    )


class CampaignCase(Base):
    """One organization in a campaign and the case that covers it (opened or joined)."""

    __tablename__ = "campaign_cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    joined: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("campaign_id", "organization_id"),)


class InstructorRecord(Base):
    """A Party-building instructor or liaison of the register (INS-2)."""

    __tablename__ = "instructor_register"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    term_starts_on: Mapped[date] = mapped_column(Date)
    term_ends_on: Mapped[date] = mapped_column(Date)
    report_every_months: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="active")
    ended_on: Mapped[date | None] = mapped_column(Date)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("instructor_register.id"))
    term_reminded_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_instructor_register_status_term_ends_on", "status", "term_ends_on"),
    )


class InstructorAssignment(Base):
    """An organization an instructor serves, from `since` until `until` (a coverage link)."""

    __tablename__ = "instructor_assignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instructor_id: Mapped[int] = mapped_column(ForeignKey("instructor_register.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))


class InstructorReport(Base):
    """A periodic report an instructor owes (INS-2: managed and supervised), due on `due_on`."""

    __tablename__ = "instructor_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instructor_id: Mapped[int] = mapped_column(ForeignKey("instructor_register.id"))
    period_starts_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    filed_on: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("instructor_id", "period_starts_on"),
        Index("ix_instructor_reports_filed_on_due_on", "filed_on", "due_on"),
    )


class InstructorMaturity(Base):
    """Ledger: the coverage case opened because an instructor-covered organization reached the
    conditions for a Party organization (INS-2 "条件成熟时及时建立") — once per assignment."""

    __tablename__ = "instructor_maturity"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("instructor_assignments.id"), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
