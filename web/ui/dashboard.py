"""The supervisor's pages: stalled and overdue cases across the jurisdiction, who is late
(ACC-1), escalations received, and the "two coverages" (REG-7). Every number is a link.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, render_template, request
from flask_babel import gettext as _
from marshmallow import fields, validate

from engine.directory import read as directory_read
from engine.inputs import InputSchema
from engine.oversight import accountability, figures, history, notifications
from engine.oversight import dashboard as dashboards
from web.export import xlsx_response
from web.ui import chart_views
from web.ui.cases import age_labels, unit_named
from web.ui.common import (
    actor,
    lbl,
    moment,
    parse_args,
    procedure_label,
    runtime,
    see_other,
    state_label,
    today,
    unit_name,
)
from web.ui.labels import choice_label

bp = Blueprint("dashboard", __name__)

NOTIFICATIONS_SHOWN = 8
PER_PAGE = 25


def _require_supervisor() -> None:
    """The dashboard is the supervisors' page; caseworkers have the inbox."""
    accountability.require_supervising(actor())


class DashboardArgs(InputSchema):
    format = fields.String(load_default="html", validate=validate.OneOf(("html", "xlsx")))


def _percent(n: int, total: int) -> float:
    return round(100.0 * n / total, 1) if total else 0.0


@bp.get("/dashboard")
def index() -> Any:
    _require_supervisor()
    rt = runtime()
    args = parse_args(DashboardArgs())
    who = actor()
    at = moment()
    board = dashboards.dashboard(rt.reader(), who, at)
    cov = board.coverage
    coverage = [
        {
            "key": key,
            "label": lbl(choice_label(key)),
            "n": cov[key],
            "percent": _percent(cov[key], cov["registered"]),
        }
        for key in directory_read.COVERAGES
    ]
    if args["format"] == "xlsx":
        return _export(board, coverage)
    notes = notifications.list_for_user(rt.reader(), who.id, limit=NOTIFICATIONS_SHOWN)
    trends = history.dashboard_trends(
        rt.reader(), who, at.now, [d.procedure for d in rt.definitions.latest()]
    )
    params = rt.definitions.parameters
    return render_template(
        "dashboard.html",
        board=board,
        coverage=coverage,
        coverage_units=board.coverage_units,
        coverage_totals=figures.coverage_totals(board.coverage_units),
        registered=cov["registered"],
        age_labels=age_labels(),
        notes=notes,
        stalled_after=params.describe("stalled_after_days")
        if "stalled_after_days" in params
        else None,
        max_age=max(board.by_age) if board.by_age else 0,
        trends=chart_views.trend_charts(trends, "dash"),
        steps=chart_views.step_views(trends, rt.definitions, "dash"),
    )


def _export(board: dashboards.Dashboard, coverage: list[dict]) -> Any:
    """The dashboard as a workbook: the same rows and figures as the page, and a totals row."""
    labels = age_labels()

    def line(name_zh: str, name_en: str, x: dict[str, Any], by_age: list[int]) -> tuple:
        oldest = x.get("oldest_overdue") or {}
        return (
            name_zh,
            name_en,
            *(x[m] for m in figures.MEASURES),
            *by_age,
            oldest.get("case_id"),
            oldest.get("days_overdue"),
        )

    unit_rows = [line(u["unit_name_zh"], u["unit_name_en"], u, u["by_age"]) for u in board.units]
    unit_rows.append(line(_("Totals"), _("Totals"), board.totals, board.by_age))
    return xlsx_response(
        f"tongbu-dashboard-{today():%Y%m%d}",
        [
            (
                _("Units"),
                [
                    _("Unit") + " (zh)",
                    _("Unit") + " (en)",
                    _("Open"),
                    _("Due soon"),
                    _("Overdue"),
                    _("Escalated"),
                    _("Stalled"),
                    *(_("Overdue") + f" {x}" for x in labels),
                    _("Oldest overdue case"),
                    _("Days overdue"),
                ],
                unit_rows,
            ),
            (
                _("Coverage"),
                [_("Coverage"), _("Organizations"), _("Share (%)")],
                [
                    (_("Registered organizations"), board.coverage["registered"], 100.0),
                    *((c["label"], c["n"], c["percent"]) for c in coverage),
                ],
            ),
        ],
    )


