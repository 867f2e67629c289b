"""The annual cycle's pages: the abnormal-activities list (SUP-1), opening a year's inspections
for a unit (INS-1) and evaluations (EVA-1). Views parse, call one service, render."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, render_template, request
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate

from engine.cases import bulk_open
from engine.directory import read as directory_read
from engine.errors import TransitionRefused
from engine.inputs import InputSchema
from engine.oversight import abnormal, evaluation
from web.export import xlsx_response
from web.ui.common import actor, lang, lbl, parse_args, runtime, see_other, today, unit_name
from web.ui.labels import ABNORMAL_STATUS

bp = Blueprint("annual", __name__)

PER_PAGE = 25
REASONS = ("annual_report", "rectification", abnormal.DORMANT)


class AbnormalArgs(InputSchema):
    unit = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    reason = fields.String(load_default=None, validate=validate.OneOf(REASONS))
    status = fields.String(load_default=None, validate=validate.OneOf(abnormal.STATUSES))
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    format = fields.String(load_default="html", validate=validate.OneOf(("html", "xlsx")))


class RemovalForm(InputSchema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=2, max=2000),
        metadata={"label": {"zh": "移出理由", "en": "Reason for taking it off"}},
    )


class OpenYearForm(InputSchema):
    unit = fields.String(required=True, validate=validate.Length(min=1, max=64))
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


def reason_labels() -> dict[str, str]:
    """The reasons a listing has, in the page language (the inspection's deadlines' labels)."""
    defs = runtime().definitions
    out = {abnormal.DORMANT: lbl(abnormal.REASON_LABELS[abnormal.DORMANT])}
    for key in ("annual_report", "rectification"):
        out[key] = lbl(
            abnormal.reason_label(
                defs, {"reason": key, "procedure": "inspection", "definition_version": None}
            )
        )
    return out


def _filter(args: dict[str, Any]) -> abnormal.EntryFilter:
    return abnormal.EntryFilter(args["unit"], args["reason"], args["status"], args["year"])


XLSX_HEADERS = (
    ("编号", "No."),
    ("社会组织", "Organization"),
    ("统一社会信用代码", "Credit code"),
    ("单位", "Unit"),
    ("列入原因", "Reason"),
    ("年检年度", "Year inspected"),
    ("到期日", "Due date"),
    ("列入日期", "Listed on"),
    ("状态", "Status"),
    ("移出日期", "Removed on"),
    ("移出人", "Removed by"),
    ("移出理由", "Reason for removal"),
)


def xlsx_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """The export's rows, the same columns as the page (in the page language)."""
    return [
        [
            r["id"],
            r["organization_name"],
            r["credit_code"],
            unit_name(r),
            lbl(r["reason_label"]),
            r["series"],
            r["due_date"],
            r["listed_on"],
            lbl(ABNORMAL_STATUS[r["status"]]),
            r["removed_on"],
            r["removed_by_name"],
            r["removal_reason"],
        ]
        for r in rows
    ]


@bp.get("/abnormal")
def abnormal_list() -> Any:
    """SUP-1: who is on the abnormal-activities list, why and since when; filterable, exportable."""
    args = parse_args(AbnormalArgs())
    rt = runtime()
    f = _filter(args)
    if args["format"] == "xlsx":
        with rt.reader() as r:
            rows = abnormal.all_entries(r.conn, rt.definitions, actor(), f)
        i = 0 if lang() == "zh" else 1
        return xlsx_response(
            f"tongbu-abnormal-list-{today():%Y%m%d}",
            [(_("Abnormal list"), [h[i] for h in XLSX_HEADERS], xlsx_rows(rows))],
        )
    page = abnormal.list_entries(
        rt.reader(), rt.definitions, actor(), f, page=args["page"], per_page=PER_PAGE
    )
    return render_template(
        "abnormal_list.html",
        page=page,
        args=args,
        reasons=reason_labels(),
        statuses={k: lbl(v) for k, v in ABNORMAL_STATUS.items()},
        units=directory_read.units_in_scope(rt.uow(), actor()),
    )


