"""Case owners and supervisor correction (issue 15): read who answers for a case and what may
be done about it; claim, assign, delegate; step back, cancel, suspend, resume.

Each view parses, calls one engine function, answers the case's control
(`engine.cases.control`). Owner changes do not move the case's version (a step racing them
is not refused), so they take no If-Match; corrections do, like a step: If-Match with the
case's ETag, 412 when someone moved the case meanwhile.
"""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from marshmallow import Schema, fields

from engine.cases import correction, owners
from engine.cases.control import Control, case_control
from engine.inputs import InputSchema
from web.api import bp
from web.api.common import (
    actor,
    etag,
    expected_version,
    idempotent,
    json_body,
    json_response,
    operation,
    runtime,
)
from web.api.schemas import Label

# ---------------------------------------------------------------- bodies


class ClaimBody(owners.ClaimSchema):
    """Take an unassigned case of your unit (caseworkers and supervisors of the case's unit)."""


class AssignBody(owners.AssignSchema):
    """Make an active caseworker or supervisor of the case's unit its owner (supervisors)."""


class DelegateBody(owners.DelegateSchema):
    """Have a colleague of the case's unit act as owner until a day (the owner, supervisors)."""


class EndDelegationBody(owners.EndDelegationSchema):
    """End a running delegation before its day (the owner, the delegate, supervisors)."""


class CorrectionBody(correction.Correction):
    """A supervisor's correction: the reason is shown in the case's history."""


class StepBackBody(correction.StepBack):
    """Return the case to a state it was in (one of the control's `earlier_states`)."""


# ---------------------------------------------------------------- the answer


class PersonRef(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)


class ControlAction(Schema):
    action = fields.String(required=True)
    allowed = fields.Boolean(required=True)
    reason = fields.String(
        required=True, allow_none=True, metadata={"description": "why not (en / zh); null: allowed"}
    )
    href = fields.String(required=True, metadata={"description": "POST here to do it"})


class EarlierStateRef(Schema):
    state = fields.String(required=True)
    label = fields.Nested(Label, required=True)
    entered_at = fields.AwareDateTime(required=True)


class CaseControl(Schema):
    """Who answers for the case, its suspension, and what you may do about them."""

    case_id = fields.Integer(required=True)
    version = fields.Integer(required=True, metadata={"description": "also the ETag"})
    status = fields.String(required=True)
    state = fields.String(required=True)
    owner = fields.Nested(PersonRef, required=True, allow_none=True)
    delegate = fields.Nested(
        PersonRef, required=True, allow_none=True, metadata={"description": "while it runs"}
    )
    delegated_until = fields.Date(required=True, allow_none=True)
    acting = fields.Nested(
        PersonRef,
        required=True,
        allow_none=True,
        metadata={"description": "who answers today: the delegate, else the owner"},
    )
    suspended_at = fields.AwareDateTime(required=True, allow_none=True)
    suspension_reason = fields.String(required=True, allow_none=True)
    cancelled = fields.Boolean(required=True)
    actions = fields.List(fields.Nested(ControlAction), required=True)
    colleagues = fields.List(
        fields.Nested(PersonRef),
        required=True,
        metadata={"description": "who may be made owner or delegate (if you may do either)"},
    )
    earlier_states = fields.List(
        fields.Nested(EarlierStateRef),
        required=True,
        metadata={"description": "where a step back may go, most recent first"},
    )
    case = fields.String(required=True, metadata={"description": "the case"})


_PATHS = {
    "claim": "claim",
    "assign": "assign",
    "delegate": "delegate",
    "end_delegation": "end-delegation",
    "step_back": "step-back",
    "cancel": "cancel",
    "suspend": "suspend",
    "resume": "resume",
}


def _person(p: owners.Person | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"id": p.id, "username": p.username, "name": p.display_name, "role": p.role}


def _body(c: Control) -> dict[str, Any]:
    return CaseControl().dump(
        {
            "case_id": c.case_id,
            "version": c.version,
            "status": c.status,
            "state": c.state,
            "owner": _person(c.owner),
            "delegate": _person(c.delegate),
            "delegated_until": c.delegated_until,
            "acting": _person(c.acting),
            "suspended_at": c.suspended_at,
            "suspension_reason": c.suspension_reason,
            "cancelled": c.cancelled,
            "actions": [
                {
                    "action": a,
                    "allowed": reason is None,
                    "reason": reason,
                    "href": url_for(f"api.{a}", case_id=c.case_id),
                }
                for a, reason in c.denials.items()
            ],
            "colleagues": [_person(p) for p in c.colleagues],
            "earlier_states": [
                {"state": s.state, "label": vars(s.label), "entered_at": s.entered_at}
                for s in c.earlier_states
            ],
            "case": url_for("api.get_case", case_id=c.case_id),
        }
    )


