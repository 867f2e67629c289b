"""Marshmallow schemas of what the API reads: query arguments and bodies (and the problem
shape). The OpenAPI description is generated from them, so it cannot drift from the code;
what the API answers is in `web.api.resources`.

Step bodies are not here: they are the procedures' own schemas (`registry.schemas`), the same
ones the services validate with and the UI builds its forms from.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, fields, validate

from engine.cases.handover import HandOverSchema
from engine.cases.listing import OWNERS
from engine.inputs import InputSchema
from engine.oversight.accountability import MEASURES

# ---------------------------------------------------------------- fields


class StepData(fields.Dict):
    """A step's input: an object validated by the procedure's schema for that step.

    `step_schemas` names the registry schemas it may be (OpenAPI: `anyOf` of their
    components); an empty tuple means the step takes no input (an empty object).
    """

    def __init__(self, step_schemas: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(keys=fields.String(), **kwargs)
        self.step_schemas = step_schemas


Text = validate.Length(min=1, max=2000)


class Label(InputSchema):
    zh = fields.String(required=True)
    en = fields.String(required=True)


class Refusal(InputSchema):
    rule = fields.String(required=True, metadata={"description": "DOMAIN.md rule ID, e.g. REG-1"})
    zh = fields.String(required=True)
    en = fields.String(required=True)
    details = fields.Dict()


class Problem(InputSchema):
    """RFC 9457 problem details, with this API's extension members."""

    class Meta:
        unknown = EXCLUDE

    type = fields.String(required=True, metadata={"description": "URI reference to the docs"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String()
    errors = fields.Dict(metadata={"description": "422: field (dotted) → messages"})
    refusal = fields.Nested(Refusal, metadata={"description": "409: the refusing rule"})
    trigger = fields.String(allow_none=True)
    current_version = fields.Integer(
        metadata={"description": "409 version conflict, 412: the case's version now"}
    )
    current_state = fields.String(
        metadata={"description": "409 version conflict, 412: the case's state now"}
    )
    limit_mb = fields.Float(metadata={"description": "413: the limit passed, in MB"})
    per_case = fields.Boolean(
        metadata={"description": "413: the case's total (true) or one file (false)"}
    )


# ---------------------------------------------------------------- inputs


class Page(InputSchema):
    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class CaseListArgs(Page):
    status = fields.String(load_default="open", validate=validate.OneOf(("open", "closed", "all")))
    owner = fields.String(
        load_default="all",
        validate=validate.OneOf(OWNERS),
        metadata={
            "description": "mine (yours, or delegated to you), unassigned, unit (your own "
            "unit's), all (every case you may see)"
        },
    )
    procedure = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,59}$"),
        metadata={"description": "only cases of this procedure (see /definitions)"},
    )


class OrganizationListArgs(Page):
    search = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "part of the name, or a whole credit code (INF-1)"},
    )


class DueArgs(Page):
    until = fields.Date(
        load_default=None,
        metadata={
            "description": "everything due by this date (Asia/Shanghai); without it, the "
            "deadlines inside their reminder window (the definition's remind_before)"
        },
    )


class DefinitionArgs(InputSchema):
    class Meta:
        unknown = EXCLUDE

    version = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=1_000_000),
        metadata={"description": "a version still serving cases; default: the newest"},
    )


class OpenCase(InputSchema):
    """Open a case of a procedure for an organization; `data` is the procedure's opening form."""

    procedure = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,59}$"))
    organization_id = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1)
    )
    data = StepData(load_default=dict)
    comment = fields.String(load_default=None, allow_none=True, validate=Text)


class Fire(InputSchema):
    """Take one step; `data` is the step's form (validated by the procedure's schema)."""

    data = StepData(load_default=dict)
    comment = fields.String(load_default=None, allow_none=True, validate=Text)


class HandOver(HandOverSchema):
    """Hand an open case to another unit (REG-6); the engine validates with the same schema.

    `unit` is the code of any unit of the tree (the responsible body may sit outside your
    own units); `expected_version` is the case's version (its ETag) as you read it.
    """


class HandedOver(InputSchema):
    """The answer to a hand-over (kept with its body here; the case itself may now be outside
    the caller's units, so the answer is not the case)."""

    id = fields.Integer(required=True, metadata={"description": "the case"})
    unit = fields.String(required=True, metadata={"description": "code of the unit it is with"})
    version = fields.Integer(required=True, metadata={"description": "the case's version now"})
    event_id = fields.Integer(
        required=True, metadata={"description": "the `handed_over` event of its history"}
    )
    href = fields.String(required=True, metadata={"description": "the case"})


class NotificationArgs(Page):
    unread = fields.Boolean(
        load_default=False,
        truthy={"true"},
        falsy={"false"},
        metadata={"description": "only unread ones"},
    )


class MarkRead(InputSchema):
    ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1)),
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "which of your notifications; omitted or null: all unread"},
    )


class ReportCaseArgs(Page):
    measure = fields.String(required=True, validate=validate.OneOf(MEASURES))
    unit_id = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "one row of the report; default: your whole scope"},
    )
