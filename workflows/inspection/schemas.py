"""Input schemas of the annual inspection (INS-1, SUP-1). Messages name the rule a field serves."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from engine.inputs import InputSchema
from workflows.common import Earlier, FactDate, label
from workflows.inspection.checklist import checklist

Text = validate.Length(min=1, max=200)
LongText = validate.Length(min=2, max=2000)
Count = validate.Range(
    min=0, max=100000, error="INS-1: a whole number from 0 to 100000 / 0至100000的整数"
)
Yuan = validate.Range(
    min=0, max=100_000_000, error="INS-1: yuan, a whole number ≥ 0 / 金额（元），不小于0的整数"
)
ANSWERS = {"met": ("符合", "Met"), "not_met": ("不符合", "Not met")}


class YearSchema(InputSchema):
    """INS-1: the year whose work the inspection covers (opened in the next year)."""

    year = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(
            min=2000, max=2100, error="INS-1: a year from 2000 to 2100 / 2000至2100之间的年度"
        ),
        metadata=label("年检年度", "Year inspected"),
    )


def _self_check_fields() -> dict[str, Any]:
    """One field per checklist item, labelled with the item and the articles it cites."""
    out: dict[str, Any] = {}
    for item in checklist().items:
        out[item.id] = fields.String(
            required=True,
            validate=validate.OneOf(
                tuple(ANSWERS), error=f"INS-1: {item.en} — met or not_met / {item.zh}：符合或不符合"
            ),
            metadata=label(
                item.zh,
                item.en,
                choices=ANSWERS,
                description="；".join(item.sources),
            ),
        )
    return out


SelfCheckSchema = type(
    "SelfCheckSchema",
    (InputSchema,),
    {
        "__doc__": "INS-1: the Party organization's self-check, one answer per checklist item.",
        "checked_on": fields.Date(required=True, metadata=label("自查日期", "Checked on")),
        **_self_check_fields(),
        "notes": fields.String(
            load_default=None,
            allow_none=True,
            validate=LongText,
            metadata=label("自查说明", "Notes"),
        ),
    },
)


class StatisticsSchema(InputSchema):
    """INS-1/INF-1: the Party-building statistics form filed with the inspection."""

    filed_on = fields.Date(required=True, metadata=label("填报日期", "Filed on"))
    party_organizations = fields.Integer(
        required=True,
        strict=True,
        validate=Count,
        metadata=label("党组织数", "Party organizations"),
    )
    full_members = fields.Integer(
        required=True, strict=True, validate=Count, metadata=label("正式党员数", "Full members")
    )
    probationary_members = fields.Integer(
        required=True,
        strict=True,
        validate=Count,
        metadata=label("预备党员数", "Probationary members"),
    )
    dues_collected_yuan = fields.Integer(
        required=True,
        strict=True,
        validate=Yuan,
        metadata=label("全年党费收缴（元）", "Dues collected in the year (yuan)"),
    )


class AnnualReportSchema(InputSchema):
    """INS-1/SUP-1: the annual work report, with its Party-building part."""

    filed_on = fields.Date(required=True, metadata=label("报送日期", "Filed on"))
    party_work_summary = fields.String(
        required=True,
        validate=LongText,
        metadata=label("党建工作情况", "Party work in the year"),
    )


class RectificationDemandSchema(InputSchema):
    """INS-1: the registration authority's rectification demand on a checklist item."""

    demanded_on = fields.Date(required=True, metadata=label("提出整改日期", "Demanded on"))
    item = fields.String(
        required=True,
        validate=validate.OneOf(
            checklist().ids, error="INS-1: an item of the checklist / 年检清单中的事项"
        ),
        metadata=label(
            "存在问题的清单事项",
            "Checklist item with the problem",
            choices={i.id: (i.zh, i.en) for i in checklist().items},
        ),
    )
    problem = fields.String(
        required=True, validate=LongText, metadata=label("问题及整改要求", "Problem and demand")
    )


class RectificationDoneSchema(InputSchema):
    """INS-1: the organization reports the rectification done."""

    completed_on = fields.Date(required=True, metadata=label("整改完成日期", "Completed on"))
    summary = fields.String(
        required=True, validate=LongText, metadata=label("整改情况", "What was rectified")
    )


