"""Moving running cases to a new definition version (issue 15; docs/operations.md).

`plan` reads and checks the plan file, `judge` decides one case, `run` is the dry run and
the resumable run. Knows no Flask and no procedure: the target's own guards and materials say
what a state requires.
"""

from engine.cases.migration.plan import MigrationPlan, PlanProblem, check_plan, load_plan
from engine.cases.migration.report import (
    CasePlan,
    DataChange,
    DeadlineChange,
    Finding,
    MigrationReport,
    report_dict,
)
from engine.cases.migration.run import (
    EVENT_KIND,
    CaseOutcome,
    MigrationRefused,
    MigrationRun,
    migrate,
    plan_migration,
)

__all__ = [
    "EVENT_KIND",
    "CaseOutcome",
    "CasePlan",
    "DataChange",
    "DeadlineChange",
    "Finding",
    "MigrationPlan",
    "MigrationRefused",
    "MigrationReport",
    "MigrationRun",
    "PlanProblem",
    "check_plan",
    "load_plan",
    "migrate",
    "plan_migration",
    "report_dict",
]
