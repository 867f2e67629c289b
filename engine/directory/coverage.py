"""Who covers whom: the one place coverage links are written (REG-7, COV-1).

A social organization is covered by a Party organization it hosts, by a joint branch it is a
partner of, or by a host Party organization it is affiliated to (挂靠). Every path that adds
coverage — a procedure's step (the `Cover` intent), the directory's "record a Party
organization", a member joining a joint branch — comes through `cover`, so REG-7's limit on a
joint branch holds on all of them. Revoking a Party organization ends its links
(`end_coverage`); an organization left with none is uncovered again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from engine.errors import TransitionRefused
from engine.rules import Refusal
from engine.store.tables import Instructor, Organization, PartyOrganization, PartyOrgCoverage
from engine.store.tables_coverage import InstructorAssignment, InstructorRecord

orgs_t = Organization.__table__
party_t = PartyOrganization.__table__
cover_t = PartyOrgCoverage.__table__
assign_t = InstructorAssignment.__table__
p1_instructors_t = Instructor.__table__
instructors_t = InstructorRecord.__table__

DEFAULT_JOINT_LIMIT = 5
"""REG-7's figure in the policy documents; `joint_branch_max_units` overrides it."""


def _active(party_organization_id: int) -> Any:
    return (cover_t.c.party_organization_id == party_organization_id) & cover_t.c.until.is_(None)


def covered_ids(conn: Connection, party_organization_id: int) -> list[int]:
    """The organizations a Party organization covers today, in the order they joined."""
    return list(
        conn.execute(
            select(cover_t.c.organization_id)
            .where(_active(party_organization_id))
            .order_by(cover_t.c.id)
        ).scalars()
    )


def cover(
    conn: Connection,
    party_organization_id: int,
    organization_ids: Iterable[int],
    *,
    mode: str,
    since: date,
    joint_limit: int = DEFAULT_JOINT_LIMIT,
    case_id: int | None = None,
) -> list[int]:
    """Link organizations to a Party organization; returns those newly linked.

    Refused (REG-7) when the Party organization is not active, or when a joint branch would
    cover more than `joint_limit` units; an organization already covered by it stays as it is.
    The caller's transaction holds the writes: a refusal leaves nothing.
    """
    po = conn.execute(
        select(party_t.c.id, party_t.c.name, party_t.c.kind, party_t.c.status)
        .where(party_t.c.id == party_organization_id)
        .with_for_update()
    ).first()
    if po is None or po.status != "active":
        raise TransitionRefused(
            Refusal(
                "REG-7",
                zh=f"党组织 #{party_organization_id} 不存在或已撤销，不能覆盖社会组织",
                en=f"Party organization #{party_organization_id} does not exist or has been "
                "revoked: it cannot cover an organization",
                details={"party_organization_id": party_organization_id},
            )
        )
    have = covered_ids(conn, party_organization_id)
    new = [oid for oid in dict.fromkeys(organization_ids) if oid not in have]
    if po.kind == "joint_branch" and len(have) + len(new) > joint_limit:
        raise TransitionRefused(
            Refusal(
                "REG-7",
                zh=f"联合党支部“{po.name}”覆盖单位一般不超过{joint_limit}个"
                f"（已覆盖{len(have)}个，又增加{len(new)}个）",
                en=f"The joint branch '{po.name}' covers at most {joint_limit} units "
                f"({len(have)} covered, {len(new)} more asked)",
                details={"covered": len(have), "added": len(new), "limit": joint_limit},
            )
        )
    if not new:
        return []
    known = set(conn.execute(select(orgs_t.c.id).where(orgs_t.c.id.in_(new))).scalars())
    missing = [oid for oid in new if oid not in known]
    if missing:
        raise TransitionRefused(
            Refusal(
                "REG-7",
                zh=f"社会组织 {missing} 不存在",
                en=f"No organization {missing}",
                details={"missing": missing},
            )
        )
    conn.execute(
        insert(cover_t),
        [
            {
                "party_organization_id": party_organization_id,
                "organization_id": oid,
                "mode": mode,
                "since": since,
                "until": None,
                "case_id": case_id,
            }
            for oid in new
        ],
    )
    conn.execute(
        update(orgs_t)
        .where(orgs_t.c.id.in_(new))
        .values(coverage="party_org", coverage_reminder=False)
    )
    return new


def end_coverage(conn: Connection, party_organization_id: int, until: date) -> list[int]:
    """A revoked Party organization covers nobody from `until`; an organization it leaves
    without any other Party organization is uncovered (its instructor, if any, still counts)."""
    ids = covered_ids(conn, party_organization_id)
    if not ids:
        return []
    conn.execute(update(cover_t).where(_active(party_organization_id)).values(until=until))
    still = set(
        conn.execute(
            select(cover_t.c.organization_id).where(
                cover_t.c.organization_id.in_(ids), cover_t.c.until.is_(None)
            )
        ).scalars()
    )
    bare = [oid for oid in ids if oid not in still]
    if bare:
        conn.execute(
            update(orgs_t)
            .where(orgs_t.c.id.in_(bare), orgs_t.c.coverage == "party_org")
            .values(coverage="none")
        )
    return bare


