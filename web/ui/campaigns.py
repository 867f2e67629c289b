"""Coverage drives (REG-10) and the instructor register (INS-2): the campaigns of a supervisor's
units, the form that opens one over a unit's tree, its board (progress per unit, burndown as a
server-side SVG with its table, XLSX), and the register (enter, report, end a term). Views
parse, call one service, render; the appointment itself is the coverage case's step."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate

from engine.cases import campaign_requests
from engine.cases.campaigns import campaign_kinds
from engine.directory import instructors, instructors_read
from engine.directory import read as directory_read
from engine.errors import Forbidden, TransitionRefused
from engine.inputs import InputSchema
from engine.oversight import campaigns as boards
from web import charts
from web.export import xlsx_response
from web.messages import translate_message
from web.ui.common import (
    actor,
    lbl,
    now,
    parse_args,
    runtime,
    see_other,
    state_label,
    today,
    unit_name,
)

bp = Blueprint("campaigns", __name__)

SOURCES = {
    "cadre_left_post": ("退出领导岗位未退休干部", "Cadre who left a leading post"),
    "retired_cadre": ("退休干部", "Retired cadre"),
    "young_cadre": ("优秀年轻干部", "Outstanding young cadre"),
    "social_org_party_org": (
        "社会组织党组织选派",
        "From a social organization's Party organization",
    ),
    "other": ("其他", "Other"),
}
ROLES = {"instructor": ("党建工作指导员", "Instructor"), "liaison": ("党建工作联络员", "Liaison")}
STAGES = {
    "appointed": ("在任", "Serving"),
    "unassigned": ("在册，暂未选派", "On the register, serving nobody yet"),
    "report_overdue": ("工作报告逾期", "Report overdue"),
    "term_ending": ("任期即将届满", "Term ending soon"),
    "ended": ("任期已结束", "Term ended"),
}
END_REASONS = {"withdrawn": ("撤回", "Withdrawn"), "replaced": ("由他人接替", "Replaced")}
COVERAGE = {
    "party_org": ("党组织覆盖", "Party organization"),
    "instructor": ("指导员覆盖", "Instructor"),
    "none": ("未覆盖", "Uncovered"),
}


class BoardArgs(InputSchema):
    format = fields.String(load_default="html", validate=validate.OneOf(("html", "xlsx")))


def _field_errors(messages: Any) -> dict[str, str]:
    """marshmallow's messages, one line per field in the page's language (web.forms imports
    this package's labels, so it is imported when a form fails, not at import time)."""
    from web.forms import flatten_errors

    flat = flatten_errors(messages, translate=translate_message)
    return {path: " ".join(msgs) for path, msgs in flat.items()}


def _kinds() -> dict[str, str]:
    return {
        k: lbl({"zh": v.label_zh, "en": v.label_en})
        for k, v in campaign_requests.requestable(runtime().definitions).items()
    }


def _kind_label(kind: str) -> str:
    k = campaign_kinds(runtime().definitions).get(kind)
    return lbl({"zh": k.label_zh, "en": k.label_en}) if k else kind


def _list_page(form: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> str:
    rt = runtime()
    who = actor()
    rows = boards.visible_campaigns(rt.uow(), who, now())
    units = directory_read.units_in_scope(rt.uow(), who)
    return render_template(
        "campaigns.html",
        rows=rows,
        units=units,
        kinds=_kinds(),
        kind_label=_kind_label,
        form=form
        or {
            "unit_id": who.unit_id,
            "kind": campaign_requests.default_kind(runtime().definitions),
            "starts_on": today().isoformat(),
            "title": "",
        },
        errors=errors or {},
        may_open=who.role in ("supervisor", "admin"),
        today=today(),
    )


@bp.get("/campaigns")
def index() -> Any:
    """REG-10: the drives over the actor's units, and (for a supervisor) the form to open one."""
    return _list_page()


@bp.post("/campaigns")
def open_campaign() -> Any:
    """REG-10: open a drive over a unit's tree (again: opens nothing twice)."""
    form = {k: request.form.get(k, "") for k in ("unit_id", "kind", "starts_on", "title")}
    payload: dict[str, Any] = dict(form)
    try:
        payload["unit_id"] = int(form["unit_id"]) if form["unit_id"].isdigit() else form["unit_id"]
        result = campaign_requests.request_campaign(
            runtime().uow(), runtime().definitions, payload, actor=actor()
        )
    except ValidationError as err:
        return _list_page(form, _field_errors(err.messages)), 422
    except Forbidden as err:
        return _list_page(form, {"_schema": translate_message(err.message)}), 403
    flash(
        _(
            "The drive runs from %(start)s to %(end)s: %(opened)s cases opened, %(joined)s "
            "running cases joined, %(already)s organizations already in it.",
            start=result.starts_on,
            end=result.ends_on,
            opened=result.opened,
            joined=result.joined,
            already=result.already,
        ),
        "success",
    )
    return redirect(url_for("campaigns.board", campaign_id=result.campaign_id), 303)


def burndown_chart(view: dict[str, Any]) -> Any:
    """The burndown as an SVG line chart: cases still open each day, and the even pace that
    would reach none on the drive's last day."""
    c = view["campaign"]
    days = [d for d, _n in view["burndown"]]
    left = [n for _d, n in view["burndown"]]
    span = max((c["ends_on"] - c["starts_on"]).days, 1)
    first = left[0] if left else 0
    taken = view["totals"]["opened"]  # the even pace runs from all taken in to none
    pace = [round(taken * (1 - (d - c["starts_on"]).days / span), 1) for d in days]
    desc = _(
        "From %(start)s to %(day)s: %(first)s cases at the start, %(left)s still open; the "
        "drive ends on %(end)s.",
        start=c["starts_on"],
        day=days[-1] if days else c["starts_on"],
        first=first,
        left=left[-1] if left else 0,
        end=c["ends_on"],
    )
    return charts.line_chart(
        f"burndown-{c['id']}",
        _("Burndown of the drive"),
        desc,
        [f"{d.month}-{d.day}" for d in days],
        [charts.Series(_("Cases still open"), left), charts.Series(_("Even pace"), pace)],
        _("Day"),
        _("Cases still open"),
    )


@bp.get("/campaigns/<int:campaign_id>")
def board(campaign_id: int) -> Any:
    """REG-10: the drive's progress per unit (opened, covered, overdue), its burndown, its
    organizations; XLSX with the same numbers."""
    args = parse_args(BoardArgs())
    view = boards.campaign_view(runtime().uow(), actor(), campaign_id, now())
    if args["format"] == "xlsx":
        return _export(view)
    return render_template(
        "campaign.html",
        view=view,
        c=view["campaign"],
        kind_label=_kind_label(view["campaign"]["kind"]),
        chart=burndown_chart(view),
        coverage={k: lbl(v) for k, v in COVERAGE.items()},
        late=view["campaign"]["ends_on"] < today(),
    )


def _export(view: dict[str, Any]) -> Any:
    c = view["campaign"]
    units = [(unit_name(u, "name"), u["opened"], u["covered"], u["overdue"]) for u in view["units"]]
    units.append((_("Totals"), *(view["totals"][k] for k in ("opened", "covered", "overdue"))))
    return xlsx_response(
        f"tongbu-campaign-{c['id']}-{today():%Y%m%d}",
        [
            (
                _("Progress by unit"),
                [_("Unit"), _("Taken in"), _("Covered"), _("Overdue")],
                units,
            ),
            (
                _("Burndown"),
                [_("Day"), _("Cases still open")],
                [(d, n) for d, n in view["burndown"]],
            ),
            (
                _("Organizations"),
                [_("Organization"), _("Case"), _("State"), _("Coverage"), _("Joined")],
                [
                    (
                        o["name"],
                        o["case_id"],
                        state_label(c["procedure"], None, o["state"]) if o["state"] else "",
                        lbl(COVERAGE[o["coverage"]]),
                        _("yes") if o["joined"] else _("no"),
                    )
                    for o in view["organizations"]
                ],
            ),
        ],
    )


# ---------------------------------------------------------------- the instructor register


def _register_page(form: dict[str, Any] | None = None, errors: dict | None = None) -> str:
    rt = runtime()
    who = actor()
    rows = instructors_read.register(rt.uow(), who, today())
    return render_template(
        "instructors.html",
        rows=rows,
        units=directory_read.units_in_scope(rt.uow(), who),
        sources={k: lbl(v) for k, v in SOURCES.items()},
        roles={k: lbl(v) for k, v in ROLES.items()},
        stages={k: lbl(v) for k, v in STAGES.items()},
        end_reasons={k: lbl(v) for k, v in END_REASONS.items()},
        form=form or {"unit_id": who.unit_id, "role": "instructor"},
        errors=errors or {},
        today=today(),
        term_remind=rt.definitions.parameters.get("instructor_term_remind", "P30D"),
    )


@bp.get("/instructors")
def register() -> Any:
    """INS-2: the register, each instructor's stage, organizations served and reports."""
    return _register_page()


FIELDS = ("name", "role", "source", "unit_id", "phone", "term_starts_on", "term_ends_on")


@bp.post("/instructors")
def add_instructor() -> Any:
    """INS-2: enter an instructor or liaison (the reports their term owes are scheduled)."""
    form = {k: request.form.get(k, "").strip() for k in FIELDS}
    payload = {k: v for k, v in form.items() if v != ""}
    if form["unit_id"].isdigit():
        payload["unit_id"] = int(form["unit_id"])
    try:
        instructors.register_instructor(
            runtime().uow(),
            payload,
            actor=actor(),
            report_period=str(runtime().definitions.parameters.get("instructor_report_period")),
        )
    except ValidationError as err:
        return _register_page(form, _field_errors(err.messages)), 422
    except Forbidden as err:
        return _register_page(form, {"_schema": translate_message(err.message)}), 403
    flash(_("%(name)s is on the instructor register.", name=form["name"]), "success")
    return see_other("campaigns.register")


def _refused(err: Exception) -> None:
    if isinstance(err, TransitionRefused):
        r = err.refusal
        flash(f"{r.rule}: {lbl({'zh': r.zh, 'en': r.en})}", "error")
    elif isinstance(err, ValidationError):
        flash(" ".join(f"{v}" for v in _field_errors(err.messages).values()), "error")
    else:
        flash(translate_message(getattr(err, "message", str(err))), "error")


@bp.post("/instructors/<int:instructor_id>/reports")
def file_report(instructor_id: int) -> Any:
    """INS-2: the instructor's report for a period is in."""
    payload = {k: request.form.get(k, "") for k in ("period_starts_on", "summary")}
    try:
        instructors.file_report(runtime().uow(), instructor_id, payload, actor=actor())
    except (ValidationError, Forbidden) as err:
        _refused(err)
        return see_other("campaigns.register")
    flash(_("The report is recorded."), "success")
    return see_other("campaigns.register")


@bp.post("/instructors/<int:instructor_id>/end")
def end_term(instructor_id: int) -> Any:
    """INS-2: the instructor stops serving; organizations left bare are uncovered again."""
    payload = {k: request.form.get(k, "") for k in ("ended_on", "reason")}
    try:
        bare = instructors.end_term(runtime().uow(), instructor_id, payload, actor=actor())
    except (ValidationError, Forbidden, TransitionRefused) as err:
        _refused(err)
        return see_other("campaigns.register")
    flash(
        _(
            "The term ended; %(n)s organization(s) are uncovered again: appoint a successor "
            "in their coverage case.",
            n=len(bare),
        )
        if bare
        else _("The term ended."),
        "success",
    )
    return see_other("campaigns.register")
