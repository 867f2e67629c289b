"""Coverage drives (REG-10) and the instructor register (INS-2) over the API: the same services
as the pages (engine/cases/campaign_requests.py, engine/oversight/campaigns.py,
engine/directory/instructors.py), the same validation, the same scope."""

from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import Schema, fields

from engine.calendar import local_date
from engine.cases import campaign_requests
from engine.directory import instructors, instructors_read
from engine.oversight import campaigns as boards
from web.api import bp
from web.api.common import actor, idempotent, json_body, json_response, operation, runtime


class CampaignOpened(Schema):
    campaign_id = fields.Integer(required=True)
    starts_on = fields.String(required=True)
    ends_on = fields.String(required=True, metadata={"description": "the 60th day (REG-10)"})
    opened = fields.Integer(required=True, metadata={"description": "cases opened now"})
    joined = fields.Integer(required=True, metadata={"description": "running cases joined"})
    already = fields.Integer(required=True, metadata={"description": "organizations in it"})


class CampaignInfo(Schema):
    id = fields.Integer(required=True)
    unit_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    procedure = fields.String(required=True)
    rule = fields.String(required=True)
    title = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    provisional = fields.Boolean(required=True)
    opened_by_name = fields.String(required=True)


class CampaignRow(CampaignInfo):
    opened = fields.Integer(required=True, metadata={"description": "organizations taken in"})
    covered = fields.Integer(required=True)
    overdue = fields.Integer(required=True, metadata={"description": "uncovered after the end"})


class CampaignList(Schema):
    items = fields.List(fields.Nested(CampaignRow), required=True)


