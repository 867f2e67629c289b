"""Social organizations in your units: list, read, add (INF-1 credit codes are checked).

The list and the detail are the pages' and the CLI's readers (`engine.directory.read`), so
the API shows the same rows in the same order; a search is typed literally (`%`, `_`).
"""

from __future__ import annotations

from flask import Response, url_for

from engine.directory import read as directory_read
from engine.directory import service as directory
from engine.directory.service import OrganizationSchema
from web.api import bp, resources, schemas
from web.api.common import (
    actor,
    args,
    idempotent,
    json_body,
    json_response,
    operation,
    runtime,
)


@bp.get("/organizations")
@operation(
    summary="List organizations in your units",
    tags=["organizations"],
    args=schemas.OrganizationListArgs,
    responses={200: (resources.OrganizationPage, "a page of organizations, by name")},
)
def list_organizations() -> Response:
    a = args(schemas.OrganizationListArgs)
    found = directory_read.list_organizations(
        runtime().reader(),
        actor(),
        directory_read.OrgFilter(q=a["search"]),
        per_page=a["limit"],
        offset=a["offset"],
    )
    body = {
        "items": found.rows,
        "limit": found.per_page,
        "offset": found.offset,
        "next_offset": found.next_offset,
    }
    return json_response(resources.OrganizationPage().dump(body))


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
    rt = runtime()
    org_id = directory.create_organization(rt.uow(), json_body(), actor=actor())
    org = directory_read.organization(rt.reader(), actor(), org_id)
    return json_response(
        resources.Organization().dump(org),
        201,
        {"Location": url_for("api.get_organization", organization_id=org_id)},
    )


@bp.get("/organizations/<int:organization_id>")
@operation(
    summary="Read an organization",
    tags=["organizations"],
    scoped=True,
    responses={200: (resources.Organization, "the organization")},
)
def get_organization(organization_id: int) -> Response:
    org = directory_read.organization(runtime().reader(), actor(), organization_id)
    return json_response(resources.Organization().dump(org))
