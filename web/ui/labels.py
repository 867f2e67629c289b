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
    # adjustment on change, merger, split or deregistration (TRF-1 … TRF-5)
    "party_organization_id": ("党组织编号", "Party organization (number)"),
    "change_kind": ("变动类型", "Kind of change"),
    "change_on": ("变动日期", "Date of the change"),
    "reported_on": ("报告日期", "Reported on"),
    "reported_to": ("报告对象", "Reported to"),
    "summary": ("情况说明", "Summary"),
    "contacted_on": ("联系日期", "Contacted on"),
    "contact_person": ("联系人", "Contact person"),
    "assigned_person": ("指定的督促协助人", "Person assigned to supervise"),
    "assigned_on": ("指定日期", "Assigned on"),
    "receiving_party_orgs": ("接收党组织", "Receiving Party organizations"),
    "receiving_party_org": ("接收党组织", "Receiving Party organization"),
    "destinations": ("党员去向", "Members' destinations"),
    "member_id": ("党员编号", "Member (number)"),
    "member_ids": ("党员编号（每行一个）", "Members (numbers, one per line)"),
    "to_party_org": ("转入党组织", "Transferred to"),
    "transferred_on": ("转移日期", "Transferred on"),
    "relation_kept_at": ("组织关系保留在", "Relation kept at"),
    "life_at": ("参加组织生活的党组织", "Takes part in organizational life at"),
    "completed_on": ("完成日期", "Completed on"),
    "decided_on": ("决定日期", "Decided on"),
    "decision_no": ("决定文号", "Decision number"),
    "new_name": ("新名称", "New name"),
    "new_kind": ("新的组织形式", "New kind"),
    "new_upper_party_org": ("新的上级党组织", "New upper Party organization"),
    # decoupling handover (DEC-1 … DEC-4)
    "original_supervisory_party_org": (
        "原业务主管单位党组织",
        "Original supervisory unit's Party organization",
    ),
    "decoupling_approved_on": ("脱钩批准日期", "Decoupling approved on"),
    "archive_items": ("移交的党建档案（每行一项）", "Archives to hand over (one per line)"),
    "items": ("档案交接", "Archive receipts"),
    "item": ("档案", "Archive item"),
    "handed_over_by": ("移交人", "Handed over by"),
    "received_by": ("接收人", "Received by"),
    "received_on": ("接收日期", "Received on"),
    "handover_on": ("移交日期", "Handover date"),
    "body_kind": ("领导机关类别", "Kind of leading body"),
    "body_name": ("领导机关名称", "Name of the leading body"),
    "stated_on": ("明确日期", "Stated on"),
    "local_rule": ("依据的地方规定", "Local rule applied"),
    "held_on": ("召开日期", "Held on"),
    "topic": ("主题", "Topic"),
    "attendees": ("参加人数", "Attendees"),
    "confirmed_on": ("确认日期", "Confirmed on"),
    "confirmed_by": ("确认单位", "Confirmed by"),
    # secretary appointment (SEC-1 … SEC-9)
    "officer_id": ("党务工作者编号", "Officer (number)"),
    "change": ("变动情况", "Change"),
    "changed_on": ("变动日期", "Changed on"),
    "vacancy": ("空缺原因", "Vacancy"),
    "position_change": ("党务工作者岗位变动", "Position change"),
    "salary": ("工资（元/月）", "Salary (yuan/month)"),
    "bonus": ("奖金（元/月）", "Bonus (yuan/month)"),
    "allowance": ("津贴（元/月）", "Allowance (yuan/month)"),
    "other": ("其他待遇（元/月）", "Other benefits (yuan/month)"),
    "from_unit": ("派出单位", "Dispatched from"),
    "cadre_status": ("干部身份", "Cadre status"),
    "compensation": ("从社会组织领取的报酬", "Compensation from the organization"),
    "conviction": ("信念坚定", "Firm conviction"),
    "dedication": ("为民服务", "Dedication"),
    "capability": ("勤政务实", "Capability"),
    "conduct": ("敢于担当、清正廉洁", "Good conduct"),
    "political_strength": ("政治素质好", "Politically strong"),
    "mass_work": ("善做群众工作", "Good at mass work"),
    "assessed_by": ("考察人", "Assessed by"),
    "assessed_on": ("考察日期", "Assessed on"),
    "source": ("人选来源", "Source of the candidate"),
    "dispatched": ("上级选派的人选", "Dispatched candidate"),
    "unavailable": ("前序来源无合适人选的理由", "Why no suitable person in each higher source"),
    "assessment": ("人选考察", "Assessment of the candidate"),
    "elected_on": ("选举日期", "Elected on"),
    "eligible_voters": ("应到会党员", "Eligible voters"),
    "votes_cast": ("实到会投票", "Votes cast"),
    "votes_for": ("赞成票", "Votes for"),
    "order_no": ("选派文号", "Order number"),
    "approved_on": ("批准日期", "Approved on"),
    "approval_no": ("批复文号", "Approval number"),
    "stipend_yuan_per_month": ("工作补贴（元/月）", "Stipend (yuan/month)"),
    "stipend_paid_by": ("补贴来源", "Stipend paid by"),
    "full_time": ("专职", "Full-time"),
    "members_present": ("到会党员", "Members present"),
    "evaluation": ("评议结果", "Evaluation"),
    "origin": ("来源", "Origin"),
    "dispatched_from": ("派出单位", "Dispatched from"),
    "closed_on": ("办结日期", "Closed on"),
    "started_on": ("开始日期", "Started on"),
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
    "reminder": ("到期提醒", "Reminder"),
    "escalation": ("逾期督办", "Escalation"),
    "stalled": ("停滞提示", "Stalled"),
    "digest": ("每日摘要", "Daily digest"),
    # P2
    "change": ("变更", "Change"),
    "merger": ("合并", "Merger"),
    "split": ("分立", "Split"),
    "deregistration": ("注销", "Deregistration"),
    "transfer": ("转移组织关系", "Transfer the relation"),
    "keep_elsewhere": (
        "保留关系、异地参加组织生活",
        "Keep the relation, organizational life elsewhere",
    ),
    "remain": ("留在原党组织", "Remain"),
    # P3
    "party_members_meeting": ("党员大会", "Party members' meeting"),
    "committee_meeting": ("支委会 / 党委会", "Committee meeting"),
    "party_group_meeting": ("党小组会", "Party group meeting"),
    "party_lecture": ("党课", "Party lecture"),
    "theme_day": ("主题党日", "Theme day"),
    "org_life_meeting": ("组织生活会", "Organizational life meeting"),
    # P4
    "new_organization": ("新成立", "New organization"),
    "term_renewal": ("换届", "Term renewal"),
    "position_change": ("岗位变动", "Position change"),
    "head": ("负责人（党员）", "Head (a Party member)"),
    "management": ("管理层党员", "Management-level member"),
    "backbone": ("业务骨干", "Business backbone"),
    "other_member": ("其他党员", "Another member"),
    "dispatched": ("上级选派", "Dispatched by the upper organization"),
    "internal": ("内部产生", "From inside"),
    "serving": ("在职干部", "Serving cadre"),
    "retired": ("退（离）休干部", "Retired cadre"),
    "left_organization": ("离开本组织", "Left the organization"),
    "transferred": ("调动", "Transferred"),
    "resigned": ("辞职", "Resigned"),
    "dismissed": ("免职", "Dismissed"),
    "deceased": ("去世", "Deceased"),
    "party_funds": ("党费", "Party funds"),
    "public_finance": ("财政经费", "Public finance"),
    "organization": ("社会组织", "The organization"),
    "full": ("正式党员", "Full member"),
    "probationary": ("预备党员", "Probationary member"),
    "staff": ("工作人员", "Staff"),
    "secretary": ("书记", "Secretary"),
    "deputy_secretary": ("副书记", "Deputy secretary"),
    "deregistered": ("已注销", "Deregistered"),
    "revoked": ("已撤销", "Revoked"),
    "ended": ("已离任", "Ended"),
    "excellent": ("优秀", "Excellent"),
    "good": ("良好", "Good"),
    "fair": ("一般", "Fair"),
    "poor": ("较差", "Poor"),
}


#: Where a code means something else for one field: (field, value) -> label.
FIELD_CHOICES: dict[tuple[str, str], Pair] = {
    ("cadre_status", "none"): ("非在职或退休干部", "Neither serving nor retired cadre"),
    ("stipend_paid_by", "organization"): ("社会组织支付", "Paid by the organization"),
    ("kind", "supervisory_unit"): ("业务主管单位", "Supervisory unit"),
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


def choice_label(value: str, field: str | None = None) -> Pair:
    """A choice's label; `field` picks a meaning the code has only for that field."""
    if field is not None and (field, value) in FIELD_CHOICES:
        return FIELD_CHOICES[(field, value)]
    return CHOICES.get(value) or (humanize(value), humanize(value))
