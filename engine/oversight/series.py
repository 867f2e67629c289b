"""What became of the cases a bulk opening opened: one series (a year) of one procedure, per unit.

The year-end report reads the annual inspection through this (RPT-1: "inspections of unit U in
year Y"): how many were opened, how many finished, in which end state, and how often each step
was taken (a rectification demand is a step). Generic — the caller names the procedure, the
series and, to read it, the states and steps (the inspection's: `qualified`, `unqualified`,
`demand_rectification`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select

from engine.store.tables import Case, Event, Unit
from engine.store.tables_annual import CaseKey

cases_t = Case.__table__
events_t = Event.__table__
units_t = Unit.__table__
keys_t = CaseKey.__table__


@dataclass(frozen=True)
class SeriesTally:
    """Counts of one series in one unit (and below)."""

    opened: int
    completed: int
    by_state: dict[str, int] = field(default_factory=dict)
    steps: dict[str, int] = field(default_factory=dict)


def tally(conn: Connection, *, procedure: str, series: str, unit_path: str) -> SeriesTally:
    """Opened, completed (closed), cases per current state and steps taken per trigger."""
    in_series = (
        select(cases_t.c.id, cases_t.c.state, cases_t.c.status)
        .join(keys_t, keys_t.c.case_id == cases_t.c.id)
        .join(units_t, units_t.c.id == cases_t.c.unit_id)
        .where(
            keys_t.c.procedure == procedure,
            keys_t.c.series == series,
            units_t.c.path.startswith(unit_path, autoescape=True),
        )
        .subquery()
    )
    by_state = {
        state: n
        for state, n in conn.execute(
            select(in_series.c.state, func.count()).group_by(in_series.c.state)
        )
    }
    completed = conn.execute(
        select(func.count()).where(in_series.c.status == "closed")
    ).scalar_one()
    steps = {
        trigger: n
        for trigger, n in conn.execute(
            select(events_t.c.trigger, func.count())
            .join(in_series, in_series.c.id == events_t.c.case_id)
            .where(events_t.c.kind == "transition")
            .group_by(events_t.c.trigger)
        )
    }
    return SeriesTally(sum(by_state.values()), completed, by_state, steps)
