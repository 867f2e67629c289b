"""The dry run and the run: every open case of one version, judged, then moved case by case.

Why case by case, each in its own transaction: a migration of thousands of cases must not
hold the database for minutes, and it must survive being stopped. A case moves whole or not
at all — its `definition_version`, state, version bump, data, deadline rows and its
`migrated` audit event commit together. Running again migrates only the cases still on the
old version: a case already on the target is skipped, so each case is migrated exactly once,
however often the run is killed and resumed.

A case that moved between the dry run and the run is judged again inside its transaction,
with its row locked (PostgreSQL `FOR UPDATE`; SQLite `BEGIN IMMEDIATE`) and the UPDATE
conditional on the version it was judged at; what is applied is always what was judged on the
case as it is, and a case the plan no longer fits is reported and left alone.

`cases.updated_at` is left as it was: a migration is no work on the case, and a stalled case
must not look active because the administrator moved it (ACC-1, `engine.oversight.stalls`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Connection, Select, func, select

from engine.access.actor import SYSTEM, Actor
from engine.cases import documents
from engine.cases.lookup import RecordLookup
from engine.cases.migration import apply
from engine.cases.migration.apply import CASES, EVENT_KIND
from engine.cases.migration.judge import judge
from engine.cases.migration.plan import MigrationPlan, check_plan
from engine.cases.migration.report import CasePlan, Context, MigrationReport
from engine.cases.organization import OrganizationView
from engine.definitions.flow import deadlines_by_state
from engine.definitions.model import Definition, Definitions
from engine.errors import DefinitionError, Forbidden, Problem, TongbuError
from engine.store.tables import Case, Deadline, DefinitionVersion, Event, Organization
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__
deadlines_t = Deadline.__table__
events_t = Event.__table__
orgs_t = Organization.__table__
versions_t = DefinitionVersion.__table__


class MigrationRefused(TongbuError):
    """The plan does not fit (itself, or a case): nothing was migrated; the report says why."""

    def __init__(self, report: MigrationReport) -> None:
        refused = sum(1 for c in report.cases if c.refused)
        super().__init__(
            f"migration plan refused: {len(report.plan_problems)} plan problem(s), "
            f"{refused} case(s) it does not fit"
        )
        self.report = report


@dataclass(frozen=True)
class CaseOutcome:
    """What the run did to one case: `migrated`, `skipped` (no longer on the source version:
    migrated before, e.g. by a run that was stopped), `closed` (closed since the dry run) or
    `refused` (it moved since the dry run and the plan no longer fits; left as it is)."""

    case_id: int
    outcome: str
    plan: CasePlan | None = None
    replanned: bool = False
    event_id: int | None = None


@dataclass
class MigrationRun:
    report: MigrationReport
    outcomes: list[CaseOutcome] = field(default_factory=list)
    stopped_at_limit: bool = False

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)


def require_administrator(actor: Actor) -> None:
    """A migration, dry run included, reads and moves cases of every unit: administrators
    only (the CLI runs as the system)."""
    if not actor.is_admin:
        raise Forbidden("only an administrator migrates cases / 只有管理员可以迁移案件")


def _versions(
    defs: Definitions, procedure: str, from_version: int, to_version: int
) -> tuple[Definition, Definition]:
    if to_version <= from_version:
        raise ValidationError(
            {
                "to": [
                    "must be newer than the source version: to undo a migration, ship a new "
                    "version / 目标版本须高于原版本；如需回退，请发布新版本"
                ]
            }
        )
    return defs.get(procedure, from_version), defs.get(procedure, to_version)


def _check_recorded(conn: Connection, *versions: Definition) -> None:
    """Both versions must be the ones the database recorded (`engine.definitions.sync`): a
    migration to a file nobody has synced, or one edited since, would pin cases to a
    meaning the database never saw."""
    problems = []
    for d in versions:
        stored = conn.execute(
            select(versions_t.c.content_hash).where(
                versions_t.c.procedure == d.procedure, versions_t.c.version == d.version
            )
        ).scalar()
        if stored != d.content_hash:
            problems.append(
                Problem(
                    d.file,
                    "version",
                    "not recorded in the database (start the app or the CLI once to sync it)"
                    if stored is None
                    else "content differs from the recorded version; raise the version",
                )
            )
    if problems:
        raise DefinitionError(problems)


def _deadlines(conn: Connection, case_ids: Select) -> dict[int, list[Any]]:
    q = select(deadlines_t).where(deadlines_t.c.case_id.in_(case_ids)).order_by(deadlines_t.c.id)
    out: dict[int, list[Any]] = defaultdict(list)
    for row in conn.execute(q):
        out[row.case_id].append(row)
    return out


def _organizations(conn: Connection, ids: Select) -> dict[int, OrganizationView]:
    return {
        row["id"]: OrganizationView(row, conn)
        for row in conn.execute(select(orgs_t).where(orgs_t.c.id.in_(ids))).mappings()
    }


def _judge_row(
    ctx: Context,
    conn: Connection,
    row: Any,
    deadline_rows: list[Any],
    organization: OrganizationView,
    lookup: RecordLookup,
    params: Any,
) -> CasePlan:
    return judge(
        ctx,
        row,
        row.org_name,
        deadline_rows,
        {"organization": organization, "params": params},
        lambda: documents.case_materials(conn, row.id),
        lookup,
    )


def plan_migration(
    uow: UnitOfWork,
    defs: Definitions,
    plan: MigrationPlan,
    procedure: str,
    from_version: int,
    to_version: int,
    *,
    actor: Actor = SYSTEM,
) -> MigrationReport:
    """The dry run: every open case of `procedure` on `from_version`, judged under `plan` in
    one read transaction at one instant. Writes nothing; refused when `report.refused`.
    Administrators only, like the run: it reads cases of every unit."""
    require_administrator(actor)
    source, target = _versions(defs, procedure, from_version, to_version)
    with uow.reader() as r:
        _check_recorded(r.conn, source, target)
        now = r.clock.now()
        report = MigrationReport(procedure, from_version, to_version, plan.sha256, now)
        report.plan_problems = check_plan(plan, source, target)
        report.migrated_before = r.conn.execute(
            select(func.count(func.distinct(events_t.c.case_id)))
            .join(cases_t, cases_t.c.id == events_t.c.case_id)
            .where(
                events_t.c.kind == EVENT_KIND,
                cases_t.c.procedure == procedure,
                cases_t.c.definition_version == to_version,
            )
        ).scalar_one()
        ctx = Context(source, target, plan, deadlines_by_state(target), now, r.calendar)
        open_cases = CASES.where(
            cases_t.c.procedure == procedure,
            cases_t.c.definition_version == from_version,
            cases_t.c.status == "open",
        ).order_by(cases_t.c.id)
        rows = r.conn.execute(open_cases).all()
        ids = open_cases.with_only_columns(cases_t.c.id).order_by(None)
        deadlines = _deadlines(r.conn, ids)
        orgs = _organizations(
            r.conn, open_cases.with_only_columns(cases_t.c.organization_id).order_by(None)
        )
        lookup = RecordLookup(r.conn)
        for row in rows:
            report.cases.append(
                _judge_row(
                    ctx,
                    r.conn,
                    row,
                    deadlines.get(row.id, []),
                    orgs[row.organization_id],
                    lookup,
                    defs.parameters,
                )
            )
    return report


def _migrate_one(
    uow: UnitOfWork,
    defs: Definitions,
    plan: MigrationPlan,
    source: Definition,
    target: Definition,
    flow: Mapping[str, Any],
    planned: CasePlan,
    actor: Actor,
) -> CaseOutcome:
    with uow:
        conn = uow.conn
        found = apply.lock_case(conn, planned.case_id, source.procedure, source.version)
        if found is None:
            return CaseOutcome(planned.case_id, "skipped")
        row, org_columns = found
        if row.status != "open":
            return CaseOutcome(planned.case_id, "closed")
        ctx = Context(source, target, plan, flow, uow.clock.now(), uow.calendar)
        rows = apply.case_deadlines(conn, row.id)
        organization = OrganizationView(org_columns, conn)
        now_plan = _judge_row(
            ctx, conn, row, rows, organization, RecordLookup(conn), defs.parameters
        )
        replanned = row.version != planned.case_version
        if now_plan.refused:
            return CaseOutcome(row.id, "refused", now_plan, replanned)
        event_id = apply.write(conn, ctx, row, now_plan, actor)
        uow.commit()
        return CaseOutcome(row.id, "migrated", now_plan, replanned, event_id)


def migrate(
    uow: UnitOfWork,
    defs: Definitions,
    plan: MigrationPlan,
    procedure: str,
    from_version: int,
    to_version: int,
    *,
    actor: Actor = SYSTEM,
    limit: int | None = None,
    on_case: Callable[[CaseOutcome], None] | None = None,
) -> MigrationRun:
    """Migrate every open case of `procedure` from `from_version` to `to_version`.

    The dry run comes first, in full: a refused plan raises `MigrationRefused` before any case
    is touched. Then each case in its own transaction (see the module docstring); `limit`
    stops after that many cases are migrated (run again for the next batch); `on_case` hears
    of each case once its transaction has ended (progress, a log line). Administrators only:
    a migration moves cases of every unit."""
    report = plan_migration(uow, defs, plan, procedure, from_version, to_version, actor=actor)
    if report.refused:
        raise MigrationRefused(report)
    source, target = _versions(defs, procedure, from_version, to_version)
    flow = deadlines_by_state(target)
    run = MigrationRun(report)
    for planned in report.cases:
        if limit is not None and run.count("migrated") >= limit:
            run.stopped_at_limit = True
            break
        outcome = _migrate_one(uow, defs, plan, source, target, flow, planned, actor)
        run.outcomes.append(outcome)
        if on_case is not None:
            on_case(outcome)
    return run
