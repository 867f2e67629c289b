"""The caseworker's pages: the inbox, a case's steps and hand-over, opening a case (the case
page itself is drawn by `web.ui.case_page`).

Whether a step is allowed comes from `case_service.actions`; a step is fired with
`case_service.fire`, which enforces unit, role, version and rules. A refused or invalid step
re-renders the case page with everything the user typed, the errors beside the fields; a
stale form (someone else moved the case) shows what changed since the version they saw.
A supervisor hands a case to another unit (REG-6) with `handover.hand_over`, the same way.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, render_template, request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from engine.cases import documents, handover
from engine.cases import listing as case_lists
from engine.cases import read as case_read
from engine.cases import service as case_service
from engine.directory import read as directory_read
from engine.errors import Conflict, Forbidden, NotFound, TransitionRefused
from engine.inputs import InputSchema
from engine.oversight import figures
from web import diagram, forms
from web.ui import case_documents, case_export, case_handover, pick
from web.ui.case_history import all_units, unit_label
from web.ui.case_page import Posted, render_case, schema_fields, transition
from web.ui.common import (
    actor,
    lang,
    lbl,
    moment,
    parse_args,
    runtime,
    see_other,
    today,
)

bp = Blueprint("cases", __name__)

PER_PAGE = 25


class CaseListArgs(InputSchema):
    view = fields.String(load_default="open", validate=validate.OneOf(case_lists.VIEWS))
    owner = fields.String(load_default="all", validate=validate.OneOf(case_lists.OWNERS))
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    procedure = fields.String(load_default=None, validate=validate.Length(max=60))
    state = fields.String(load_default=None, validate=validate.Length(max=60))
    unit = fields.Integer(load_default=None, validate=validate.Range(min=1))
    organization = fields.Integer(load_default=None, validate=validate.Range(min=1))
    age = fields.Integer(
        load_default=None, validate=validate.Range(min=0, max=len(figures.AGE_BUCKETS) - 1)
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    format = fields.String(load_default="html", validate=validate.OneOf(("html", "xlsx")))


class StepControls(InputSchema):
    """The inputs of a step form that are not the step's payload."""

    version = fields.Integer(required=True, data_key="_version", validate=validate.Range(min=1))
    comment = fields.String(
        load_default=None, data_key="_comment", validate=validate.Length(max=2000)
    )
    add = fields.String(load_default=None, data_key="_add", validate=validate.Length(max=200))
    pick = fields.String(load_default=None, data_key="_pick", validate=validate.Length(max=200))


class OpenControls(InputSchema):
    procedure = fields.String(required=True, data_key="_procedure")
    comment = fields.String(
        load_default=None, data_key="_comment", validate=validate.Length(max=2000)
    )
    add = fields.String(load_default=None, data_key="_add", validate=validate.Length(max=200))
    pick = fields.String(load_default=None, data_key="_pick", validate=validate.Length(max=200))


def _controls(schema: Schema) -> dict[str, Any]:
    raw = {
        k: v
        for k, v in request.form.items()
        if k.startswith("_") and not k.startswith(pick.QUERY_PREFIX) and v != ""
    }
    return schema.load(raw)


# ---------------------------------------------------------------- inbox


def age_labels() -> list[str]:
    out = []
    for low, high in figures.AGE_BUCKETS:
        if high is None:
            out.append(_("over %(n)s days", n=low))
        else:
            out.append(_("%(a)s–%(b)s days", a=low + 1 if low else 1, b=high))
    return out


def _case_filter(args: dict[str, Any]) -> case_lists.CaseFilter:
    return case_lists.CaseFilter(
        view=args["view"],
        q=args["q"],
        procedure=args["procedure"],
        state=args["state"],
        unit_id=args["unit"],
        age=args["age"],
        organization_id=args["organization"],
        owner=None if args["owner"] == "all" else args["owner"],
    )


