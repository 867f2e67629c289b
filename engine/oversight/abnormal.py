"""The abnormal-activities list (社会组织活动异常名录, SUP-1).

《关于加强党建引领促进社会组织高质量发展的指导意见》（薛民字〔2020〕31号）第12条: an organization that does
not file its annual report in time, or does not complete a rectification by its date, is put
on the list; long-dormant ("zombie") organizations are listed and deregistered.

How an organization gets on the list, without knowing any procedure: a procedure gives the
deadline whose lateness lists the organization the rule SUP-1 (the inspection's annual report
and rectification). The scheduler's sweep (`Ticker.sweep`) lists, in one statement, every
organization with such a deadline past due — still open, or met late (a report filed after
its date, before any sweep saw it, still lists). `deadline_id` is unique, so each late
deadline lists once however many sweeps on however many hosts see it. A dormant organization
is listed by the step that finds it (the inspection's referral writes an `abnormal_entry`).

Leaving the list is an audited step (`remove`): who, when and why go on the entry itself, and
a notice on the case; it is refused, citing SUP-1, while the cause is still there (the report
not filed, the rectification not completed). A later cause lists the organization again, as a
new entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, extract, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.access.actor import Actor
from engine.calendar import local_date
from engine.definitions.model import Definitions
from engine.errors import Forbidden, NotFound, TransitionRefused
from engine.paging import Page, in_order, read_page
from engine.rules import Refusal
from engine.store.tables import Case, Deadline, Event, Organization, Unit
from engine.store.tables_annual import AbnormalEntry, CaseKey
from engine.store.unit_of_work import UnitOfWork

entries_t = AbnormalEntry.__table__
deadlines_t = Deadline.__table__
cases_t = Case.__table__
orgs_t = Organization.__table__
units_t = Unit.__table__
events_t = Event.__table__
keys_t = CaseKey.__table__

RULE = "SUP-1"

#: The event a leaving writes in the case's history (its label: web/ui/labels.py).
REMOVED_EVENT = "abnormal_removed"
#: The reason of a listing made by a procedure's step rather than by a late deadline.
DORMANT = "dormant"
STATUSES = ("listed", "removed", "deregistration")
REASON_LABELS = {
    DORMANT: {
        "zh": "常年不开展活动、无法取得联系的“僵尸”社会组织（列入清单，移送注销）",
        "en": "Long-dormant and unreachable (listed for deregistration)",
    }
}


def sweep(conn: Connection, now: datetime) -> int:
    """List every organization whose SUP-1 deadline is past due (open, or met late); returns
    how many entries this call wrote. One INSERT … SELECT … ON CONFLICT DO NOTHING."""
    today = local_date(now)
    d, c = deadlines_t, cases_t
    late = and_(
        d.c.rule == RULE,
        d.c.due_at < now,
        or_(d.c.status == "open", and_(d.c.status == "met", d.c.closed_at > d.c.due_at)),
        c.c.suspended_at.is_(None),
        ~exists().where(entries_t.c.deadline_id == d.c.id),
    )
    source = (
        select(
            c.c.organization_id,
            orgs_t.c.unit_id,
            d.c.key,
            keys_t.c.series,
            literal("listed"),
            literal(today),
            literal(now, entries_t.c.listed_at.type),
            literal("system"),
            c.c.id,
            d.c.id,
            d.c.due_date,
        )
        .select_from(d)
        .join(c, c.c.id == d.c.case_id)
        .join(orgs_t, orgs_t.c.id == c.c.organization_id)
        .outerjoin(keys_t, keys_t.c.case_id == c.c.id)
        .where(late)
    )
    columns = [
        "organization_id",
        "unit_id",
        "reason",
        "series",
        "status",
        "listed_on",
        "listed_at",
        "listed_by_name",
        "case_id",
        "deadline_id",
        "due_date",
    ]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(entries_t)
        .from_select(columns, source)
        .on_conflict_do_nothing(index_elements=["deadline_id"])
        .returning(entries_t.c.id)
    )
    return len(conn.execute(stmt).all())


def run_sweep(uow: UnitOfWork, now: datetime) -> int:
    """`sweep` in its own transaction (the scheduler's tick)."""
    with uow:
        n = sweep(uow.conn, now)
        uow.commit()
    return n


def remove(uow: UnitOfWork, entry_id: int, reason: str, *, actor: Actor) -> dict[str, Any]:
    """The organization leaves the list: refused (SUP-1) while its cause is still there."""
    if actor.role not in ("caseworker", "supervisor", "admin"):
        raise Forbidden(
            "only caseworkers and supervisors take an organization off the list / "
            "只有经办人和督办人可以将社会组织移出名录"
        )
    with uow:
        row = uow.conn.execute(
            select(entries_t, units_t.c.path, deadlines_t.c.status.label("deadline_status"))
            .join(units_t, units_t.c.id == entries_t.c.unit_id)
            .outerjoin(deadlines_t, deadlines_t.c.id == entries_t.c.deadline_id)
            .where(entries_t.c.id == entry_id)
            .with_for_update(of=entries_t)
        ).first()
        if row is None:
            raise NotFound("abnormal list entry", entry_id)
        if not actor.can_see(row.path):
            raise Forbidden("the entry belongs to another unit / 该名录记录属于其他单位")
        refusal = _why_not_removable(row)
        if refusal is not None:
            raise TransitionRefused(refusal)
        now = uow.clock.now()
        uow.conn.execute(
            update(entries_t)
            .where(entries_t.c.id == entry_id)
            .values(
                status="removed",
                removed_on=local_date(now),
                removed_at=now,
                removed_by_id=actor.id,
                removed_by_name=actor.display_name,
                removal_reason=reason,
            )
        )
        if row.case_id is not None:
            version = uow.conn.execute(
                select(cases_t.c.version).where(cases_t.c.id == row.case_id)
            ).scalar_one()
            uow.conn.execute(
                events_t.insert().values(
                    case_id=row.case_id,
                    kind=REMOVED_EVENT,
                    case_version=version,
                    actor_id=actor.id,
                    actor_name=actor.display_name,
                    at=now,
                    comment=reason,  # the person's words; the kind says what happened
                    payload={"abnormal_entry": entry_id, "reason": reason},
                    rules=[RULE],
                )
            )
        uow.commit()
    return {"id": entry_id, "status": "removed", "removed_on": local_date(now).isoformat()}


def _why_not_removable(row: Any) -> Refusal | None:
    if row.status != "listed":
        return Refusal(
            RULE,
            zh="该条目已不在名录中或已移送注销",
            en="The entry is no longer listed, or was referred for deregistration",
        )
    if row.deadline_id is not None and row.deadline_status == "open":
        return Refusal(
            RULE,
            zh="列入原因仍未消除（年报未报送或整改未完成），不能移出活动异常名录",
            en="The cause is still there (the report not filed or the rectification not "
            "completed): the organization cannot leave the list yet",
        )
    return None


@dataclass(frozen=True)
class EntryFilter:
    """The list's filters: a unit (and below), a reason, a status, a year (of listing)."""

    unit_code: str | None = None
    reason: str | None = None
    status: str | None = None
    year: int | None = None


def _select_ids(conn: Connection, actor: Actor, f: EntryFilter) -> Any:
    q = (
        select(entries_t.c.id)
        .join(units_t, units_t.c.id == entries_t.c.unit_id)
        .where(actor.scope(units_t.c.path))
        .order_by(entries_t.c.listed_on.desc(), entries_t.c.id.desc())
    )
    if f.unit_code:
        path = conn.execute(
            select(units_t.c.path).where(units_t.c.code == f.unit_code)
        ).scalar_one_or_none()
        if path is None:
            raise NotFound("unit", f.unit_code)
        q = q.where(units_t.c.path.startswith(path, autoescape=True))
    if f.reason:
        q = q.where(entries_t.c.reason == f.reason)
    if f.status:
        q = q.where(entries_t.c.status == f.status)
    if f.year:
        q = q.where(extract("year", entries_t.c.listed_on) == f.year)
    return q


def _rows(conn: Connection, defs: Definitions, ids: list[int]) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(
            entries_t,
            orgs_t.c.name.label("organization_name"),
            orgs_t.c.credit_code,
            units_t.c.code.label("unit_code"),
            units_t.c.name_zh.label("unit_zh"),
            units_t.c.name_en.label("unit_en"),
            cases_t.c.procedure,
            cases_t.c.definition_version,
        )
        .join(orgs_t, orgs_t.c.id == entries_t.c.organization_id)
        .join(units_t, units_t.c.id == entries_t.c.unit_id)
        .outerjoin(cases_t, cases_t.c.id == entries_t.c.case_id)
        .where(entries_t.c.id.in_(ids))
    ).mappings()
    out = in_order(ids, rows)
    for r in out:
        r["reason_label"] = reason_label(defs, r)
    return out