def coverers(conn: Connection, organization_id: int) -> list[dict[str, Any]]:
    """The Party organizations covering an organization today, with how (host/joint/affiliated)."""
    rows = conn.execute(
        select(
            party_t.c.id,
            party_t.c.name,
            party_t.c.kind,
            cover_t.c.mode,
            cover_t.c.since,
        )
        .join(cover_t, cover_t.c.party_organization_id == party_t.c.id)
        .where(cover_t.c.organization_id == organization_id, cover_t.c.until.is_(None))
        .order_by(cover_t.c.id)
    ).mappings()
    return [dict(r) for r in rows]


# ---------------------------------------------------------------- instructors (INS-2, COV-1)


def appoint_instructor(
    conn: Connection,
    instructor_id: int,
    organization_ids: Iterable[int],
    *,
    since: date,
    case_id: int | None = None,
) -> list[int]:
    """The instructor (or liaison) of the register serves these organizations from `since`:
    Party-work coverage. An organization a Party organization covers keeps `party_org`; one
    the instructor already serves stays as it is. Refused (INS-2) for an instructor whose term
    has ended. Returns the organizations newly served."""
    row = conn.execute(
        select(instructors_t.c.status, instructors_t.c.name)
        .where(instructors_t.c.id == instructor_id)
        .with_for_update()
    ).first()
    if row is None or row.status != "active":
        raise TransitionRefused(
            Refusal(
                "INS-2",
                zh=f"指导员 #{instructor_id} 不在册或任期已满，不能选派",
                en=f"Instructor #{instructor_id} is not on the register or the term has ended",
                details={"instructor_id": instructor_id},
            )
        )
    have = set(
        conn.execute(
            select(assign_t.c.organization_id).where(
                assign_t.c.instructor_id == instructor_id, assign_t.c.until.is_(None)
            )
        ).scalars()
    )
    new = [oid for oid in dict.fromkeys(organization_ids) if oid not in have]
    if not new:
        return []
    conn.execute(
        insert(assign_t),
        [
            {
                "instructor_id": instructor_id,
                "organization_id": oid,
                "since": since,
                "until": None,
                "end_reason": None,
                "case_id": case_id,
            }
            for oid in new
        ],
    )
    conn.execute(
        update(orgs_t)
        .where(orgs_t.c.id.in_(new), orgs_t.c.coverage == "none")
        .values(coverage="instructor", coverage_reminder=False)
    )
    return new


def instructed(organization_id: Any, day: date | None = None) -> Any:
    """SQL: an instructor covers the organization (INS-2) — one dispatched by P1's instructor
    route (REG-7), or an assignment of the register — at the end of `day`, or now. The one
    answer for ending a term here and for the coverage history (engine.oversight.history)."""
    dispatched = select(p1_instructors_t.c.id).where(
        p1_instructors_t.c.organization_id == organization_id
    )
    serving = select(assign_t.c.id).where(assign_t.c.organization_id == organization_id)
    if day is None:
        serving = serving.where(assign_t.c.until.is_(None))
    else:
        dispatched = dispatched.where(
            or_(p1_instructors_t.c.dispatched_on.is_(None), p1_instructors_t.c.dispatched_on <= day)
        )
        serving = serving.where(
            assign_t.c.since <= day, or_(assign_t.c.until.is_(None), assign_t.c.until > day)
        )
    return or_(dispatched.exists(), serving.exists())


def end_instructor(
    conn: Connection, instructor_ids: Iterable[int], until: date, reason: str
) -> list[int]:
    """The instructors' assignments end on `until` (end of term, replaced, withdrawn). An
    organization left with no instructor and no Party organization is uncovered again (INS-2):
    returns those organizations."""
    ids = list(instructor_ids)
    if not ids:
        return []
    active = (assign_t.c.instructor_id.in_(ids)) & assign_t.c.until.is_(None)
    served = list(conn.execute(select(assign_t.c.organization_id).where(active)).scalars())
    if not served:
        return []
    conn.execute(update(assign_t).where(active).values(until=until, end_reason=reason))
    still = set(
        conn.execute(
            select(orgs_t.c.id).where(orgs_t.c.id.in_(served), instructed(orgs_t.c.id))
        ).scalars()
    )
    bare = sorted(set(served) - still)
    if bare:
        conn.execute(
            update(orgs_t)
            .where(orgs_t.c.id.in_(bare), orgs_t.c.coverage == "instructor")
            .values(coverage="none")
        )
    return bare
