"""The year-end report (RPT-1, SEC-7, ACC-1) of a unit and year: the page with its charts, the
workbook (one sheet per section, fixed columns) and the PDF (WeasyPrint with the Chinese
fonts, as the case record: web/case_record.py)."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, render_template
from flask_babel import gettext as _
from markupsafe import Markup
from openpyxl import Workbook
from weasyprint import HTML

from engine.directory.read import units_in_scope
from engine.oversight import year_end
from web.case_record import PDF, STYLESHEET, _no_fetching, page_footer_css
from web.export import put
from web.ui import chart_views
from web.ui.common import actor, lang, lbl, now, runtime
from web.ui.labels import ABNORMAL_STATUS, choice_label
from web.ui.yearly import unit_label, xlsx_download, year_args
from web.yearly_export import BOLD, HEAD_FILL, N_

bp = Blueprint("year_end", __name__)

STANDINGS = {
    "reported": N_("reported"),
    "overdue": N_("overdue"),
    "not_due": N_("not due yet"),
    "no_secretary": N_("no secretary on record"),
}


@bp.get("/year-end")
def report() -> Any:
    """The unit's year as the supervisory unit reports it at year end."""
    args = year_args(("html", "xlsx", "pdf"))
    rt = runtime()
    rep = year_end.year_end_report(
        rt.reader(), actor(), rt.definitions, args["unit"], args["year"], now()
    )
    name = unit_label(rep.unit)
    filename = f"tongbu-year-end-{rep.unit.code or 'all'}-{rep.year}"
    if args["format"] == "xlsx":
        return xlsx_download(workbook(rep), filename)
    series = series_view(rep)
    trends = chart_views.trend_charts(rep.trends, "ye")
    steps = chart_views.step_views(rep.trends, rt.definitions, "ye")
    if args["format"] == "pdf":
        html = render_template(
            "year_end_print.html",
            rep=rep,
            unit_name=name,
            trends=trends,
            steps=steps,
            series=series,
            css=Markup(STYLESHEET.read_text(encoding="utf-8") + "\n" + page_footer_css()),
        )
        pdf = HTML(string=html, url_fetcher=_no_fetching()).write_pdf()
        resp = Response(pdf, mimetype=PDF)
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Cache-Control"] = "no-store"
        return resp
    return render_template(
        "year_end.html",
        rep=rep,
        unit_name=name,
        units=units_in_scope(rt.reader(), actor()),
        trends=trends,
        steps=steps,
        series=series,
    )


def series_view(rep: year_end.YearEndReport) -> list[dict[str, Any]]:
    """The year's series of cases per procedure: its label, how many, and per state its label,
    how many, and whether that state is a result (terminal) or the case is still under way."""
    defs = runtime().definitions
    out: dict[str, dict[str, Any]] = {}
    for row in rep.series:
        d = defs.get(row["procedure"], row["version"])
        p = out.setdefault(
            row["procedure"],
            {"procedure": row["procedure"], "label": lbl(d.label), "cases": 0, "states": {}},
        )
        state = d.states.get(row["state"])
        key = row["state"]
        line = p["states"].setdefault(
            key,
            {
                "state": key,
                "label": lbl(state.label) if state else key,
                "result": bool(state and state.terminal),
                "cases": 0,
            },
        )
        line["cases"] += row["cases"]
        p["cases"] += row["cases"]
    return [
        {**p, "states": sorted(p["states"].values(), key=lambda x: (not x["result"], x["label"]))}
        for p in out.values()
    ]


def _sheet(wb: Workbook, title: str, headers: list[str], rows: list[tuple]) -> None:
    ws = wb.create_sheet(title[:31])
    for col, h in enumerate(headers, 1):
        cell = put(ws, 1, col, h)
        cell.font, cell.fill = BOLD, HEAD_FILL
    for r, row in enumerate(rows, 2):
        for col, v in enumerate(row, 1):
            put(ws, r, col, v)  # names typed by users: never run as formulas
    ws.column_dimensions["A"].width = 34


