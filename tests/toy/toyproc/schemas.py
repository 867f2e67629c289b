"""Input schemas: each field carries its label in both languages, and a choice field the words
of its choices (`metadata`), which the forms, the case page and the API's field errors use."""

from __future__ import annotations

from marshmallow import fields, validate

from engine.inputs import InputSchema

Text = validate.Length(min=1, max=200)


class RequestSchema(InputSchema):
    """Opening the case: which room, how large, asked on which day."""

    room_name = fields.String(
        required=True,
        validate=Text,
        metadata={"label": {"zh": "活动室名称", "en": "Name of the room"}},
    )
    area_m2 = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=10_000),
        metadata={"label": {"zh": "申报面积（平方米）", "en": "Declared area (m²)"}},
    )
    requested_on = fields.Date(
        required=True, metadata={"label": {"zh": "申请日期", "en": "Requested on"}}
    )


class InspectionSchema(InputSchema):
    """TOY-1/TOY-2: what the caseworker found on the spot."""

    inspected_on = fields.Date(
        required=True, metadata={"label": {"zh": "检查日期", "en": "Inspected on"}}
    )
    measured_area_m2 = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=10_000),
        metadata={"label": {"zh": "实测面积（平方米）", "en": "Measured area (m²)"}},
    )
    sign_displayed = fields.Boolean(
        load_default=False,
        metadata={"label": {"zh": "已悬挂党旗和党组织标识", "en": "Flag and sign displayed"}},
    )


class ApprovalSchema(InputSchema):
    approved_on = fields.Date(
        required=True, metadata={"label": {"zh": "批准日期", "en": "Approved on"}}
    )
    approval_no = fields.String(
        required=True,
        validate=Text,
        metadata={"label": {"zh": "批复文号", "en": "Approval number"}},
    )


class RefusalSchema(InputSchema):
    ground = fields.String(
        required=True,
        validate=validate.OneOf(("too_small", "no_sign", "withdrawn_by_applicant")),
        metadata={
            "label": {"zh": "不予登记的理由", "en": "Ground for refusing"},
            "choices": {
                "too_small": {"zh": "面积不足", "en": "Too small"},
                "no_sign": {"zh": "未悬挂标识", "en": "No sign displayed"},
                "withdrawn_by_applicant": {"zh": "申请人撤回", "en": "Withdrawn by the applicant"},
            },
        },
    )
    note = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"label": {"zh": "说明", "en": "Note"}},
    )


SCHEMAS = {
    "activity_room.request": RequestSchema,
    "activity_room.inspection": InspectionSchema,
    "activity_room.approval": ApprovalSchema,
    "activity_room.refusal": RefusalSchema,
}
