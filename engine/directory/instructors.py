"""The instructor register (INS-2): instructors and liaisons, their source and term, the
organizations they serve, their periodic reports, and what the end of a term does.

Appointing an instructor to an organization is a step of a case (the coverage procedure's
`appoint_instructor`, an `Appoint` intent); the link itself is written by
engine/directory/coverage.py, the one writer of coverage. Here: the register's own writes,
and `end_terms`, which the scheduler runs once a day — an instructor whose term has ended
serves nobody from the next day, and an organization left with no instructor and no Party
organization is uncovered again (INS-2).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema
from sqlalchemy import Connection, select, update

from engine.access.actor import Actor
from engine.calendar import LegalCalendar, local_date
from engine.directory.coverage import end_instructor
from engine.errors import Forbidden, NotFound, TransitionRefused
from engine.inputs import InputSchema, check
from engine.rules import Refusal
from engine.store.tables import Unit
from engine.store.tables_coverage import InstructorRecord, InstructorReport
from engine.store.unit_of_work import UnitOfWork

instructors_t = InstructorRecord.__table__
reports_t = InstructorReport.__table__
units_t = Unit.__table__

SOURCES = ("cadre_left_post", "retired_cadre", "young_cadre", "social_org_party_org", "other")
"""INS-2: cadres who left their post without retiring, retired cadres, outstanding young
cadres, Party organizations of social organizations (宁波 第5条; 北京 第15条)."""
ROLES = ("instructor", "liaison")
END_REASONS = ("withdrawn", "replaced")


class InstructorInput(InputSchema):
    """INS-2: an instructor or liaison entered in the register."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    role = fields.String(load_default="instructor", validate=validate.OneOf(ROLES))
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    unit_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    term_starts_on = fields.Date(required=True)
    term_ends_on = fields.Date(required=True)

    @validates_schema
    def _term(self, data: dict, **_: Any) -> None:
        if data["term_ends_on"] <= data["term_starts_on"]:
            raise ValidationError(
                "INS-2: 任期结束日期应晚于开始日期 / the term ends after it starts", "term_ends_on"
            )


def _months(period: str) -> int:
    from engine.calendar import Period

    p = Period.parse(period)
    return max(1, p.years * 12 + p.months)


def register_instructor(
    uow: UnitOfWork, payload: dict[str, Any], *, actor: Actor, report_period: str = "P3M"
) -> int:
    """Enter an instructor in the register with the reports the term owes, each due at the end
    of its period (local parameter `instructor_report_period`)."""
    data = check(InstructorInput(), payload)
    if actor.role not in ("supervisor", "caseworker", "admin"):
        raise Forbidden(
            "INS-2: 指导员名册由承办人和主管人员维护 / only caseworkers and supervisors keep the "
            "instructor register"
        )
    every = _months(report_period)
    with uow:
        path = uow.conn.execute(
            select(units_t.c.path).where(units_t.c.id == data["unit_id"])
        ).scalar()
        if path is None or not actor.can_see(path):
            raise Forbidden("该单位不是本单位或下级单位 / the unit is not yours or below yours")
        now = uow.clock.now()
        iid = uow.conn.execute(
            instructors_t.insert()
            .values(
                **data,
                report_every_months=every,
                status="active",
                created_at=now,
            )
            .returning(instructors_t.c.id)
        ).scalar_one()
        rows, start = [], data["term_starts_on"]
        while start < data["term_ends_on"]:
            due = LegalCalendar.add(start, f"P{every}M")
            rows.append(
                {
                    "instructor_id": iid,
                    "period_starts_on": start,
                    "due_on": min(due, data["term_ends_on"]),
                }
            )
            start = due
        if rows:
            uow.conn.execute(reports_t.insert(), rows)
        uow.commit()
        return iid


class ReportInput(InputSchema):
    """INS-2: an instructor's report for one period."""

    period_starts_on = fields.Date(required=True)
    summary = fields.String(required=True, validate=validate.Length(min=2, max=5000))


class EndTermInput(InputSchema):
    """INS-2: an instructor leaves before the term ends (withdrawn, replaced by another)."""

    ended_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(END_REASONS))