def workbook(rep: year_end.YearEndReport) -> bytes:
    """One sheet per section, each with its fixed columns, in the request's language."""
    zh = lang() == "zh"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("Year-end report")[:31]
    ws["A1"] = _("Year-end report")
    ws["A1"].font = BOLD
    ws["A2"], ws["B2"] = _("Unit"), unit_label(rep.unit)
    ws["A3"], ws["B3"] = _("Year"), rep.year
    ws["A4"], ws["B4"] = _("As of"), rep.as_of
    ws["B4"].number_format = "yyyy-mm-dd"
    ws.column_dimensions["A"].width = 30
    acc = [
        (u["unit_name_zh"] if zh else u["unit_name_en"], *(u[m] for m in year_end.ACC_MEASURES))
        for u in rep.accountability
    ]
    acc.append((_("Total"), *(rep.accountability_totals[m] for m in year_end.ACC_MEASURES)))
    _sheet(wb, _("Accountability"), [
        _("Responsible unit"), _("Deadlines due in the year"), _("Met on time"), _("Met late"),
        _("Cancelled"), _("Still open at year end"), _("Escalations"), _("Stalls flagged"),
    ], acc)  # fmt: skip
    keys = ("registered", "party_org", "instructor", "none")
    names = [_("Registered organizations"), *(lbl(choice_label(k)) for k in keys[1:])]
    _sheet(
        wb,
        _("Coverage"),
        [_("Coverage"), _("Start of the year"), _("End of the year")],
        [(n, rep.coverage_start[k], rep.coverage_end[k]) for n, k in zip(names, keys, strict=True)],
    )
    _sheet(
        wb,
        _("Coverage and overdue"),
        [_("Month end"), *names, _("Overdue cases")],
        [
            (f"{c.day:%Y-%m-%d}", *(c.values[k] for k in keys), o.values["overdue"])
            for c, o in zip(rep.trends.coverage, rep.trends.overdue, strict=True)
        ],
    )
    _sheet(wb, _("Drives"), [_("Drive"), _("Starts on"), _("Ends on"), _("Organizations"),
                             _("Covered"), _("Overdue")],
           [(c["title"], c["starts_on"], c["ends_on"], c["opened"], c["covered"], c["overdue"])
            for c in rep.campaigns])  # fmt: skip
    _sheet(wb, _("Abnormal list"), [_("Organization"), _("Reason"), _("Listed on"),
                                    _("Status"), _("Left on")],
           [(e["organization_name"], lbl(e["reason_label"]), e["listed_on"],
             lbl(ABNORMAL_STATUS[e["status"]]),
             e["removed_on"]) for e in rep.abnormal])  # fmt: skip
    _sheet(wb, _("Secretaries"), [_("Party organization"), _("Secretary"),
                                  _("Reports made in the year"), _("Standing"), _("Overdue since")],
           [(p["name"], p["secretary"], len(p["reports"]), _(STANDINGS[p["standing"]]), p["due"])
            for p in rep.secretaries])  # fmt: skip
    _sheet(
        wb,
        _("Yearly cases"),
        [_("Procedure"), _("Step"), _("Cases"), _("Standing")],
        [
            (p["label"], x["label"], x["cases"], _("concluded") if x["result"] else _("under way"))
            for p in series_view(rep)
            for x in p["states"]
        ],
    )
    steps = []
    for procedure, times in sorted(rep.trends.steps.items()):
        d = _latest(procedure)
        for i, s in enumerate(times):
            state = lbl(d.states[s.state].label) if d and s.state in d.states else s.state
            steps.append((lbl(d.label) if d else procedure, state, s.spells,
                          round(s.median_days, 1), round(s.p90_days, 1),
                          _("yes") if i == 0 else ""))  # fmt: skip
    _sheet(wb, _("Time in each step"), [_("Procedure"), _("Step"), _("Stays"),
                                        _("Median (days)"), _("90th percentile (days)"),
                                        _("slowest step")], steps)  # fmt: skip
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _latest(procedure: str) -> Any:
    return next((d for d in runtime().definitions.latest() if d.procedure == procedure), None)
