"""Cases: list, open, read (with actions and deadlines), history, fire a step, hand over.

Each view parses (marshmallow), calls one service, renders: whether a step is allowed is
decided by `engine.cases.service` alone, for the API as for the UI.
"""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from marshmallow import ValidationError

from engine.access.actor import SYSTEM, Actor
from engine.cases import handover
from engine.cases import listing as case_lists
from engine.cases import read as case_read
from engine.cases import service as case_service
from engine.errors import Conflict, Forbidden, NotFound
from engine.oversight.figures import Moment
from web.api import bp, resources, schemas
from web.api.common import (
    actor,
    args,
    etag,
    expected_version,
    idempotent,
    json_body,
    json_response,
    operation,
    runtime,
)
from web.api.problems import version_conflict
from web.api.uploads import accepts_uploads, step_body, step_error


def case_body(
    case_id: int, *, as_actor: Actor | None = None, with_actions: bool = True
) -> dict[str, Any]:
    """The case as the API shows it: facts, deadlines, and every step with its verdict."""
    rt, who = runtime(), as_actor or actor()
    case = case_read.get_case(rt.reader(), rt.definitions, case_id, actor=who)
    steps = (
        case_service.actions(rt.reader(), rt.definitions, case_id, actor=who)
        if with_actions
        else []
    )
    definition = rt.definitions.get(case["procedure"], case["definition_version"])
    labels = {d.id: d.label for d in definition.deadlines}
    for d in case["deadlines"]:
        d["label"] = labels.get(d["key"])
    case["actions"] = [
        {
            "trigger": a.trigger,
            "label": {"zh": a.label_zh, "en": a.label_en},
            "roles": list(a.roles),
            "schema": a.schema,
            "rules": list(a.rules),
            "allowed": a.allowed,
            "role_ok": a.role_ok,
            "refusal": a.refusal.as_dict() if a.refusal else None,
            "href": url_for("api.fire", case_id=case_id, trigger=a.trigger),
        }
        for a in steps
    ]
    case["links"] = {
        "self": url_for("api.get_case", case_id=case_id),
        "history": url_for("api.case_history", case_id=case_id),
        "definition": url_for(
            "api.get_definition",
            procedure=case["procedure"],
            version=case["definition_version"],
        ),
        "diagram": url_for(
            "api.definition_diagram",
            procedure=case["procedure"],
            version=case["definition_version"],
        ),
    }
    return resources.Case().dump(case)


def _in_data(err: ValidationError) -> ValidationError:
    """Step-form errors are reported where they sit in the request body: under `data`."""
    return ValidationError({"data": err.messages})


@bp.get("/cases")
@operation(
    summary="List cases in your units",
    description="Newest activity first. Filters: status, procedure, owner. Paginated by "
    "limit/offset.",
    tags=["cases"],
    args=schemas.CaseListArgs,
    responses={200: (resources.CasePage, "a page of cases")},
)
def list_cases() -> Response:
    """The cases the inbox lists (`engine.cases.listing`): status is the open, closed or
    all view; the rows, order and scope are the UI's and the CLI's."""
    a = args(schemas.CaseListArgs)
    rt = runtime()
    found = case_lists.list_cases(
        rt.reader(),
        actor(),
        case_lists.CaseFilter(view=a["status"], procedure=a["procedure"], owner=a["owner"]),
        Moment.of(rt.definitions, rt.clock.now()),
        per_page=a["limit"],
        offset=a["offset"],
    )
    body = {
        "items": [
            {
                **r,
                "unit": r["unit_zh"],
                "owner": None
                if r["assignee_id"] is None
                else {
                    "id": r["assignee_id"],
                    "username": r["assignee_username"],
                    "name": r["assignee"],
                },
            }
            for r in found.rows
        ],
        "limit": found.per_page,
        "offset": found.offset,
        "next_offset": found.next_offset,
    }
    return json_response(resources.CasePage().dump(body))


