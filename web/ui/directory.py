"""Organizations and Party organizations: lists and detail pages with their cases.

A new organization (an applicant) is recorded with the directory's own schema, in a unit
the user may act for; a case is then opened on it from its page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, render_template, request
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from engine.directory import party as party_read
from engine.directory import read as directory_read
from engine.directory import service as directory
from engine.inputs import InputSchema
from engine.vocabulary import PARTY_ORG_KINDS
from web import forms
from web.export import xlsx_response
from web.ui.cases import unit_named
from web.ui.common import actor, lbl, parse_args, runtime, see_other, today, unit_name
from web.ui.labels import choice_label

bp = Blueprint("directory", __name__)

PER_PAGE = 25


class OrgListArgs(InputSchema):
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    coverage = fields.String(load_default=None, validate=validate.OneOf(directory_read.COVERAGES))
    status = fields.String(load_default=None, validate=validate.Length(max=20))
    unit = fields.Integer(load_default=None, validate=validate.Range(min=1))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    format = fields.String(load_default="html", validate=validate.OneOf(("html", "xlsx")))


@bp.get("/organizations")
def organizations() -> Any:
    args = parse_args(OrgListArgs())
    filt = directory_read.OrgFilter(
        q=args["q"], coverage=args["coverage"], status=args["status"], unit_id=args["unit"]
    )
    rt = runtime()
    if args["format"] == "xlsx":
        headers = [
            _("Organization"),
            _("Credit code"),
            _("Type"),
            _("Category"),
            _("Status"),
            _("Coverage"),
            _("Full members"),
            _("Unit"),
            _("Open cases"),
        ]
        rows = (
            (
                o["name"],
                o["credit_code"],
                lbl(choice_label(o["org_type"])),
                lbl(choice_label(o["category"])),
                lbl(choice_label(o["status"])),
                lbl(choice_label(o["coverage"])),
                o["full_members"],
                unit_name(o),
                o["open_cases"],
            )
            for o in directory_read.iter_organizations(rt.reader(), actor(), filt)
        )
        return xlsx_response(
            f"tongbu-organizations-{today():%Y%m%d}", [(_("Organizations"), headers, rows)]
        )
    page = directory_read.list_organizations(
        rt.reader(), actor(), filt, page=args["page"], per_page=PER_PAGE
    )
    return render_template(
        "organizations.html", page=page, filt=filt, unit_filter=unit_named(filt.unit_id)
    )


@bp.get("/organizations/<int:org_id>")
def organization(org_id: int) -> Any:
    org = directory_read.organization(runtime().reader(), actor(), org_id)
    return render_template("organization.html", org=org)


def _unit_choices() -> list[tuple[str, tuple[str, str]]]:
    return [
        (u["code"], (u["name_zh"], u["name_en"]))
        for u in directory_read.units_in_scope(runtime().reader(), actor())
    ]


@bp.route("/organizations/new", methods=["GET", "POST"])
def new_organization() -> Any:
    """Record an applicant organization: the same service as the CLI and the API
    (`directory.create_organization`: its schema, the role, the unit in scope)."""
    units = _unit_choices()
    schema = directory.OrganizationSchema()
    state = forms.FormState()
    status = 200
    if request.method == "POST":
        state = forms.FormState(values=MultiDict(request.form))
        payload = forms.parse(schema, request.form)
        try:
            org_id = directory.create_organization(runtime().uow(), payload, actor=actor())
        except ValidationError as err:
            state.errors = forms.flatten_errors(err.messages, translate=forms.translate_message)
            status = 422
        else:
            flash(_("Organization recorded."), "success")
            return see_other("directory.organization", org_id=org_id)
    fields_ = forms.describe(schema, choices={"unit": units})
    return render_template("organization_new.html", fields=fields_, state=state), status


class PartyOrgArgs(InputSchema):
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    kind = fields.String(load_default=None, validate=validate.OneOf(PARTY_ORG_KINDS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


@bp.get("/party-organizations")
def party_organizations() -> Any:
    args = parse_args(PartyOrgArgs())
    page = party_read.list_party_organizations(
        runtime().reader(),
        actor(),
        party_read.PartyOrgFilter(q=args["q"], kind=args["kind"]),
        page=args["page"],
        per_page=PER_PAGE,
    )
    return render_template(
        "party_organizations.html", page=page, q=args["q"], kind=args["kind"], kinds=PARTY_ORG_KINDS
    )


@bp.get("/party-organizations/<int:party_org_id>")
def party_organization(party_org_id: int) -> Any:
    p = party_read.party_organization(runtime().reader(), actor(), party_org_id)
    return render_template("party_organization.html", p=p)
