"""What a migration says about each case: the plan the dry run shows and the run applies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from engine.calendar import LegalCalendar
from engine.cases.migration.plan import MigrationPlan, PlanProblem
from engine.definitions.flow import StateDeadlines
from engine.definitions.model import Definition


@dataclass(frozen=True)
class Finding:
    """A problem (the case cannot move) or a note (it can; read this first), zh and en."""

    code: str
    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.en} / {self.zh}"


@dataclass(frozen=True)
class DataChange:
    op: str  # "renamed" | "default"
    path: str
    to: str | None = None


@dataclass(frozen=True)
class DeadlineChange:
    """What happens to one deadline: `carried` (runs on; maybe re-keyed or re-dated),
    `opened`, `cancelled`, or `skipped` (the target runs it here; the case met it already)."""

    action: str
    key: str
    new_key: str | None
    rule: str
    deadline_id: int | None
    old_due: date | None
    new_due: date | None
    anchor_date: date | None = None
    anchor_from: str | None = None
    """Where the anchor came from: "kept" (the row's), "data.<path>", "migration_day"."""
    why: str | None = None
    """cancelled: "gone" (not in the target), "not_here" (not run in the new state),
    "duplicate"; skipped: the closed row's status ("met", "cancelled")."""
    overdue: bool = False
    values: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    """The row's new columns (carried with a change, opened); None: nothing to write."""

    @property
    def changes(self) -> bool:
        return self.action != "carried" or self.values is not None


@dataclass
class CasePlan:
    """One case's migration as the dry run shows it and the run applies it."""

    case_id: int
    organization_id: int
    organization: str
    case_version: int
    old_state: str
    new_state: str | None
    data: dict[str, Any]
    data_changes: list[DataChange] = field(default_factory=list)
    deadlines: list[DeadlineChange] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.problems)


@dataclass(frozen=True)
class Context:
    """What judging any case of one migration needs: both versions, the plan, the target's
    deadlines per state, the instant and the calendar (one `now` for the whole dry run)."""

    source: Definition
    target: Definition
    plan: MigrationPlan
    flow: Mapping[str, StateDeadlines]
    now: datetime
    calendar: LegalCalendar


@dataclass
class MigrationReport:
    """The dry run: the plan's own problems and every open case of the source version."""

    procedure: str
    from_version: int
    to_version: int
    plan_sha256: str
    now: datetime
    plan_problems: list[PlanProblem] = field(default_factory=list)
    cases: list[CasePlan] = field(default_factory=list)
    migrated_before: int = 0
    """Cases of the procedure already on the target version by a migration (a resumed run)."""

    @property
    def refused(self) -> bool:
        return bool(self.plan_problems) or any(c.refused for c in self.cases)


def case_dict(c: CasePlan) -> dict[str, Any]:
    """One case of the report as JSON-ready values (the CLI's --json, an API body)."""
    return {
        "case_id": c.case_id,
        "organization_id": c.organization_id,
        "organization": c.organization,
        "case_version": c.case_version,
        "old_state": c.old_state,
        "new_state": c.new_state,
        "data": [asdict(d) for d in c.data_changes],
        "deadlines": [
            {k: v for k, v in asdict(d).items() if k != "values"} | {"changes": d.changes}
            for d in c.deadlines
        ],
        "problems": [asdict(p) for p in c.problems],
        "notes": [asdict(n) for n in c.notes],
        "refused": c.refused,
    }


def report_dict(report: MigrationReport) -> dict[str, Any]:
    """The dry run as JSON-ready values: what `tongbu definitions migrate --dry-run --json`
    prints, case by case."""
    return {
        "procedure": report.procedure,
        "from_version": report.from_version,
        "to_version": report.to_version,
        "plan_sha256": report.plan_sha256,
        "at": report.now,
        "refused": report.refused,
        "plan_problems": [asdict(p) for p in report.plan_problems],
        "migrated_before": report.migrated_before,
        "cases": [case_dict(c) for c in report.cases],
    }