@bp.post("/cases")
@operation(
    summary="Open a case",
    description="Opens a case of the newest version of `procedure` for an organization in "
    "your units (caseworkers). `data` is the procedure's opening form.",
    tags=["cases"],
    body="open_case",
    scoped=True,
    responses={201: (resources.Case, "the new case")},
    etag_on=(201,),
)
@idempotent
def open_case() -> Response:
    body = schemas.OpenCase().load(json_body())
    rt = runtime()
    if body["procedure"] not in {d.procedure for d in rt.definitions}:
        known = ", ".join(sorted({d.procedure for d in rt.definitions}))
        raise ValidationError({"procedure": [f"unknown procedure; one of: {known}"]})
    try:
        case_id = case_service.open_case(
            rt.uow(),
            rt.definitions,
            body["procedure"],
            body["organization_id"],
            body["data"],
            actor=actor(),
            comment=body["comment"],
        )
    except ValidationError as err:
        raise _in_data(err) from err
    except NotFound as err:
        if err.what != "organization":
            raise
        raise ValidationError({"organization_id": [str(err)]}) from err
    out = case_body(case_id)
    return json_response(
        out,
        201,
        {"ETag": etag(out["version"]), "Location": url_for("api.get_case", case_id=case_id)},
    )


@bp.get("/cases/<int:case_id>")
@operation(
    summary="Read a case with its steps and deadlines",
    description="`actions` lists every step from the current state: allowed, or refused with "
    "the rule. The ETag is the case version, for If-Match when firing.",
    tags=["cases"],
    scoped=True,
    responses={200: (resources.Case, "the case")},
    etag_on=(200,),
)
def get_case(case_id: int) -> Response:
    out = case_body(case_id)
    return json_response(out, headers={"ETag": etag(out["version"])})


@bp.get("/cases/<int:case_id>/history")
@operation(
    summary="The case's audit trail",
    description="Every event (opening, steps, reminders, escalations), oldest first.",
    tags=["cases"],
    scoped=True,
    responses={200: (resources.History, "events, oldest first")},
)
def case_history(case_id: int) -> Response:
    events = case_read.history(runtime().reader(), case_id, actor=actor())
    return json_response(resources.History().dump({"case_id": case_id, "events": events}))


@bp.post("/cases/<int:case_id>/fire/<trigger>")
@operation(
    summary="Take a step",
    description="Fires `trigger` on the case. Requires If-Match with the case's ETag. "
    "A rule that refuses the step answers 409 with the rule; the case is then unchanged. "
    "The step's documents may come with it: send multipart/form-data, the JSON body as the "
    "`payload` part and each file in a part named by its material id (`file`: another "
    "document); they are stored only if the step is taken.",
    tags=["steps"],
    expand="fire",
    scoped=True,
    if_match=True,
    errors=((409, "transition-refused"),),
    responses={200: (resources.Case, "the case after the step")},
    etag_on=(200,),
)
@accepts_uploads
@idempotent
def fire(case_id: int, trigger: str) -> Response:
    version = expected_version()
    body, files = step_body()
    rt = runtime()
    try:
        case_service.fire(
            rt.uow(),
            rt.definitions,
            case_id,
            trigger,
            body["data"],
            actor=actor(),
            expected_version=version,
            comment=body["comment"],
            uploads=files,
        )
    except ValidationError as err:
        raise step_error(err, files) from err
    try:
        out = case_body(case_id)
    except Forbidden:
        # REG-6: the step handed the case to a unit outside the caller's; the answer is the
        # case as the step left it, with no step the caller could take.
        out = case_body(case_id, as_actor=SYSTEM, with_actions=False)
    return json_response(out, headers={"ETag": etag(out["version"])})


@bp.post("/cases/<int:case_id>/hand-over")
@operation(
    summary="Hand a case over to another unit",
    description="A supervisor (or an administrator) hands an open case to another unit of the "
    "tree (REG-6: to the responsible body), with a reason shown in its history; the case "
    "arrives there unassigned, with its deadlines. `expected_version` is the case's version "
    "as you read it (its ETag); if the case moved since, nothing is done: 409 with its "
    "current version. Caseworkers get 403.",
    tags=["cases"],
    body=schemas.HandOver,
    scoped=True,
    errors=((409, "version-conflict"),),
    responses={200: (schemas.HandedOver, "the case's new version and unit")},
    etag_on=(200,),
)
@idempotent
def hand_over(case_id: int) -> Response:
    body = schemas.HandOver().load(json_body())
    rt = runtime()
    try:
        out = handover.hand_over(rt.uow(), case_id, body, actor=actor())
    except Conflict as err:
        return version_conflict(err)
    answer = {**out, "href": url_for("api.get_case", case_id=case_id)}
    return json_response(schemas.HandedOver().dump(answer), headers={"ETag": etag(out["version"])})
