"""The domain tables (SQLAlchemy 2 models). Alembic migrations create them in the
database; this metadata is what they are checked against.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base, JSONType, UTCDateTime


class Unit(Base):
    """A node of the unit tree: authorities, supervisory units, Party bodies (REG-6)."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    path: Mapped[str] = mapped_column(String(400), index=True)
    district: Mapped[str | None] = mapped_column(String(100))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    """Set when an administrator chose the password (web/auth.py: changed at next sign-in)."""


class Organization(Base):
    """A social organization (社会组织), from application for establishment onwards."""

    __tablename__ = "organizations"
    __table_args__ = (
        Index("ix_organizations_unit_id_status_coverage", "unit_id", "status", "coverage"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    org_type: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(40))
    registration_mode: Mapped[str | None] = mapped_column(String(20))
    supervisory_unit: Mapped[str | None] = mapped_column(String(200))
    industry_regulator: Mapped[str | None] = mapped_column(String(200))
    local_party_org: Mapped[str | None] = mapped_column(String(200))
    district: Mapped[str | None] = mapped_column(String(100))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    responsible_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    responsible_body_kind: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="applying")
    registered_on: Mapped[date | None] = mapped_column(Date)
    full_members: Mapped[int | None] = mapped_column(Integer)
    full_time_full_members: Mapped[int | None] = mapped_column(Integer)
    probationary_members: Mapped[int | None] = mapped_column(Integer)
    members_elsewhere: Mapped[int | None] = mapped_column(Integer)
    coverage: Mapped[str] = mapped_column(String(20), default="none", server_default="none")
    coverage_reminder: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deregistered_on: Mapped[date | None] = mapped_column(Date)


class PartyOrganization(Base):
    """A Party organization (党委 / 总支 / 支部 / 联合党支部), REG-7.

    `organization_id` is the social organization that hosts it; a joint branch also lists the
    others it covers. `upper_party_org` names the upper Party organization (TRF-2, SEC-3) and
    `upper_unit_id`, where known, places it in the unit tree of responsible bodies (REG-6,
    DEC-2). The term (SEC-9) runs from `term_started_on` for `term_years`.
    """

    __tablename__ = "party_organizations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    formation_mode: Mapped[str] = mapped_column(String(20))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    upper_party_org: Mapped[str | None] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    established_on: Mapped[date | None] = mapped_column(Date)
    covered_organizations: Mapped[list | None] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    upper_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    term_started_on: Mapped[date | None] = mapped_column(Date)
    term_years: Mapped[int | None] = mapped_column(Integer)
    revoked_on: Mapped[date | None] = mapped_column(Date)


class PartyOrgCoverage(Base):
    """A Party organization covers a social organization (REG-7): its own host, the partners
    of a joint branch, an organization affiliated to it (挂靠). One row per spell of coverage;
    `until` ends it. The organization's `coverage` column says *whether* it is covered; these
    rows say *by whom*, and a joint branch's active rows are what REG-7's limit counts."""

    __tablename__ = "party_org_coverage"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_organization_id: Mapped[int] = mapped_column(
        ForeignKey("party_organizations.id"), index=True
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    mode: Mapped[str] = mapped_column(String(20))
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))


class Instructor(Base):
    """A Party-building instructor (党建工作指导员) dispatched where no branch can form (REG-7/8)."""

    __tablename__ = "instructors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    mode: Mapped[str] = mapped_column(String(30))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    dispatched_by: Mapped[str | None] = mapped_column(String(200))
    dispatched_on: Mapped[date | None] = mapped_column(Date)


class Member(Base):
    """A Party member working in a social organization (REG-2 survey rows).

    `organization_id` is the social organization that employs the member; where the
    organizational relation sits is `party_organization_id` (one of ours) or, when it sits
    elsewhere, `relation_location`. A member whose relation sits elsewhere joins
    organizational life at `life_party_org` ("一方隶属、参加多重组织生活", TRF-3). `role`
    (head, management, backbone, staff) orders the secretary's sources (SEC-2).
    """

    __tablename__ = "members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    full_time: Mapped[bool] = mapped_column(Boolean, default=True)
    relation_location: Mapped[str | None] = mapped_column(String(200))
    party_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("party_organizations.id"), index=True
    )
    role: Mapped[str | None] = mapped_column(String(20))
    life_party_org: Mapped[str | None] = mapped_column(String(200))


