"""The year-end report of a unit (述职, RPT-1) and the secretaries' yearly reports (SEC-7).

At year end the supervisory units report on their social-organization Party work, and each
Party organization's secretary reports at least once a year to the upper Party organization
and the members (RPT-1, SEC-7). What the report holds, per unit (with every unit below it)
and year, all read in one transaction at one instant:

* **ACC-1 over the year**, per responsible unit: the deadlines that fell due in the year, how
  many were met on time, met late, cancelled, or still open at the year's end (overdue then);
  the escalations the sweep sent and the stalls it flagged in the year;
* **coverage** (REG-7) on the first and the last day, and the charts' history
  (`engine.oversight.history`): coverage and overdue at each month end, time in each step;
* **drives** (REG-10, `engine.oversight.campaigns.campaigns_in_year`);
* **the abnormal-activities list** (SUP-1, `engine.oversight.abnormal.entries_of_year`);
* **the secretaries' reports** (SEC-7), per Party organization active in the year: the
  reports made in it — the steps citing SEC-7 on the secretary's case (found through the
  officer row that case created, so no procedure is named here) — or, where none was made,
  whether the yearly deadline had run out by the year's end.

* **the year's series of cases** (INS-1's annual inspection and any procedure opened once per
  organization and year by the bulk opener, `case_keys.series` = the year): per procedure, the
  cases by the state they are in — a terminal state is the year's result (qualified,
  unqualified, referred…), any other is still under way. No procedure is named here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select

from engine.access.actor import Actor
from engine.calendar import end_of_day, local_date
from engine.definitions.model import Definitions
from engine.oversight import abnormal, campaigns, history
from engine.oversight.statistics import UnitInScope, as_of, unit_in_scope
from engine.store.tables import (
    Case,
    Deadline,
    Event,
    Organization,
    PartyOfficer,
    PartyOrganization,
    Unit,
)
from engine.store.tables_annual import CaseKey
from engine.store.tables_oversight import DeadlineAction, StallFlag
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__
deadlines_t = Deadline.__table__
events_t = Event.__table__
units_t = Unit.__table__
orgs_t = Organization.__table__
party_t = PartyOrganization.__table__
officers_t = PartyOfficer.__table__
actions_t = DeadlineAction.__table__
stalls_t = StallFlag.__table__
keys_t = CaseKey.__table__

#: The rule whose steps are the secretary's yearly report and whose deadline asks for it.
SECRETARY_REPORT_RULE = "SEC-7"
ACC_MEASURES = (
    "fell_due",
    "met_on_time",
    "met_late",
    "cancelled",
    "open_at_end",
    "escalations",
    "stalls",
)


@dataclass
class YearEndReport:
    unit: UnitInScope
    year: int
    as_of: date
    accountability: list[dict[str, Any]]
    accountability_totals: dict[str, int]
    coverage_start: dict[str, int]
    coverage_end: dict[str, int]
    trends: history.Trends
    campaigns: list[dict[str, Any]]
    abnormal: list[dict[str, Any]]
    secretaries: list[dict[str, Any]]
    series: list[dict[str, Any]] = field(default_factory=list)


def year_end_report(
    uow: UnitOfWork,
    actor: Actor,
    defs: Definitions,
    unit_id: int | None,
    year: int,
    now: datetime,
) -> YearEndReport:
    """Everything the year-end report shows for a unit and year (RPT-1, SEC-7, ACC-1)."""
    day = as_of(year, now)
    start = end_of_day(date(year, 1, 1) - timedelta(days=1))
    end = min(end_of_day(day), now)
    with uow.reader() as r:
        unit = unit_in_scope(r, actor, unit_id)
        ids = unit.unit_ids
        acc = _accountability(r, ids, start, end)
        procedures = [d.procedure for d in defs.latest()]
        trends = history.trends_in(
            r, ids, history.month_ends(year, now), now, procedures, start, end
        )
        path = "/"
        if unit.id is not None:
            path = r.conn.execute(
                select(units_t.c.path).where(units_t.c.id == unit.id)
            ).scalar_one()
        drives = [c for c in campaigns.list_campaigns(r, ids, now) if c["starts_on"].year == year]
        listed = [
            {**e, "reason_label": abnormal.reason_label(defs, e)}
            for e in abnormal.entries_of_year(r.conn, path, year)
        ]
        secretaries = _secretaries(r, ids, year, day, start, end)
        series = _series(r, ids, year)
        cov_start = history.coverage_on(r, ids, date(year, 1, 1) - timedelta(days=1))
        cov_end = history.coverage_on(r, ids, day)
    totals = {m: sum(u[m] for u in acc) for m in ACC_MEASURES}
    return YearEndReport(
        unit, year, day, acc, totals, cov_start, cov_end, trends, drives, listed, secretaries,
        series,
    )  # fmt: skip


def _accountability(
    r: UnitOfWork, ids: list[int] | None, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """ACC-1 over [start, end): per responsible unit, the year's deadlines and how they ended."""
    scope = cases_t.c.unit_id.in_(ids) if ids is not None else literal(True)
    d = deadlines_t.c
    closed_in_time = and_(d.closed_at.is_not(None), d.closed_at < end)

    def n(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    q = (
        select(
            cases_t.c.unit_id,
            func.count().label("fell_due"),
            n(and_(closed_in_time, d.status == "met", d.closed_at <= d.due_at)).label(
                "met_on_time"
            ),
            n(and_(closed_in_time, d.status == "met", d.closed_at > d.due_at)).label("met_late"),
            n(and_(closed_in_time, d.status == "cancelled")).label("cancelled"),
            n(~closed_in_time).label("open_at_end"),
        )
        .select_from(deadlines_t.join(cases_t, cases_t.c.id == d.case_id))
        .where(d.due_at >= start, d.due_at < end, scope)
        .group_by(cases_t.c.unit_id)
    )
    lines: dict[int, dict[str, Any]] = {}

    def line(uid: int) -> dict[str, Any]:
        return lines.setdefault(uid, {"unit_id": uid, **{m: 0 for m in ACC_MEASURES}})

    for row in r.conn.execute(q).mappings():
        line(row["unit_id"]).update({k: int(v) for k, v in row.items() if k != "unit_id"})
    esc = (
        select(cases_t.c.unit_id, func.count().label("n"))
        .select_from(actions_t.join(cases_t, cases_t.c.id == actions_t.c.case_id))
        .where(
            actions_t.c.level >= 1, actions_t.c.fired_at >= start, actions_t.c.fired_at < end, scope
        )
        .group_by(cases_t.c.unit_id)
    )
    for uid, count in r.conn.execute(esc):
        line(uid)["escalations"] = int(count)
    stalls = (
        select(cases_t.c.unit_id, func.count().label("n"))
        .select_from(stalls_t.join(cases_t, cases_t.c.id == stalls_t.c.case_id))
        .where(stalls_t.c.flagged_at >= start, stalls_t.c.flagged_at < end, scope)
        .group_by(cases_t.c.unit_id)
    )
    for uid, count in r.conn.execute(stalls):
        line(uid)["stalls"] = int(count)
    if lines:
        names = r.conn.execute(
            select(
                units_t.c.id, units_t.c.code, units_t.c.name_zh, units_t.c.name_en, units_t.c.path
            ).where(units_t.c.id.in_(list(lines)))
        ).mappings()
        for u in names:
            lines[u["id"]].update(
                unit_code=u["code"],
                unit_name_zh=u["name_zh"],
                unit_name_en=u["name_en"],
                unit_path=u["path"],
            )
    return sorted(
        lines.values(), key=lambda x: (-x["open_at_end"], -x["met_late"], x.get("unit_path", ""))
    )


def _secretaries(
    r: UnitOfWork, ids: list[int] | None, year: int, day: date, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """SEC-7 per Party organization active in the year (established by its end, not revoked
    before it began), its secretary and the reports made in the year."""
    unit = func.coalesce(orgs_t.c.unit_id, party_t.c.upper_unit_id)
    pos = (
        select(
            party_t.c.id,
            party_t.c.name,
            party_t.c.upper_party_org,
            orgs_t.c.name.label("organization"),
        )
        .outerjoin(orgs_t, orgs_t.c.id == party_t.c.organization_id)
        .where(
            or_(party_t.c.established_on.is_(None), party_t.c.established_on <= day),
            or_(party_t.c.revoked_on.is_(None), party_t.c.revoked_on >= date(year, 1, 1)),
            unit.in_(ids) if ids is not None else literal(True),
        )
        .order_by(party_t.c.name, party_t.c.id)
    )
    out = {p["id"]: {**dict(p), "secretary": None, "reports": [], "standing": "no_secretary", "due": None}
           for p in r.conn.execute(pos).mappings()}  # fmt: skip
    if not out:
        return []
    officers = (
        r.conn.execute(
            select(
                officers_t.c.party_organization_id,
                officers_t.c.name,
                officers_t.c.case_id,
                officers_t.c.status,
            )
            .where(
                officers_t.c.party_organization_id.in_(list(out)),
                officers_t.c.position == "secretary",
                or_(officers_t.c.ended_on.is_(None), officers_t.c.ended_on >= date(year, 1, 1)),
            )
            .order_by(officers_t.c.id)
        )
        .mappings()
        .all()
    )
    case_po = {}
    for o in officers:
        p = out[o["party_organization_id"]]
        p["secretary"] = o["name"]  # the latest secretary of the year
        if p["standing"] == "no_secretary":
            p["standing"] = "not_due"
        if o["case_id"] is not None:
            case_po[o["case_id"]] = o["party_organization_id"]
    if case_po:
        evs = r.conn.execute(
            select(events_t.c.case_id, events_t.c.at, events_t.c.rules, events_t.c.actor_name)
            .where(
                events_t.c.case_id.in_(list(case_po)),
                events_t.c.kind == "transition",
                events_t.c.at >= start,
                events_t.c.at < end,
            )
            .order_by(events_t.c.at)
        ).mappings()
        for e in evs:
            if SECRETARY_REPORT_RULE in (e["rules"] or []):
                out[case_po[e["case_id"]]]["reports"].append(local_date(e["at"]))
        late = r.conn.execute(
            select(deadlines_t.c.case_id, func.min(deadlines_t.c.due_date).label("due"))
            .where(
                deadlines_t.c.case_id.in_(list(case_po)),
                deadlines_t.c.rule == SECRETARY_REPORT_RULE,
                deadlines_t.c.due_at < end,
                or_(deadlines_t.c.closed_at.is_(None), deadlines_t.c.closed_at >= end),
            )
            .group_by(deadlines_t.c.case_id)
        )
        for case_id, due in late:
            out[case_po[case_id]]["due"] = due
    for p in out.values():
        if p["reports"]:
            p["standing"] = "reported"
        elif p["due"] is not None:
            p["standing"] = "overdue"
    return list(out.values())


def _series(r: UnitOfWork, ids: list[int] | None, year: int) -> list[dict[str, Any]]:
    """The year's series of cases (`case_keys.series` = the year) per procedure, version and
    state, with how many cases are in it; closed cases in a terminal state are the results."""
    scope = cases_t.c.unit_id.in_(ids) if ids is not None else literal(True)
    q = (
        select(
            keys_t.c.procedure,
            cases_t.c.definition_version.label("version"),
            cases_t.c.state,
            cases_t.c.status,
            func.count().label("cases"),
        )
        .join(cases_t, cases_t.c.id == keys_t.c.case_id)
        .where(keys_t.c.series == str(year), scope)
        .group_by(
            keys_t.c.procedure, cases_t.c.definition_version, cases_t.c.state, cases_t.c.status
        )
        .order_by(keys_t.c.procedure, cases_t.c.state)
    )
    return [dict(x) for x in r.conn.execute(q).mappings()]