def _answer(case_id: int) -> Response:
    rt = runtime()
    out = _body(case_control(rt.reader(), rt.definitions, case_id, actor=actor()))
    return json_response(out, headers={"ETag": etag(out["version"])})


# ---------------------------------------------------------------- routes

_OWNER_NOTE = (
    "An owner change is audited in the case's history with its actor (and reason) and does "
    "not move the case's version: a step taken meanwhile is not refused. "
)


@bp.get("/cases/<int:case_id>/control")
@operation(
    summary="Who answers for a case, and what you may do about it",
    description="Owner, running delegation, suspension; each owner change and correction "
    "with `allowed` or the reason it is refused for you now; colleagues you may pick; the "
    "states a step back may return to. The ETag is the case version.",
    tags=["owners and correction"],
    scoped=True,
    responses={200: (CaseControl, "the case's control")},
    etag_on=(200,),
)
def case_control_view(case_id: int) -> Response:
    return _answer(case_id)


def _owner_route(action: str, body: type[InputSchema], summary: str, description: str) -> None:
    fn = getattr(owners, action)

    @idempotent
    def view(case_id: int) -> Response:
        data = body().load(json_body())
        fn(runtime().uow(), case_id, data, actor=actor())
        return _answer(case_id)

    view.__name__ = action
    bp.post(f"/cases/<int:case_id>/{_PATHS[action]}", endpoint=action)(
        operation(
            summary=summary,
            description=_OWNER_NOTE + description,
            tags=["owners and correction"],
            body=body,
            scoped=True,
            responses={200: (CaseControl, "the case's control after the change")},
            etag_on=(200,),
        )(view)
    )


def _correction_route(action: str, body: type[InputSchema], summary: str, description: str) -> None:
    fn = getattr(correction, action)

    @idempotent
    def view(case_id: int) -> Response:
        version = expected_version()
        data = body().load(json_body())
        rt = runtime()
        fn(rt.uow(), rt.definitions, case_id, {**data, "expected_version": version}, actor=actor())
        return _answer(case_id)

    view.__name__ = action
    bp.post(f"/cases/<int:case_id>/{_PATHS[action]}", endpoint=action)(
        operation(
            summary=summary,
            description=description
            + " Supervisors and administrators, within their units; a compensating event "
            "with actor and reason, never an edit of the history. Requires If-Match with the "
            "case's ETag (412 if it moved).",
            tags=["owners and correction"],
            body=body,
            scoped=True,
            if_match=True,
            responses={200: (CaseControl, "the case's control after the correction")},
            etag_on=(200,),
        )(view)
    )


_owner_route(
    "claim",
    ClaimBody,
    "Claim an unassigned case",
    "A caseworker or supervisor of the case's own unit takes a case nobody owns.",
)
_owner_route(
    "assign",
    AssignBody,
    "Assign or reassign a case",
    "A supervisor makes an active caseworker or supervisor of the case's unit its owner; "
    "reassigning needs a `reason`; a running delegation ends.",
)
_owner_route(
    "delegate",
    DelegateBody,
    "Delegate a case until a day",
    "The owner (or a supervisor) has a colleague of the case's unit act as owner until the "
    "end of `until` (Asia/Shanghai): the delegate gets its reminders and sees it under mine, "
    "the owner still sees it. Expiry is automatic.",
)
_owner_route(
    "end_delegation",
    EndDelegationBody,
    "End a delegation early",
    "The owner, the delegate or a supervisor ends a running delegation.",
)
_correction_route(
    "step_back",
    StepBackBody,
    "Step a case back",
    "Returns the case to `to_state`, a state it was in: the deadlines the undone steps opened "
    "are cancelled, those they met are reopened with due dates recomputed; the case's data "
    "is kept.",
)
_correction_route(
    "cancel", CorrectionBody, "Cancel a case", "Ends the case; its open deadlines are cancelled."
)
_correction_route(
    "suspend",
    CorrectionBody,
    "Suspend a case",
    "Stops reminders, escalation and steps until resumed; the legal due dates do not move.",
)
_correction_route(
    "resume",
    CorrectionBody,
    "Resume a suspended case",
    "Steps are possible again; the next sweep sends what fell due meanwhile.",
)
