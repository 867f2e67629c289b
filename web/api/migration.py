"""Moving running cases to a new definition version over the API (issue 15 item 6).

The same engine call as `tongbu definitions migrate` (engine.cases.migration): the plan is the
YAML file's content as a JSON object; `dry_run` (the default) lists every case and what would
change and writes nothing; the run migrates case by case, each in its own transaction, and is
resumed by posting the same request again (cases already moved are skipped). A plan that does
not fit is refused with 422 and the dry run that says why. Administrators only: a migration
moves cases of every unit.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import Schema, fields, validate

from engine.cases import migration
from engine.inputs import InputSchema
from web.api import bp
from web.api.common import actor, json_body, json_response, operation, runtime
from web.api.problems import problem

# ---------------------------------------------------------------- the body


class MigrationBody(InputSchema):
    """What `tongbu definitions migrate PROCEDURE --from --to --plan FILE` takes."""

    from_version = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=10_000)
    )
    to_version = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=10_000)
    )
    plan = fields.Dict(
        required=True,
        metadata={
            "description": "the plan: `reason`, `states` (old: new), optional `data` "
            "(rename, defaults, require) and `deadlines` (rename) — docs/operations.md"
        },
    )
    dry_run = fields.Boolean(
        load_default=True,
        metadata={"description": "true (the default): report only, write nothing"},
    )
    limit = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1, max=100_000),
        metadata={"description": "migrate at most this many cases, then stop (post again)"},
    )


# ---------------------------------------------------------------- the answer


class Finding(Schema):
    code = fields.String(required=True)
    zh = fields.String(required=True)
    en = fields.String(required=True)


class PlanProblem(Schema):
    field = fields.String(required=True)
    zh = fields.String(required=True)
    en = fields.String(required=True)


class DataChange(Schema):
    op = fields.String(required=True, metadata={"description": "renamed | default"})
    path = fields.String(required=True)
    to = fields.String(allow_none=True)


class DeadlineChange(Schema):
    action = fields.String(
        required=True, metadata={"description": "carried | opened | cancelled | skipped"}
    )
    key = fields.String(required=True)
    new_key = fields.String(allow_none=True)
    rule = fields.String(required=True)
    deadline_id = fields.Integer(allow_none=True)
    old_due = fields.Date(allow_none=True)
    new_due = fields.Date(allow_none=True)
    anchor_date = fields.Date(allow_none=True)
    anchor_from = fields.String(allow_none=True)
    why = fields.String(allow_none=True)
    overdue = fields.Boolean()
    changes = fields.Boolean(metadata={"description": "false: carried as it is"})


class MigrationCase(Schema):
    case_id = fields.Integer(required=True)
    organization_id = fields.Integer(required=True)
    organization = fields.String(required=True)
    case_version = fields.Integer(required=True)
    old_state = fields.String(required=True)
    new_state = fields.String(allow_none=True)
    data = fields.List(fields.Nested(DataChange))
    deadlines = fields.List(fields.Nested(DeadlineChange))
    problems = fields.List(fields.Nested(Finding), metadata={"description": "why it cannot move"})
    notes = fields.List(fields.Nested(Finding))
    refused = fields.Boolean(required=True)


class MigrationReport(Schema):
    """The dry run: the plan's problems and every open case of the source version."""

    procedure = fields.String(required=True)
    from_version = fields.Integer(required=True)
    to_version = fields.Integer(required=True)
    plan_sha256 = fields.String(required=True)
    at = fields.AwareDateTime(required=True)
    refused = fields.Boolean(required=True)
    plan_problems = fields.List(fields.Nested(PlanProblem), required=True)
    migrated_before = fields.Integer(
        required=True, metadata={"description": "cases already moved by an earlier run"}
    )
    cases = fields.List(fields.Nested(MigrationCase), required=True)


class CaseOutcome(Schema):
    case_id = fields.Integer(required=True)
    outcome = fields.String(
        required=True,
        metadata={
            "description": "migrated | skipped (moved before) | closed (meanwhile) | "
            "refused (it moved since the dry run and the plan no longer fits)"
        },
    )
    replanned = fields.Boolean(required=True)
    event_id = fields.Integer(allow_none=True)


class MigrationAnswer(Schema):
    dry_run = fields.Boolean(required=True)
    report = fields.Nested(MigrationReport, required=True)
    outcomes = fields.List(
        fields.Nested(CaseOutcome), required=True, metadata={"description": "empty in a dry run"}
    )
    counts = fields.Dict(
        keys=fields.String(), values=fields.Integer(), required=True, allow_none=True
    )
    stopped_at_limit = fields.Boolean(required=True)


@bp.post("/definitions/<procedure>/migrations")
@operation(
    summary="Move running cases to a new definition version (dry run or run)",
    description="Administrators only. The plan maps every state of the source version that "
    "open cases are in to a state of the target (and may rename data and deadlines). With "
    "`dry_run` (the default) nothing is written: every case with its old and new state, the "
    "data and deadlines that would change and what would refuse it. Without it, the dry run "
    "comes first in full, then each case moves in its own transaction with a `migrated` "
    "event; post the same request again to resume (cases already moved are skipped). A plan "
    "that does not fit the definitions or some case is refused (422, type `plan-refused`) "
    "with the report; nothing is written.",
    tags=["definitions"],
    body=MigrationBody,
    responses={200: (MigrationAnswer, "the dry run, or the run's outcome per case")},
)
def migrate_cases(procedure: str) -> Response:
    data = MigrationBody().load(json_body())
    plan = migration.load_plan(data["plan"])
    rt = runtime()
    args = (rt.uow(), rt.definitions, plan, procedure, data["from_version"], data["to_version"])
    who = actor()
    if data["dry_run"]:
        report = migration.plan_migration(*args, actor=who)
        if report.refused:
            return _refused(report)
        return _answer(True, report)
    try:
        run = migration.migrate(*args, actor=who, limit=data["limit"])
    except migration.MigrationRefused as err:
        return _refused(err.report)
    outcomes = [
        {
            "case_id": o.case_id,
            "outcome": o.outcome,
            "replanned": o.replanned,
            "event_id": o.event_id,
        }
        for o in run.outcomes
    ]
    counts = {k: run.count(k) for k in ("migrated", "skipped", "closed", "refused")}
    return _answer(False, run.report, outcomes, counts, run.stopped_at_limit)


def _answer(
    dry_run: bool,
    report: migration.MigrationReport,
    outcomes: list[dict[str, Any]] | None = None,
    counts: dict[str, int] | None = None,
    stopped: bool = False,
) -> Response:
    body = {
        "dry_run": dry_run,
        "report": migration.report_dict(report),
        "outcomes": outcomes or [],
        "counts": counts,
        "stopped_at_limit": stopped,
    }
    return json_response(MigrationAnswer().dump(body))


def _refused(report: migration.MigrationReport) -> Response:
    refused = sum(1 for c in report.cases if c.refused)
    return problem(
        "plan-refused",
        f"the plan does not fit: {len(report.plan_problems)} plan problem(s), {refused} "
        f"case(s) it cannot move; nothing was written / 迁移方案不予执行，未写入",
        report=MigrationReport().dump(migration.report_dict(report)),
    )
