"""The yearly statistics page and its workbook (INF-1, FUND-1), and the form a Party-affairs
worker records a Party organization's money of a year with."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, render_template, request
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from engine.directory import funds as funds_service
from engine.directory.read import units_in_scope
from engine.inputs import InputSchema
from engine.oversight import statistics as stats
from web import forms
from web.export import XLSX_MIME
from web.ui.common import actor, lang, lbl, now, parse_args, runtime, see_other, today
from web.ui.labels import choice_label
from web.yearly_export import statistics_workbook

bp = Blueprint("yearly", __name__)


class YearArgs(InputSchema):
    unit = fields.Integer(load_default=None, validate=validate.Range(min=1))
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2199))
    format = fields.String(load_default="html", validate=validate.OneOf(("html", "xlsx")))


def year_args(formats: tuple[str, ...] = ("html", "xlsx")) -> dict[str, Any]:
    """unit, year (default: this year) and format of a yearly page, validated."""

    class Args(YearArgs):
        format = fields.String(load_default="html", validate=validate.OneOf(formats))

    args = parse_args(Args())
    args["year"] = args["year"] or today().year
    return args


def unit_label(unit: stats.UnitInScope) -> str:
    return unit.name_zh if lang() == "zh" else unit.name_en


def xlsx_download(data: bytes, filename: str) -> Response:
    resp = Response(data, mimetype=XLSX_MIME)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return resp


@bp.get("/statistics")
def statistics() -> Any:
    """Party organizations by kind, members, coverage and money of a unit's year (INF-1,
    FUND-1): the page, or the fixed-layout workbook a committee sends upward."""
    args = year_args()
    rt = runtime()
    s = stats.statistics(rt.reader(), actor(), rt.definitions, args["unit"], args["year"], now())
    if args["format"] == "xlsx":
        data = statistics_workbook(s, lambda code: lbl(choice_label(code)), unit_label(s.unit))
        return xlsx_download(data, f"tongbu-statistics-{s.unit.code or 'all'}-{s.year}")
    return render_template(
        "statistics.html",
        s=s,
        args=args,
        units=units_in_scope(rt.reader(), actor()),
        unit_name=unit_label(s.unit),
        floor=rt.definitions.parameters.describe(stats.FLOOR_PARAMETER),
    )


@bp.route("/party-organizations/<int:party_org_id>/funds", methods=["GET", "POST"])
def record_funds(party_org_id: int) -> Any:
    """FUND-1/INF-1: a year's dues and funding of one Party organization, recorded or
    corrected (a correction needs its reason), through the same service as the API and CLI."""
    rt = runtime()
    year_raw = request.values.get("year") or str(today().year)
    year = parse_args(YearArgs(only=("year",)), {"year": year_raw})["year"]
    schema = funds_service.FundsSchema(exclude=("year", "version"))
    state = forms.FormState()
    status = 200
    if request.method == "POST":
        state = forms.FormState(values=MultiDict(request.form))
        payload = forms.parse(schema, request.form)
        payload["year"] = year
        payload["version"] = request.form.get("version", "0")
        try:
            done = funds_service.record_funds(rt.uow(), actor(), party_org_id, payload, now())
        except ValidationError as err:
            state.errors = forms.flatten_errors(err.messages, translate=forms.translate_message)
            status = 422
        else:
            flash(
                _("Figures of %(year)s recorded.", year=year)
                if done.changed
                else _("Nothing changed: these figures were already recorded."),
                "success",
            )
            return see_other("yearly.record_funds", party_org_id=party_org_id, year=year)
    current = funds_service.funds(rt.reader(), actor(), party_org_id, year)
    if request.method == "GET" and current["version"]:
        state = forms.FormState(
            values=MultiDict(
                {
                    **{k: str(current[k]) for k in funds_service.AMOUNTS},
                    "note": current["note"] or "",
                }
            )
        )
    return render_template(
        "funds.html",
        f=current,
        fields=forms.describe(schema),
        state=state,
        year=year,
        floor=rt.definitions.parameters.describe(stats.FLOOR_PARAMETER),
        labels={k: lbl(f.metadata.get("label")) for k, f in schema.fields.items()},
    ), status
