"""Social organizations in your units: list, read, add (INF-1 credit codes are checked)."""

from __future__ import annotations

from flask import Response, url_for

from engine.directory import scoped
from engine.directory.service import OrganizationSchema
from web.api import bp, resources, schemas
from web.api.common import (
    actor,
    args,
    idempotent,
    json_body,
    json_response,
    operation,
    page,
    runtime,
)


@bp.get("/organizations")
@operation(
    summary="List organizations in your units",
    tags=["organizations"],
    args=schemas.OrganizationListArgs,
    responses={200: (resources.OrganizationPage, "a page of organizations, by id")},
)
def list_organizations() -> Response:
    a = args(schemas.OrganizationListArgs)
    rows = scoped.list_organizations(
        runtime().uow(), actor=actor(), search=a["search"], limit=a["limit"] + 1, offset=a["offset"]
    )
    return json_response(resources.OrganizationPage().dump(page(rows, a["limit"], a["offset"])))


@bp.post("/organizations")
@operation(
    summary="Add an organization",
    description="Caseworkers add an applicant organization under a registration authority "
    "unit in their scope (`unit` is the unit's code). A credit code, if given, must be a "
    "valid unified social credit code not yet registered (INF-1).",
    tags=["organizations"],
    body=OrganizationSchema,
    scoped=True,
    responses={201: (resources.Organization, "the new organization")},
)
@idempotent
def create_organization() -> Response:
    org = scoped.create_organization(runtime().uow(), json_body(), actor=actor())
    return json_response(
        resources.Organization().dump(org),
        201,
        {"Location": url_for("api.get_organization", organization_id=org["id"])},
    )


@bp.get("/organizations/<int:organization_id>")
@operation(
    summary="Read an organization",
    tags=["organizations"],
    scoped=True,
    responses={200: (resources.Organization, "the organization")},
)
def get_organization(organization_id: int) -> Response:
    org = scoped.get_organization(runtime().uow(), organization_id, actor=actor())
    return json_response(resources.Organization().dump(org))