class ConclusionSchema(InputSchema):
    """INS-1: the registration authority's result."""

    concluded_on = fields.Date(required=True, metadata=label("认定日期", "Concluded on"))
    remarks = fields.String(
        load_default=None, allow_none=True, validate=LongText, metadata=label("说明", "Remarks")
    )


class FailureSchema(ConclusionSchema):
    """INS-1: an unqualified result, with its reason."""

    reason = fields.String(required=True, validate=LongText, metadata=label("不合格理由", "Reason"))


class DormancySchema(InputSchema):
    """SUP-1: the findings that make an organization a long-dormant ("zombie") one."""

    inactive_since = fields.Date(
        required=True, metadata=label("最后一次开展活动日期", "No activity since")
    )
    unreachable_at_address = fields.Boolean(
        required=True,
        metadata=label("通过登记住所无法取得联系", "Unreachable at its registered address"),
    )
    unreachable_responsible_person = fields.Boolean(
        required=True,
        metadata=label(
            "通过备案负责人无法取得联系", "Unreachable through its recorded responsible person"
        ),
    )
    unreachable_supervisory_unit = fields.Boolean(
        required=True,
        metadata=label("通过业务主管单位无法取得联系", "Unreachable through its supervisory unit"),
    )
    decided_on = fields.Date(required=True, metadata=label("认定日期", "Decided on"))
    party_organization_id = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata=label("该组织的党组织", "Its Party organization", pick="party_organization"),
    )
    reported_to = fields.String(
        required=True,
        validate=Text,
        metadata=label("报告对象（上级党组织）", "Reported to (the upper Party organization)"),
    )
    reason = fields.String(required=True, validate=LongText, metadata=label("情况说明", "Summary"))


class ReasonSchema(InputSchema):
    reason = fields.String(required=True, validate=LongText, metadata=label("理由", "Reason"))


SCHEMAS = {
    "inspection.year": YearSchema,
    "inspection.self_check": SelfCheckSchema,
    "inspection.statistics": StatisticsSchema,
    "inspection.annual_report": AnnualReportSchema,
    "inspection.rectification_demand": RectificationDemandSchema,
    "inspection.rectification_done": RectificationDoneSchema,
    "inspection.conclusion": ConclusionSchema,
    "inspection.failure": FailureSchema,
    "inspection.dormancy": DormancySchema,
    "inspection.reason": ReasonSchema,
}


# ---------------------------------------------------------------- the dates a step records

_CHECKED = Earlier("data.self_check.checked_on", "自查日期", "the self-check")
_DEMANDED = Earlier("data.rectifications[].demanded_on", "提出整改日期", "the rectification demand")
_REPORTED = Earlier("data.annual_report.filed_on", "年度工作报告报送日期", "the annual report")

#: Every date an inspection step records is a fact: never after today, never before the facts
#: it follows (workflows.common.dated checks them before any intent is made).
FACT_DATES: dict[str, tuple[FactDate, ...]] = {
    "inspection.self_check": (FactDate("checked_on", "INS-1", "自查日期", "The self-check date"),),
    "inspection.statistics": (
        FactDate("filed_on", "INS-1", "填报日期", "The filing date", (_CHECKED,)),
    ),
    "inspection.annual_report": (
        FactDate("filed_on", "INS-1", "报送日期", "The filing date", (_CHECKED,)),
    ),
    "inspection.rectification_demand": (
        FactDate("demanded_on", "INS-1", "提出整改日期", "The demand date", (_REPORTED,)),
    ),
    "inspection.rectification_done": (
        FactDate("completed_on", "INS-1", "整改完成日期", "The completion date", (_DEMANDED,)),
    ),
    "inspection.conclusion": (
        FactDate("concluded_on", "INS-1", "认定日期", "The conclusion date", (_REPORTED,)),
    ),
    "inspection.failure": (
        FactDate("concluded_on", "INS-1", "认定日期", "The conclusion date", (_REPORTED,)),
    ),
    "inspection.dormancy": (
        FactDate("inactive_since", "SUP-1", "停止活动日期", "The day activity stopped"),
        FactDate(
            "decided_on",
            "SUP-1",
            "认定日期",
            "The decision date",
            (Earlier("payload.inactive_since", "停止活动日期", "the day activity stopped"),),
        ),
    ),
}