def unit_named(unit_id: int | None) -> str | None:
    """The unit a list is filtered by, by its name in the page's language (unit names are
    no secret: the hand-over form lists them all)."""
    if unit_id is None:
        return None
    return unit_label({u["id"]: u for u in all_units()}, unit_id, f"#{unit_id}")


def _organization_named(organization_id: int | None) -> str | None:
    """The organization a list is filtered by, by its name where the user may see it."""
    if organization_id is None:
        return None
    try:
        org = directory_read.organization(runtime().reader(), actor(), organization_id)
    except (NotFound, Forbidden):
        return f"#{organization_id}"
    return str(org["name"])


@bp.get("/cases")
def inbox() -> Any:
    """The inbox: my unit's open cases, due soon, overdue, stalled, recently changed."""
    rt = runtime()
    args = parse_args(CaseListArgs())
    filt = _case_filter(args)
    if args["format"] == "xlsx":
        return case_export.export_cases(filt)
    at = moment()
    counts = case_lists.counts_by_view(rt.reader(), actor(), at)
    unfiltered = filt == case_lists.CaseFilter(view=filt.view)
    page = case_lists.list_cases(
        rt.reader(),
        actor(),
        filt,
        at,
        page=args["page"],
        per_page=PER_PAGE,
        total=counts.get(filt.view) if unfiltered else None,
    )
    definitions = rt.definitions.latest()
    chosen = next((d for d in definitions if d.procedure == filt.procedure), None)
    return render_template(
        "cases.html",
        page=page,
        filt=filt,
        unit_filter=unit_named(filt.unit_id),
        organization_filter=_organization_named(filt.organization_id),
        counts=counts,
        definitions=definitions,
        states=list(chosen.states.values()) if chosen else [],
        age_labels=age_labels(),
        now=at.now,
        today=today(),
        stalled_after=rt.definitions.parameters.describe("stalled_after_days")
        if "stalled_after_days" in rt.definitions.parameters
        else None,
    )


# ---------------------------------------------------------------- the case page


@bp.get("/cases/<int:case_id>")
def show(case_id: int) -> Any:
    return render_case(case_id)


@bp.post("/cases/<int:case_id>/steps/<trigger>")
def fire(case_id: int, trigger: str) -> Any:
    """One step: parse the form with the step's schema, call `case_service.fire`, show the result."""
    rt = runtime()
    ctl = _controls(StepControls())
    c = case_read.get_case(rt.reader(), rt.definitions, case_id, actor=actor())
    definition = rt.definitions.get(c["procedure"], c["definition_version"])
    t = transition(definition, c["state"], trigger)
    state = forms.FormState(values=MultiDict(request.form))
    if ctl["add"] or ctl["pick"]:  # a row added, or a picker's search: the form again
        if ctl["add"]:
            state.extra_rows[ctl["add"]] = 1
        return render_case(case_id, Posted(trigger, state))
    payload = forms.parse(definition.registry.schema(t.schema), request.form) if t.schema else {}
    sent = case_documents.files_sent(request.files)
    try:
        out = case_service.fire(
            rt.uow(),
            rt.definitions,
            case_id,
            trigger,
            payload,
            actor=actor(),
            expected_version=ctl["version"],
            comment=ctl["comment"],
            uploads=case_documents.uploads_from(request.files),
        )
    except ValidationError as err:
        state.errors = forms.flatten_errors(err.messages, translate=forms.translate_message)
        return render_case(case_id, Posted(trigger, state, files_sent=sent), 422)
    except documents.TooLarge as err:
        state.errors = case_documents.too_large_errors(err)
        return render_case(case_id, Posted(trigger, state, files_sent=sent), 413)
    except TransitionRefused as err:
        return render_case(case_id, Posted(trigger, state, err.refusal, files_sent=sent), 409)
    except Conflict as err:
        return render_case(case_id, Posted(trigger, state, conflict=err, files_sent=sent), 409)
    done = _(
        "Done: %(step)s. The case is now at “%(state)s”.",
        step=lbl(t.label),
        state=lbl(definition.states[out["state"]].label),
    )
    if t.hand_over and not _still_visible(case_id):
        # REG-6: the step handed the case to its responsible unit, outside the user's units.
        flash(
            done + " " + _("The case went to its responsible unit and is no longer in your lists."),
            "success",
        )
        return see_other("cases.inbox")
    flash(done, "success")
    return see_other("cases.show", case_id=case_id, _anchor="top")


