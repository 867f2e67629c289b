"""The instructor register as the pages, the API and the CLI read it (INS-2): each instructor
or liaison of the actor's units with the organizations they serve now, their reports (filed,
overdue, the next due) and the stage they are at. Three statements, whatever the size.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select

from engine.access.actor import Actor
from engine.access.scope import scope_unit_ids, units_filter
from engine.store.tables import Organization, Unit
from engine.store.tables_coverage import InstructorAssignment, InstructorRecord, InstructorReport
from engine.store.unit_of_work import UnitOfWork

instructors_t = InstructorRecord.__table__
assign_t = InstructorAssignment.__table__
reports_t = InstructorReport.__table__
orgs_t = Organization.__table__
units_t = Unit.__table__

STAGES = ("appointed", "unassigned", "report_overdue", "term_ending", "ended")
"""What a register row shows first: ended; else a report overdue; else the term ending within
the reminder (the unit was told); else serving (appointed) or serving nobody yet."""


def register(uow: UnitOfWork, actor: Actor, today: date) -> list[dict[str, Any]]:
    """The instructors of the actor's units (active first, then by name), with `serves` (the
    organizations served now), `reports` (each period: due, filed), `overdue`, `next_due`
    and `stage`."""
    with uow.reader() as r:
        ids = scope_unit_ids(r, actor)
        rows = [
            dict(x)
            for x in r.conn.execute(
                select(instructors_t, units_t.c.name_zh, units_t.c.name_en)
                .join(units_t, units_t.c.id == instructors_t.c.unit_id)
                .where(units_filter(instructors_t.c.unit_id, ids))
                .order_by(instructors_t.c.status, instructors_t.c.name, instructors_t.c.id)
            ).mappings()
        ]
        wanted = [x["id"] for x in rows]
        serves: dict[int, list[dict[str, Any]]] = defaultdict(list)
        reports: dict[int, list[dict[str, Any]]] = defaultdict(list)
        if wanted:
            for a in r.conn.execute(
                select(
                    assign_t.c.instructor_id,
                    assign_t.c.organization_id,
                    assign_t.c.since,
                    assign_t.c.case_id,
                    orgs_t.c.name,
                    orgs_t.c.coverage,
                )
                .join(orgs_t, orgs_t.c.id == assign_t.c.organization_id)
                .where(assign_t.c.instructor_id.in_(wanted), assign_t.c.until.is_(None))
                .order_by(assign_t.c.id)
            ).mappings():
                serves[a["instructor_id"]].append(dict(a))
            for p in r.conn.execute(
                select(reports_t)
                .where(reports_t.c.instructor_id.in_(wanted))
                .order_by(reports_t.c.period_starts_on)
            ).mappings():
                reports[p["instructor_id"]].append(dict(p))
    for x in rows:
        x["serves"] = serves[x["id"]]
        x["reports"] = reports[x["id"]]
        active = x["status"] == "active"
        open_ = [p for p in x["reports"] if p["filed_on"] is None]
        x["overdue"] = [p for p in open_ if p["due_on"] < today] if active else []
        x["next_due"] = next((p for p in open_ if p["due_on"] >= today), None) if active else None
        x["filed"] = sum(1 for p in x["reports"] if p["filed_on"] is not None)
        x["stage"] = _stage(x)
    return rows


def _stage(x: dict[str, Any]) -> str:
    if x["status"] != "active":
        return "ended"
    if x["overdue"]:
        return "report_overdue"
    if x["term_reminded_on"] is not None:
        return "term_ending"
    return "appointed" if x["serves"] else "unassigned"