def reason_label(defs: Definitions, row: Mapping[str, Any]) -> dict[str, str]:
    """A reason in both languages: the late deadline's own label, or the dormant listing's."""
    if row["reason"] in REASON_LABELS:
        return REASON_LABELS[row["reason"]]
    if row.get("procedure"):
        spec = defs.get(row["procedure"], row["definition_version"]).deadline(row["reason"])
        if spec is not None:
            return {"zh": spec.label.zh, "en": spec.label.en}
    return {"zh": row["reason"], "en": row["reason"]}


def list_entries(
    uow: UnitOfWork,
    defs: Definitions,
    actor: Actor,
    f: EntryFilter,
    *,
    page: int = 1,
    per_page: int = 25,
    offset: int | None = None,
) -> Page:
    """One page of the list, as the actor may see it (newest listing first)."""
    with uow:
        conn = uow.conn
        return read_page(
            conn,
            _select_ids(conn, actor, f),
            lambda ids: _rows(conn, defs, ids),
            page=page,
            per_page=per_page,
            offset=offset,
        )


def all_entries(
    conn: Connection, defs: Definitions, actor: Actor, f: EntryFilter, limit: int = 100_000
) -> list[dict[str, Any]]:
    """Every entry under the filter (the XLSX export), in the list's order."""
    ids = list(conn.execute(_select_ids(conn, actor, f).limit(limit)).scalars())
    out: list[dict[str, Any]] = []
    for i in range(0, len(ids), 1000):
        out.extend(_rows(conn, defs, ids[i : i + 1000]))
    return out


def entries_of_year(conn: Connection, unit_path: str, year: int) -> list[dict[str, Any]]:
    """The year-end report's read: entries of unit U (and below) listed in year Y, with their
    organization, reason, status and dates (no labels: the caller has the definitions)."""
    return [
        dict(r)
        for r in conn.execute(
            select(
                entries_t,
                orgs_t.c.name.label("organization_name"),
                cases_t.c.procedure,
                cases_t.c.definition_version,
            )
            .join(units_t, units_t.c.id == entries_t.c.unit_id)
            .join(orgs_t, orgs_t.c.id == entries_t.c.organization_id)
            .outerjoin(cases_t, cases_t.c.id == entries_t.c.case_id)
            .where(
                units_t.c.path.startswith(unit_path, autoescape=True),
                entries_t.c.listed_on >= date(year, 1, 1),
                entries_t.c.listed_on <= date(year, 12, 31),
            )
            .order_by(entries_t.c.listed_on, entries_t.c.id)
        ).mappings()
    ]