def _still_visible(case_id: int) -> bool:
    rt = runtime()
    try:
        case_read.get_case(rt.reader(), rt.definitions, case_id, actor=actor())
    except Forbidden:
        return False
    return True


@bp.post("/cases/<int:case_id>/hand-over")
def hand_over(case_id: int) -> Any:
    """Hand the case to another unit (REG-6) with `handover.hand_over`, which checks role,
    version and unit; then back to the case, or to the inbox if it left the user's units."""
    rt = runtime()
    ctl = _controls(case_handover.Controls())
    state = forms.FormState(values=MultiDict(request.form))
    try:
        out = handover.hand_over(
            rt.uow(), case_id, case_handover.payload(request.form, ctl["version"]), actor=actor()
        )
    except ValidationError as err:
        state.errors = case_handover.field_errors(err)
        return render_case(case_id, Posted(case_handover.POSTED, state), 422)
    except Conflict as err:
        return render_case(case_id, Posted(case_handover.POSTED, state, conflict=err), 409)
    to = next(u for u in all_units() if u["code"] == out["unit"])
    name = lbl((to["name_zh"], to["name_en"]))
    try:
        case_read.get_case(rt.reader(), rt.definitions, case_id, actor=actor())
    except Forbidden:
        flash(
            _(
                "Case %(id)s was handed over to %(unit)s, outside your units: "
                "it is no longer in your lists.",
                id=case_id,
                unit=name,
            ),
            "success",
        )
        return see_other("cases.inbox")
    flash(_("Case %(id)s handed over to %(unit)s.", id=case_id, unit=name), "success")
    return see_other("cases.show", case_id=case_id, _anchor="top")


# ---------------------------------------------------------------- opening a case


@bp.route("/organizations/<int:org_id>/cases/new", methods=["GET", "POST"])
def new_case(org_id: int) -> Any:
    """Open a case of any shipped procedure for an organization (form from `open_schema`)."""
    rt = runtime()
    org = directory_read.organization(rt.reader(), actor(), org_id)
    pick.set_near(org_id)
    definitions = rt.definitions.latest()
    chosen = request.values.get("procedure") or request.values.get("_procedure")
    posted_proc: str | None = None
    state = forms.FormState()
    status = 200
    if request.method == "POST":
        ctl = _controls(OpenControls())
        definition = rt.definitions.get(ctl["procedure"])
        posted_proc = definition.procedure
        state = forms.FormState(values=MultiDict(request.form))
        if ctl["add"]:
            state.extra_rows[ctl["add"]] = 1
        elif ctl["pick"]:
            pass  # a picker's search: the form again, listing what was found
        else:
            schema = definition.open_schema
            payload = (
                forms.parse(definition.registry.schema(schema), request.form) if schema else {}
            )
            try:
                case_id = case_service.open_case(
                    rt.uow(),
                    rt.definitions,
                    definition.procedure,
                    org_id,
                    payload,
                    actor=actor(),
                    comment=ctl["comment"],
                )
            except ValidationError as err:
                state.errors = forms.flatten_errors(err.messages, translate=forms.translate_message)
                status = 422
            else:
                flash(_("Case %(id)s opened.", id=case_id), "success")
                return see_other("cases.show", case_id=case_id)
    choices = [
        {
            "definition": d,
            "fields": schema_fields(d, d.open_schema),
            "state": state if d.procedure == posted_proc else forms.FormState(),
            "open": d.procedure in (posted_proc, chosen) or len(definitions) == 1,
            "diagram": diagram.render(d, d.initial, (), lang()),
        }
        for d in definitions
    ]
    return render_template("case_new.html", org=org, choices=choices), status