# ---------------------------------------------------------------- the lists behind ACC-1


class AccountabilityArgs(InputSchema):
    unit = fields.Integer(load_default=None, validate=validate.Range(min=1))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    format = fields.String(load_default="html", validate=validate.OneOf(("html", "xlsx")))


@bp.get("/accountability/<measure>")
def accountability_list(measure: str) -> Any:
    """The cases an ACC-1 number counts (open, due soon, overdue, escalated, stalled), as the
    figures define them, so the list always matches the number it was opened from."""
    _require_supervisor()
    if measure not in accountability.LISTS:
        from werkzeug.exceptions import NotFound as HTTPNotFound

        raise HTTPNotFound()
    args = parse_args(AccountabilityArgs())
    rt = runtime()
    listing = accountability.LISTS[measure]
    at = moment()
    if args["format"] == "xlsx":
        rows = listing(rt.reader(), actor(), at, unit_id=args["unit"], limit=1_000_000, offset=0)
        return xlsx_response(
            f"tongbu-{measure}-{today():%Y%m%d}",
            [
                (
                    measure,
                    [
                        _("Case"),
                        _("Organization"),
                        _("Procedure"),
                        _("Current step"),
                        _("Unit"),
                        _("Assignee"),
                        _("Last change"),
                        _("Deadline"),
                        _("Days overdue"),
                    ],
                    (
                        (
                            r["case_id"],
                            r["organization"],
                            procedure_label(r["procedure"]),
                            state_label(r["procedure"], None, r["state"]),
                            unit_name(r, "unit_name"),
                            r["assignee"],
                            r["updated_at"],
                            r.get("due_date"),
                            r.get("days_overdue"),
                        )
                        for r in rows
                    ),
                )
            ],
        )
    offset = (args["page"] - 1) * PER_PAGE
    rows = listing(
        rt.reader(), actor(), at, unit_id=args["unit"], limit=PER_PAGE + 1, offset=offset
    )
    return render_template(
        "accountability_list.html",
        measure=measure,
        rows=rows[:PER_PAGE],
        has_next=len(rows) > PER_PAGE,
        page=args["page"],
        unit=args["unit"],
        unit_filter=unit_named(args["unit"]),
    )


# ---------------------------------------------------------------- notifications


class NotificationArgs(InputSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    unread = fields.Boolean(load_default=False)


@bp.get("/notifications")
def notification_list() -> Any:
    """Reminders, escalations received and stalled-case flags for the signed-in user."""
    args = parse_args(NotificationArgs())
    rt = runtime()
    rows = notifications.list_for_user(
        rt.reader(),
        actor().id,
        unread_only=args["unread"],
        limit=PER_PAGE + 1,
        offset=(args["page"] - 1) * PER_PAGE,
    )
    return render_template(
        "notifications.html",
        rows=rows[:PER_PAGE],
        has_next=len(rows) > PER_PAGE,
        page=args["page"],
        unread=args["unread"],
    )


class MarkReadForm(InputSchema):
    ids = fields.List(fields.Integer(validate=validate.Range(min=1)), load_default=None)
    next = fields.String(load_default=None, validate=validate.Length(max=500))


@bp.post("/notifications/read")
def mark_read() -> Any:
    from web.ui.common import safe_next

    data = MarkReadForm().load(
        {
            "ids": request.form.getlist("ids") or None,
            "next": request.form.get("next") or None,
        }
    )
    n = notifications.mark_read(runtime().uow(), actor().id, data["ids"])
    flash(_("%(n)s notification(s) marked read.", n=n), "success")
    target = safe_next(data["next"], "")
    if target:
        from flask import redirect

        return redirect(target, code=303)
    return see_other("dashboard.notification_list")