@bp.post("/abnormal/<int:entry_id>/remove")
def abnormal_remove(entry_id: int) -> Any:
    """SUP-1: taking an organization off the list is an audited step, with its reason."""
    try:
        data = RemovalForm().load({"reason": request.form.get("reason", "")})
        abnormal.remove(runtime().uow(), entry_id, data["reason"], actor=actor())
    except ValidationError:
        flash(_("Give the reason for taking the organization off the list."), "error")
        return see_other("annual.abnormal_list")
    except TransitionRefused as err:
        flash(f"{err.refusal.rule}: {lbl({'zh': err.refusal.zh, 'en': err.refusal.en})}", "error")
        return see_other("annual.abnormal_list")
    flash(_("The organization was taken off the abnormal-activities list."), "success")
    return see_other("annual.abnormal_list")


@bp.get("/annual")
def hub() -> Any:
    """The year's work in one place (the menu keeps one entry for it): drives and instructors,
    the inspections and the form that opens a year of them, the abnormal list, evaluations,
    statistics and the year-end report, each with the rules it serves."""
    rt = runtime()
    return render_template(
        "annual.html",
        units=directory_read.units_in_scope(rt.uow(), actor()),
        year=today().year - 1,  # the inspection of a year is made in the next
    )


@bp.post("/inspections/open-year")
def open_year() -> Any:
    """INS-1: open a year's inspection for every registered organization of a unit, once."""
    try:
        data = OpenYearForm().load(
            {"unit": request.form.get("unit", ""), "year": request.form.get("year", "")}
        )
    except ValidationError as err:
        fields_ = ", ".join(sorted(err.messages)) if isinstance(err.messages, dict) else ""
        flash(_("Choose the unit and a year from 2000 to 2100 (%(f)s).", f=fields_), "error")
        return see_other("annual.hub")
    done = bulk_open.open_for_unit(
        runtime().uow(),
        runtime().definitions,
        "inspection",
        unit_code=data["unit"],
        series=str(data["year"]),
        payload={"year": data["year"]},
        actor=actor(),
    )
    flash(
        _(
            "Inspections of %(year)s: %(opened)s opened now, %(already)s already open.",
            year=data["year"],
            opened=done.opened,
            already=done.already,
        ),
        "success",
    )
    return see_other("cases.inbox")


class EvaluationArgs(InputSchema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))


@bp.get("/evaluations")
def evaluations() -> Any:
    """EVA-1: the year's evaluation records, and the form to record one."""
    args = parse_args(EvaluationArgs())
    year = args["year"] or today().year - 1
    rt = runtime()
    with rt.reader() as r:
        rows = evaluation.of_year(r.conn, actor(), year)
    orgs = directory_read.list_organizations(
        rt.uow(), actor(), directory_read.OrgFilter(status="registered"), per_page=200
    ).rows
    return render_template(
        "evaluations.html",
        rows=rows,
        year=year,
        organizations=orgs,
        weight=rt.definitions.parameters["eva_party_weight_pct"],
        outstanding=rt.definitions.parameters["eva_outstanding_party_score"],
    )


@bp.post("/evaluations")
def evaluation_record() -> Any:
    """EVA-1: record the evaluation; a refused eligibility is shown with its rule."""
    form = {k: v for k, v in request.form.items() if k != "csrf_token" and v != ""}
    try:
        payload = {k: int(v) if v.isdigit() else v for k, v in form.items()}
        row = evaluation.record(
            runtime().uow(), runtime().definitions.parameters, payload, actor=actor()
        )
    except ValidationError as err:
        flash(_("The evaluation was not recorded: %(e)s", e=err.messages), "error")
        return see_other("annual.evaluations", year=form.get("year"))
    if row["status"] == "refused":
        flash(
            f"{row['refusal_rule']}: {lbl({'zh': row['refusal_zh'], 'en': row['refusal_en']})}",
            "error",
        )
    else:
        flash(_("Evaluation recorded."), "success")
    return see_other("annual.evaluations", year=row["year"])
