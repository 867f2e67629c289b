"""Bilingual names of input fields and choice values: the domain's words (DOMAIN.md glossary).

A schema field may carry its own label — `metadata={"label": {"zh": ..., "en": ...}}` — and
that always wins; this glossary covers the common words of the domain so that forms read
well in Chinese without any code per procedure. A word neither knows is shown humanized
(`full_time_full_members` → "Full time full members"), never hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Pair = tuple[str, str]

FIELDS: dict[str, Pair] = {
    # application and survey (REG-1, REG-2, REG-4)
    "applied_on": ("申请日期", "Application date"),
    "founders": ("发起人（每行一人）", "Founders (one per line)"),
    "proposed_leaders": ("拟任负责人（每行一人）", "Proposed leaders (one per line)"),
    "commitment_letter": ("已收到党建工作承诺书", "Commitment letter received"),
    "member_survey": ("社会组织党员情况调查表", "Party-member survey"),
    "full_members": ("正式党员人数", "Full members"),
    "full_time_full_members": ("其中专职工作人员中的正式党员", "Of which full-time staff"),
    "probationary_members": ("预备党员人数", "Probationary members"),
    "members_elsewhere": ("组织关系在外的党员人数", "Members whose relation is elsewhere"),
    # charter review (REG-3)
    "party_status_in_general_provisions": (
        "总则载明党组织法律地位和作用",
        "General provisions state the Party organization's status and role",
    ),
    "chapter_form": ("党建专章：党组织设置形式", "Party-building chapter: form"),
    "chapter_duties": ("党建专章：职责权限", "Party-building chapter: duties and powers"),
    "chapter_funding": ("党建专章：经费保障", "Party-building chapter: funding"),
    "chapter_major_matters": (
        "党建专章：参与讨论重大事项",
        "Party-building chapter: role in major matters",
    ),
    "overall_leadership": ("载明坚持党的全面领导", "States the Party's overall leadership"),
    "core_values": ("载明社会主义核心价值观", "Carries the socialist core values"),
    "note": ("备注", "Note"),
    # registration (REG-4, INF-1)
    "registered_on": ("登记日期", "Registration date"),
    "credit_code": ("统一社会信用代码", "Unified social credit code"),
    "registration_mode": ("登记方式", "Registration mode"),
    "supervisory_unit": ("业务主管单位", "Business supervisory unit"),
    "industry_regulator": ("行业管理部门", "Industry regulator"),
    "local_party_org": ("驻地党组织", "Local Party organization"),
    "necessity_checked": ("已审查成立必要性", "Necessity checked"),
    "representativeness_checked": (
        "已审查发起人代表性和会员广泛性",
        "Founders' representativeness and membership checked",
    ),
    "founders_vetted": ("已审查发起人和拟任负责人", "Founders and proposed leaders vetted"),
    "reason": ("理由", "Reason"),
    # forwarding (REG-5)
    "recipients": ("接收单位", "Recipients"),
    "delivered_on": ("送达日期", "Delivered on"),
    # responsible body, coverage (REG-6 … REG-8)
    "kind": ("类别", "Kind"),
    "unit_name": ("单位名称", "Unit name"),
    "territorial_relation": ("有属地关系", "Territorial relation"),
    "partner_organizations": (
        "联合的其他社会组织（每行一个）",
        "Partner organizations (one per line)",
    ),
    "host_party_org": ("挂靠的党组织", "Host Party organization"),
    "mode": ("方式", "Mode"),
    "name": ("名称 / 姓名", "Name"),
    "dispatched_by": ("选派单位", "Dispatched by"),
    "dispatched_on": ("选派日期", "Dispatched on"),
    "approved_by": ("批准的上级党组织", "Approved by"),
    "established_on": ("成立日期", "Established on"),
    "county_level_approval": ("经县级以上党组织批准", "County-level approval"),
    # organizations (directory)
    "org_type": ("社会组织类型", "Type of organization"),
    "category": ("类别", "Category"),
    "district": ("所在区", "District"),
    "unit": ("登记管理机关", "Registration authority"),
    "status": ("状态", "Status"),
    "coverage": ("覆盖情况", "Coverage"),
    "responsible_body_kind": ("党建责任主体", "Responsible body"),
    "upper_party_org": ("上级党组织", "Upper Party organization"),
    "formation_mode": ("组建方式", "Formation mode"),
    "comment": ("说明", "Comment"),
}

CHOICES: dict[str, Pair] = {
    "direct": ("直接登记", "Direct registration"),
    "dual": ("双重管理（经业务主管单位）", "Dual management (supervisory unit)"),
    "supervisory_unit": ("业务主管单位", "Supervisory unit"),
    "industry_regulator": ("行业管理部门", "Industry regulator"),
    "local_party_org": ("驻地党组织", "Local Party organization"),
    "supervisory_party_org": ("业务主管单位党组织", "Supervisory unit's Party organization"),
    "industry_committee": ("行业党委", "Industry Party committee"),
    "street_township": ("街道（乡镇）党组织", "Street / township Party organization"),
    "comprehensive_committee": ("社会组织综合党委", "Comprehensive committee"),
    "organization_department": ("组织部", "Organization department"),
    "registration_authority": ("登记管理机关", "Registration authority"),
    "instructor": ("党建工作指导员", "Party-building instructor"),
    "stationed_branch": ("派驻党支部", "Stationed branch"),
    "lead_organization": ("以强带弱（1+N）", "Lead organization (1+N)"),
    "branch": ("党支部", "Branch"),
    "general_branch": ("党总支", "General branch"),
    "committee": ("党委", "Party committee"),
    "joint_branch": ("联合党支部", "Joint branch"),
    "standalone": ("单独组建", "Standalone"),
    "joint": ("联合组建", "Joint"),
    "affiliated": ("挂靠组建", "Affiliated"),
    "social_group": ("社会团体", "Social group"),
    "social_service": ("社会服务机构（民办非企业单位）", "Social service institution"),
    "foundation": ("基金会", "Foundation"),
    "industry_association": ("行业协会商会", "Industry association / chamber"),
    "science_technology": ("科技类", "Science and technology"),
    "charity": ("公益慈善类", "Public-interest charity"),
    "community_service": ("城乡社区服务类", "Urban–rural community service"),
    "ideology": ("涉及意识形态", "Touches ideology"),
    "financial": ("涉及金融安全", "Touches financial security"),
    "health": ("涉及生命健康", "Touches life and health"),
    "other": ("其他", "Other"),
    "applying": ("申请中", "Applying"),
    "registered": ("已登记", "Registered"),
    "party_org": ("已建党组织", "Party organization"),
    "none": ("未覆盖", "Not covered"),
    "open": ("办理中", "Open"),
    "closed": ("已办结", "Closed"),
    "met": ("已完成", "Met"),
    "cancelled": ("已取消", "Cancelled"),
    "active": ("有效", "Active"),
    "caseworker": ("经办人", "Caseworker"),
    "supervisor": ("督办人", "Supervisor"),
    "admin": ("管理员", "Administrator"),
    "assignee": ("经办人", "Assignee"),
    "unit_supervisor": ("本单位督办人", "Unit supervisor"),
    "upper_body": ("上级机关", "Upper body"),
    "opened": ("立案", "Opened"),
    "transition": ("办理", "Step"),
}


def humanize(key: str) -> str:
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _from_meta(meta: Mapping[str, Any] | None) -> Pair | None:
    label = (meta or {}).get("label")
    if isinstance(label, Mapping) and label.get("zh"):
        return (str(label["zh"]), str(label.get("en") or label["zh"]))
    if isinstance(label, str):
        return (label, label)
    return None


def field_label(key: str, meta: Mapping[str, Any] | None = None) -> Pair:
    """A field's label: its own metadata, the glossary, or the humanized name."""
    return _from_meta(meta) or FIELDS.get(key) or (humanize(key), humanize(key))


def choice_label(value: str) -> Pair:
    return CHOICES.get(value) or (humanize(value), humanize(value))