class PartyOfficer(Base):
    """A secretary or deputy secretary of a Party organization (SEC-1 … SEC-9).

    Internal officers point at their member row; dispatched ones (SEC-2, last source) carry
    where they come from and whether they are a serving or retired cadre, because such a
    cadre may take no compensation from the organization (SEC-4). `stipend_yuan_per_month`
    is the Party-work subsidy of SEC-6, `compensation` what the organization itself pays.
    """

    __tablename__ = "party_officers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_organization_id: Mapped[int] = mapped_column(ForeignKey("party_organizations.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[str] = mapped_column(String(30))
    full_time: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    origin: Mapped[str] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(30))
    cadre_status: Mapped[str] = mapped_column(String(20), default="none", server_default="none")
    dispatched_from: Mapped[str | None] = mapped_column(String(200))
    compensation: Mapped[dict | None] = mapped_column(JSONType)
    stipend_yuan_per_month: Mapped[int | None] = mapped_column(Integer)
    stipend_paid_by: Mapped[str | None] = mapped_column(String(30))
    elected_on: Mapped[date | None] = mapped_column(Date)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(300))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))

    __table_args__ = (
        Index("ix_party_officers_party_org_status", "party_organization_id", "status"),
    )


class OrgLifeMeeting(Base):
    """A recorded organizational-life meeting ("三会一课", 主题党日): DEC-3's evidence that Party
    work runs normally under the body named in `under_body`."""

    __tablename__ = "org_life_meetings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_organization_id: Mapped[int] = mapped_column(
        ForeignKey("party_organizations.id"), index=True
    )
    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(30))
    topic: Mapped[str] = mapped_column(String(300))
    attendees: Mapped[int | None] = mapped_column(Integer)
    under_body: Mapped[str | None] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    recorded_on: Mapped[date] = mapped_column(Date)


class DefinitionVersion(Base):
    """The content hash a (procedure, version) was first used with: edits need a new version."""

    __tablename__ = "definition_versions"
    procedure: Mapped[str] = mapped_column(String(60), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    file: Mapped[str] = mapped_column(String(200))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure: Mapped[str] = mapped_column(String(60))
    definition_version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(10), default="open")
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Owners and supervisor correction (engine/cases/owners.py, correction.py; migration 0010):
    # the colleague acting as owner until the end of `delegated_until` (Shanghai), and since
    # when a supervisor suspended the case (reminders, escalation and steps wait meanwhile).
    delegate_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    delegated_until: Mapped[date | None] = mapped_column(Date)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_cases_unit_status_updated", "unit_id", "status", "updated_at"),
        Index("ix_cases_procedure_state", "procedure", "state"),
        Index("ix_cases_organization_id_status", "organization_id", "status"),
        Index(
            "ix_cases_assignee_id_status_updated_at",
            "assignee_id",
            "status",
            "updated_at",
            "unit_id",
        ),
        Index("ix_cases_delegate_id_status", "delegate_id", "status"),
    )


class Event(Base):
    """The audit trail: one row per transition, opening, reminder or escalation."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    trigger: Mapped[str | None] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(60))
    to_state: Mapped[str | None] = mapped_column(String(60))
    case_version: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict | None] = mapped_column(JSONType)
    rules: Mapped[list | None] = mapped_column(JSONType)


class Deadline(Base):
    """A period running on a case; the scheduler sweeps the open ones by due time."""

    __tablename__ = "deadlines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    rule: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="open")
    anchor_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the sweep next has work on this row (reminder or next escalation level); NULL: none.
    next_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_by_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    closed_by_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))

    __table_args__ = (
        Index("ix_deadlines_status_due_at", "status", "due_at"),
        Index("ix_deadlines_case_id_status_due_date", "case_id", "status", "due_date"),
        Index(
            "ix_deadlines_status_due_at_cover", "status", "due_at", "case_id", "escalation_level"
        ),
        Index(
            "ix_deadlines_status_remind_at_cover",
            "status",
            "remind_at",
            "due_at",
            "case_id",
            "escalation_level",
        ),
        UniqueConstraint("case_id", "key", "opened_by_event_id"),
    )
