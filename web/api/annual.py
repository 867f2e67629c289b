"""The annual cycle over the API: the abnormal-activities list (SUP-1) and leaving it, the
yearly opening of the inspection for a unit (INS-1), evaluations (EVA-1)."""

from __future__ import annotations

from flask import Response
from marshmallow import Schema, fields, validate

from engine.cases import bulk_open
from engine.inputs import InputSchema
from engine.oversight import abnormal, evaluation
from web.api import bp
from web.api.common import actor, args, idempotent, json_body, json_response, operation, runtime
from web.api.schemas import Page


class AbnormalArgs(Page):
    unit = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    # a late deadline's key (the inspection's annual_report, rectification) or dormant
    reason = fields.String(load_default=None, validate=validate.Length(min=1, max=60))
    status = fields.String(load_default=None, validate=validate.OneOf(abnormal.STATUSES))
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))


class Bilingual(Schema):
    zh = fields.String(required=True)
    en = fields.String(required=True)


class AbnormalEntry(Schema):
    id = fields.Integer(required=True)
    organization_id = fields.Integer(required=True)
    organization_name = fields.String(required=True)
    credit_code = fields.String(allow_none=True)
    unit_code = fields.String(required=True)
    reason = fields.String(required=True)
    reason_label = fields.Nested(Bilingual, required=True)
    series = fields.String(allow_none=True)
    status = fields.String(required=True)
    listed_on = fields.Date(required=True)
    due_date = fields.Date(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    removed_on = fields.Date(allow_none=True)
    removed_by_name = fields.String(allow_none=True)
    removal_reason = fields.String(allow_none=True)


class AbnormalPage(Schema):
    items = fields.List(fields.Nested(AbnormalEntry), required=True)
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    next_offset = fields.Integer(required=True, allow_none=True)


class Removal(InputSchema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=2000))


class Removed(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    removed_on = fields.String(required=True)


class YearOpening(InputSchema):
    unit = fields.String(required=True, validate=validate.Length(min=1, max=64))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))


class YearOpened(Schema):
    procedure = fields.String(required=True)
    series = fields.String(required=True)
    unit = fields.String(required=True)
    opened = fields.Integer(required=True)
    already_open = fields.Integer(required=True)


@bp.get("/abnormal-list")
@operation(
    summary="SUP-1 abnormal-activities list",
    description="Entries in your scope, newest listing first: an organization whose annual "
    "report or rectification ran late (listed by the scheduler's sweep), or found long-dormant "
    "and referred for deregistration. Filter by unit code (and below), reason, status, year "
    "of listing.",
    tags=["annual"],
    args=AbnormalArgs,
    errors=((404, "not-found"),),
    responses={200: (AbnormalPage, "a page of entries")},
)
def abnormal_list() -> Response:
    a = args(AbnormalArgs)
    rt = runtime()
    f = abnormal.EntryFilter(a["unit"], a["reason"], a["status"], a["year"])
    p = abnormal.list_entries(
        rt.reader(), rt.definitions, actor(), f, per_page=a["limit"], offset=a["offset"]
    )
    end = a["offset"] + a["limit"]
    body = {
        "items": p.rows,
        "total": p.total,
        "limit": a["limit"],
        "offset": a["offset"],
        "next_offset": end if end < p.total else None,
    }
    return json_response(AbnormalPage().dump(body))


@bp.post("/abnormal-list/<int:entry_id>/removal")
@operation(
    summary="Take an organization off the abnormal-activities list (SUP-1)",
    description="An audited step with its reason (kept on the entry, and a notice on the "
    "case); refused (409, SUP-1) while the cause is still there.",
    tags=["annual"],
    body=Removal,
    errors=((403, "forbidden"), (404, "not-found"), (409, "transition-refused")),
    responses={200: (Removed, "the entry, taken off")},
)
@idempotent
def abnormal_removal(entry_id: int) -> Response:
    body = Removal().load(json_body())
    out = abnormal.remove(runtime().uow(), entry_id, body["reason"], actor=actor())
    return json_response(Removed().dump(out))


@bp.post("/inspections/years")
@operation(
    summary="Open a year's annual inspection for a unit (INS-1)",
    description="One inspection case for every registered organization of the unit and the "
    "units below it that has none for that year yet: one transaction, idempotent.",
    tags=["annual"],
    body=YearOpening,
    errors=((403, "forbidden"), (404, "not-found")),
    responses={200: (YearOpened, "how many were opened now and how many were already open")},
)
@idempotent
def open_inspection_year() -> Response:
    body = YearOpening().load(json_body())
    rt = runtime()
    done = bulk_open.open_for_unit(
        rt.uow(),
        rt.definitions,
        "inspection",
        unit_code=body["unit"],
        series=str(body["year"]),
        payload={"year": body["year"]},
        actor=actor(),
    )
    return json_response(YearOpened().dump(done.as_dict()))


class EvaluationArgs(InputSchema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class EvaluationRecord(Schema):
    id = fields.Integer(required=True)
    organization_id = fields.Integer(required=True)
    organization_name = fields.String()
    year = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "rated | refused"})
    refusal_rule = fields.String(allow_none=True)
    refusal_zh = fields.String(allow_none=True)
    refusal_en = fields.String(allow_none=True)
    level = fields.Integer(allow_none=True)
    total_score = fields.Integer(allow_none=True)
    party_score = fields.Integer(allow_none=True)
    party_weight_pct = fields.Integer(allow_none=True)
    party_work_outstanding = fields.Boolean(required=True)
    recommended = fields.Boolean(required=True)
    recorded_on = fields.Date(required=True)


class EvaluationList(Schema):
    items = fields.List(fields.Nested(EvaluationRecord), required=True)


@bp.get("/evaluations")
@operation(
    summary="EVA-1 evaluations of a year",
    description="The year's evaluation records in your scope, recommended first.",
    tags=["annual"],
    args=EvaluationArgs,
    responses={200: (EvaluationList, "the records")},
)
def list_evaluations() -> Response:
    a = args(EvaluationArgs)
    with runtime().reader() as r:
        rows = evaluation.of_year(r.conn, actor(), a["year"])
    return json_response(EvaluationList().dump({"items": rows}))


@bp.post("/evaluations")
@operation(
    summary="Record an organization's evaluation of a year (EVA-1)",
    description="One record per organization and year (a second call corrects it). An "
    "organization with three or more full members and no Party organization is recorded as "
    "refused, citing EVA-1, with no rating; the Party-building score and its weight are kept; "
    "3A or better with outstanding Party work is flagged for recommendation.",
    tags=["annual"],
    body=evaluation.EvaluationSchema,
    errors=((403, "forbidden"), (404, "not-found")),
    responses={200: (EvaluationRecord, "the record")},
)
@idempotent
def record_evaluation() -> Response:
    rt = runtime()
    row = evaluation.record(rt.uow(), rt.definitions.parameters, json_body(), actor=actor())
    return json_response(EvaluationRecord().dump(row))
