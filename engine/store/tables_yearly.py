"""The yearly figures of a Party organization (issue 17, INF-1 and FUND-1).

The statistics a committee sends upward count Party organizations, members and coverage from
the directory, but the money is nowhere else: Party dues collected (INF-1 asks the platform to
keep them), the dues returned for Party work, the funding the organization or the upper Party
organization gave (FUND-1's floor per member and year) and the start-up support of a newly
formed Party organization. One row per (Party organization, year), corrected in place under an
optimistic version, every recording and correction a row of its own audit trail, so "who
changed the dues of 2026, when and why" is answered long after.

Amounts are kept in fen (分, integer hundredths of a yuan): sums of money stay exact on both
databases, which a float would not and SQLite's NUMERIC does not promise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base, JSONType, UTCDateTime


class PartyOrgFunds(Base):
    """A Party organization's money in one calendar year (INF-1, FUND-1)."""

    __tablename__ = "party_org_funds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_organization_id: Mapped[int] = mapped_column(ForeignKey("party_organizations.id"))
    year: Mapped[int] = mapped_column(Integer)
    dues_collected_fen: Mapped[int] = mapped_column(Integer)
    dues_returned_fen: Mapped[int] = mapped_column(Integer)
    funding_received_fen: Mapped[int] = mapped_column(Integer)
    startup_support_fen: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_name: Mapped[str] = mapped_column(String(120))

    __table_args__ = (
        UniqueConstraint("party_organization_id", "year"),
        Index("ix_party_org_funds_year", "year"),
    )


class PartyOrgFundsAudit(Base):
    """One recording or correction of a year's figures: who, when, why, and what changed
    (`details`: field -> [before, after]; before is None on the first recording)."""

    __tablename__ = "party_org_funds_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    funds_id: Mapped[int] = mapped_column(ForeignKey("party_org_funds.id"), index=True)
    party_organization_id: Mapped[int] = mapped_column(
        # named by hand: the convention's name passes PostgreSQL's 63 characters
        ForeignKey("party_organizations.id", name="fk_party_org_funds_audit_party_org")
    )
    year: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[Any | None] = mapped_column(JSONType)