class CampaignUnitProgress(Schema):
    unit_id = fields.Integer(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    opened = fields.Integer(required=True)
    covered = fields.Integer(required=True)
    overdue = fields.Integer(required=True)


class CampaignTotals(Schema):
    opened = fields.Integer(required=True)
    covered = fields.Integer(required=True)
    overdue = fields.Integer(required=True)


class CampaignBurndownDay(Schema):
    day = fields.Date(required=True)
    open = fields.Integer(required=True, metadata={"description": "cases still open that day"})


class CampaignOrganization(Schema):
    organization_id = fields.Integer(required=True)
    name = fields.String(required=True)
    unit_id = fields.Integer(required=True)
    coverage = fields.String(required=True)
    case_id = fields.Integer(allow_none=True)
    state = fields.String(allow_none=True)
    joined = fields.Boolean(required=True)


class CampaignBoard(Schema):
    campaign = fields.Nested(CampaignInfo, required=True)
    units = fields.List(fields.Nested(CampaignUnitProgress), required=True)
    totals = fields.Nested(CampaignTotals, required=True)
    burndown = fields.List(fields.Nested(CampaignBurndownDay), required=True)
    organizations = fields.List(fields.Nested(CampaignOrganization), required=True)


class InstructorReportRow(Schema):
    period_starts_on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    filed_on = fields.Date(allow_none=True)


class InstructorRow(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    source = fields.String(required=True)
    unit_id = fields.Integer(required=True)
    phone = fields.String(allow_none=True)
    term_starts_on = fields.Date(required=True)
    term_ends_on = fields.Date(required=True)
    status = fields.String(required=True)
    ended_on = fields.Date(allow_none=True)
    stage = fields.String(
        required=True, metadata={"description": " | ".join(instructors_read.STAGES)}
    )
    serves = fields.List(fields.Integer(), required=True, metadata={"description": "org ids"})
    reports = fields.List(fields.Nested(InstructorReportRow), required=True)


class InstructorList(Schema):
    items = fields.List(fields.Nested(InstructorRow), required=True)


class InstructorCreated(Schema):
    id = fields.Integer(required=True)


class TermEnded(Schema):
    id = fields.Integer(required=True)
    uncovered = fields.List(fields.Integer(), required=True)


@bp.get("/campaigns")
@operation(
    summary="Coverage drives over your units (REG-10)",
    description="Newest first, each with the organizations taken in, covered and overdue.",
    tags=["coverage"],
    responses={200: (CampaignList, "the drives")},
)
def campaign_list() -> Response:
    rows = boards.visible_campaigns(runtime().uow(), actor(), runtime().clock.now())
    return json_response(CampaignList().dump({"items": rows}))


@bp.post("/campaigns")
@operation(
    summary="Open a coverage drive over a unit's tree (REG-10)",
    description="Supervisors only. One coverage case per organization in scope that meets the "
    "kind's condition (formation_drive: uncovered, three or more full members among the "
    "full-time staff), a running one joined; each carries the 60 days from `starts_on`. "
    "Running it again opens nothing twice.",
    tags=["coverage"],
    body=campaign_requests.CampaignRequest,
    errors=((403, "forbidden"), (404, "not-found")),
    responses={200: (CampaignOpened, "what the run did")},
)
@idempotent
def campaign_open() -> Response:
    rt = runtime()
    done = campaign_requests.request_campaign(rt.uow(), rt.definitions, json_body(), actor=actor())
    return json_response(CampaignOpened().dump(done.as_dict()))


@bp.get("/campaigns/<int:campaign_id>")
@operation(
    summary="A coverage drive's board (REG-10)",
    description="Progress per unit (taken in, covered, overdue), totals, the burndown day by "
    "day and the organizations with their cases.",
    tags=["coverage"],
    errors=((403, "forbidden"), (404, "not-found")),
    responses={200: (CampaignBoard, "the board")},
)
def campaign_board(campaign_id: int) -> Response:
    view: dict[str, Any] = boards.campaign_view(
        runtime().uow(), actor(), campaign_id, runtime().clock.now()
    )
    view["burndown"] = [{"day": d, "open": n} for d, n in view["burndown"]]
    return json_response(CampaignBoard().dump(view))


@bp.get("/instructors")
@operation(
    summary="The instructor register (INS-2)",
    description="Instructors and liaisons of your units with their stage, the organizations "
    "they serve and their reports.",
    tags=["coverage"],
    responses={200: (InstructorList, "the register")},
)
def instructor_list() -> Response:
    rows = instructors_read.register(runtime().uow(), actor(), local_date(runtime().clock.now()))
    for r in rows:
        r["serves"] = [o["organization_id"] for o in r["serves"]]
    return json_response(InstructorList().dump({"items": rows}))


@bp.post("/instructors")
@operation(
    summary="Enter an instructor or liaison in the register (INS-2)",
    description="The reports the term owes are scheduled (local parameter "
    "instructor_report_period). Appointing one to an organization is the coverage case's "
    "step appoint_instructor.",
    tags=["coverage"],
    body=instructors.InstructorInput,
    errors=((403, "forbidden"),),
    responses={201: (InstructorCreated, "the register's number")},
)
@idempotent
def instructor_add() -> Response:
    rt = runtime()
    iid = instructors.register_instructor(
        rt.uow(),
        json_body(),
        actor=actor(),
        report_period=str(rt.definitions.parameters.get("instructor_report_period", "P3M")),
    )
    return json_response(InstructorCreated().dump({"id": iid}), 201)


@bp.post("/instructors/<int:instructor_id>/reports")
@operation(
    summary="Record an instructor's report for a period (INS-2)",
    tags=["coverage"],
    body=instructors.ReportInput,
    errors=((403, "forbidden"), (404, "not-found")),
    responses={200: (InstructorCreated, "the instructor")},
)
@idempotent
def instructor_report(instructor_id: int) -> Response:
    instructors.file_report(runtime().uow(), instructor_id, json_body(), actor=actor())
    return json_response(InstructorCreated().dump({"id": instructor_id}))


@bp.post("/instructors/<int:instructor_id>/end")
@operation(
    summary="End an instructor's term early (INS-2)",
    description="Withdrawn or replaced: the organizations left with neither an instructor nor "
    "a Party organization are uncovered again (listed). Refused (409, INS-2) once ended.",
    tags=["coverage"],
    body=instructors.EndTermInput,
    errors=((403, "forbidden"), (404, "not-found"), (409, "transition-refused")),
    responses={200: (TermEnded, "the organizations uncovered again")},
)
@idempotent
def instructor_end(instructor_id: int) -> Response:
    bare = instructors.end_term(runtime().uow(), instructor_id, json_body(), actor=actor())
    return json_response(TermEnded().dump({"id": instructor_id, "uncovered": bare}))