def _instructor(uow: UnitOfWork, instructor_id: int, actor: Actor) -> Any:
    """The register row, locked, after the role and scope checks (INS-2)."""
    if actor.role not in ("supervisor", "caseworker", "admin"):
        raise Forbidden(
            "INS-2: 指导员名册由承办人和主管人员维护 / only caseworkers and supervisors keep the "
            "instructor register"
        )
    row = uow.conn.execute(
        select(instructors_t, units_t.c.path)
        .join(units_t, units_t.c.id == instructors_t.c.unit_id)
        .where(instructors_t.c.id == instructor_id)
        .with_for_update(of=instructors_t)
    ).first()
    if row is None:
        raise NotFound("instructor", instructor_id)
    if not actor.can_see(row.path):
        raise Forbidden("该指导员属于其他单位 / the instructor is of another unit")
    return row


def file_report(
    uow: UnitOfWork, instructor_id: int, payload: Mapping[str, Any], *, actor: Actor
) -> None:
    """INS-2: the instructor's report for a period is in (on the clock's day)."""
    data = check(ReportInput(), payload)
    with uow:
        _instructor(uow, instructor_id, actor)
        changed = uow.conn.execute(
            update(reports_t)
            .where(
                reports_t.c.instructor_id == instructor_id,
                reports_t.c.period_starts_on == data["period_starts_on"],
                reports_t.c.filed_on.is_(None),
            )
            .values(filed_on=local_date(uow.clock.now()), summary=data["summary"])
        ).rowcount
        if changed != 1:
            raise ValidationError(
                {
                    "period_starts_on": [
                        "INS-2: 该期没有待报送的报告 / no open report for this period"
                    ]
                }
            )
        uow.commit()


def end_term(
    uow: UnitOfWork, instructor_id: int, payload: Mapping[str, Any], *, actor: Actor
) -> list[int]:
    """INS-2: the instructor stops serving on `ended_on` (withdrawn or replaced); returns the
    organizations left with neither an instructor nor a Party organization — uncovered again.
    Ending an ended term is refused."""
    data = check(EndTermInput(), payload)
    today = local_date(uow.clock.now())
    with uow:
        row = _instructor(uow, instructor_id, actor)
        if row.status != "active":
            raise TransitionRefused(
                Refusal(
                    "INS-2",
                    zh=f"指导员{row.name}的任期已于{row.ended_on}结束",
                    en=f"{row.name}'s term ended on {row.ended_on} already",
                )
            )
        if not row.term_starts_on <= data["ended_on"] <= today:
            raise ValidationError(
                {
                    "ended_on": [
                        f"INS-2: 结束日期应在{row.term_starts_on}至今天之间 / the day is "
                        f"between {row.term_starts_on} and today"
                    ]
                }
            )
        uow.conn.execute(
            update(instructors_t)
            .where(instructors_t.c.id == instructor_id)
            .values(status="ended", ended_on=data["ended_on"])
        )
        bare = end_instructor(uow.conn, [instructor_id], data["ended_on"], data["reason"])
        uow.commit()
    return bare


def end_terms(uow: UnitOfWork, today: date, remind_before: str = "P30D") -> dict[str, list]:
    """`end_terms_in` in its own transaction."""
    with uow:
        out = end_terms_in(uow.conn, today, remind_before)
        uow.commit()
    return out


def end_terms_in(conn: Connection, today: date, remind_before: str = "P30D") -> dict[str, list]:
    """Once a day, in the caller's transaction: instructors whose term ends within
    `remind_before` are marked reminded (returned, for the notice that the organizations become
    uncovered unless replaced); those whose term ended before `today` end, and the
    organizations they leave bare are uncovered (INS-2).

    Exactly once on any number of processes: each set is claimed by one UPDATE … RETURNING on
    the rows' own state (a second run, or a concurrent one once the first commits, finds them
    reminded or ended already)."""
    horizon = LegalCalendar.add(today, remind_before)
    remind = conn.execute(
        update(instructors_t)
        .where(
            instructors_t.c.status == "active",
            instructors_t.c.term_reminded_on.is_(None),
            instructors_t.c.term_ends_on <= horizon,
            instructors_t.c.term_ends_on >= today,
        )
        .values(term_reminded_on=today)
        .returning(instructors_t.c.id, instructors_t.c.name, instructors_t.c.term_ends_on)
    ).all()
    ended = sorted(
        conn.execute(
            update(instructors_t)
            .where(instructors_t.c.status == "active", instructors_t.c.term_ends_on < today)
            .values(status="ended", ended_on=today)
            .returning(instructors_t.c.id)
        ).scalars()
    )
    bare = end_instructor(conn, ended, today, "term_ended")
    return {"reminded": [dict(r._mapping) for r in remind], "ended": ended, "uncovered": bare}
