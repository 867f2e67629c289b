"""Bilingual names of input fields and choice values: read from the schemas, never per procedure.

A procedure names its own words: each field of its step schemas carries
`metadata={"label": {"zh": ..., "en": ...}}`, and, where the field has words of its own for
its choices, `metadata={"choices": {value: {"zh": ..., "en": ...}}}` (workflows/common.py:
`label`). A form reads them off the field it draws. Where a page shows a stored value without
its field (a step's payload on the case page, a record's column), the labels the loaded
procedures declare are looked up by name — those of the running app's registry, else those of
the installed procedure packages.

This module keeps only the words of the engine itself (the directory's records, the case, the
vocabulary of `engine.vocabulary`, roles, statuses, escalation targets). A word nobody names is
shown humanized (`full_time_full_members` → "Full time full members"), never hidden.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

from flask import current_app, has_app_context
from marshmallow import Schema, fields, validate

from engine.registry import Registry, load_registry

Pair = tuple[str, str]

#: Fields of the engine's own records (organizations, Party organizations, members, cases).
FIELDS: dict[str, Pair] = {
    "name": ("名称 / 姓名", "Name"),
    "credit_code": ("统一社会信用代码", "Unified social credit code"),
    "org_type": ("社会组织类型", "Type of organization"),
    "category": ("类别", "Category"),
    "kind": ("类别", "Kind"),
    "unit": ("登记管理机关", "Registration authority"),
    "district": ("所在区", "District"),
    "status": ("状态", "Status"),
    "supervisory_unit": ("业务主管单位", "Business supervisory unit"),
    "industry_regulator": ("行业管理部门", "Industry regulator"),
    "local_party_org": ("驻地党组织", "Local Party organization"),
    "registered_on": ("登记日期", "Registration date"),
    "coverage": ("覆盖情况", "Coverage"),
    "responsible_body_kind": ("党建责任主体", "Responsible body"),
    "full_members": ("正式党员人数", "Full members"),
    "full_time_full_members": ("其中专职工作人员中的正式党员", "Of which full-time staff"),
    "probationary_members": ("预备党员人数", "Probationary members"),
    "members_elsewhere": ("组织关系在外的党员人数", "Members whose relation is elsewhere"),
    "upper_party_org": ("上级党组织", "Upper Party organization"),
    "formation_mode": ("组建方式", "Formation mode"),
    "approved_by": ("批准的上级党组织", "Approved by"),
    "established_on": ("成立日期", "Established on"),
    "party_organization_id": ("党组织编号", "Party organization (number)"),
    "member_id": ("党员编号", "Member (number)"),
    "full_time": ("专职", "Full-time"),
    "comment": ("说明", "Comment"),
}

#: The engine's vocabulary (engine.vocabulary) and the values of its own columns.
CHOICES_OF_THE_ENGINE: dict[str, Pair] = {
    # organizations (ORG_TYPES, CATEGORIES, status, coverage)
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
    "deregistered": ("已注销", "Deregistered"),
    "party_org": ("已建党组织", "Party organization"),
    "instructor": ("党建工作指导员", "Party-building instructor"),
    "stationed_branch": ("派驻党支部", "Stationed branch"),
    "lead_organization": ("以强带弱（1+N）", "Lead organization (1+N)"),
    "none": ("未覆盖", "Not covered"),
    # units and responsible bodies (UNIT_KINDS, organizations.responsible_body_kind)
    "organization_department": ("组织部", "Organization department"),
    "comprehensive_committee": ("社会组织综合党委", "Comprehensive committee"),
    "registration_authority": ("登记管理机关", "Registration authority"),
    "supervisory_unit": ("业务主管单位", "Supervisory unit"),
    "industry_committee": ("行业党委", "Industry Party committee"),
    "industry_regulator": ("行业管理部门", "Industry regulator"),
    "local_party_org": ("驻地党组织", "Local Party organization"),
    "street_township": ("街道（乡镇）党组织", "Street / township Party organization"),
    "supervisory_party_org": ("业务主管单位党组织", "Supervisory unit's Party organization"),
    # Party organizations (PARTY_ORG_KINDS, formation_mode, status)
    "branch": ("党支部", "Branch"),
    "general_branch": ("党总支", "General branch"),
    "committee": ("党委", "Party committee"),
    "joint_branch": ("联合党支部", "Joint branch"),
    "standalone": ("单独组建", "Standalone"),
    "joint": ("联合组建", "Joint"),
    "affiliated": ("挂靠组建", "Affiliated"),
    "active": ("有效", "Active"),
    "revoked": ("已撤销", "Revoked"),
    # members and officers (MEMBER_STATUSES, MEMBER_ROLES, OFFICER_ORIGINS, CADRE_STATUSES)
    "full": ("正式党员", "Full member"),
    "probationary": ("预备党员", "Probationary member"),
    "head": ("负责人（党员）", "Head (a Party member)"),
    "management": ("管理层党员", "Management-level member"),
    "backbone": ("业务骨干", "Business backbone"),
    "staff": ("工作人员", "Staff"),
    "internal": ("内部产生", "From inside"),
    "dispatched": ("上级选派", "Dispatched by the upper organization"),
    "serving": ("在职干部", "Serving cadre"),
    "retired": ("退（离）休干部", "Retired cadre"),
    "secretary": ("书记", "Secretary"),
    "deputy_secretary": ("副书记", "Deputy secretary"),
    "ended": ("已离任", "Ended"),
    # organizational-life meetings (MEETING_KINDS)
    "party_members_meeting": ("党员大会", "Party members' meeting"),
    "committee_meeting": ("支委会 / 党委会", "Committee meeting"),
    "party_group_meeting": ("党小组会", "Party group meeting"),
    "party_lecture": ("党课", "Party lecture"),
    "theme_day": ("主题党日", "Theme day"),
    "org_life_meeting": ("组织生活会", "Organizational life meeting"),
    # cases, deadlines, events, notifications, roles
    "open": ("办理中", "Open"),
    "closed": ("已办结", "Closed"),
    "met": ("已完成", "Met"),
    "cancelled": ("已取消", "Cancelled"),
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
    "handed_over": ("移交", "Handed over"),
    "reaction": ("联动", "Linked step"),
    "notice": ("联动提示", "Notice from a linked case"),
    "abnormal_removed": ("移出活动异常名录", "Taken off the abnormal-activities list"),
    "document": ("附加材料", "Documents attached"),
    "comment": ("意见", "Comment"),
    "migrated": ("迁移至新版本", "Moved to a new version"),
    "claimed": ("认领", "Claimed"),
    "assigned": ("分派承办人", "Owner assigned"),
    "delegated": ("委托代办", "Delegated"),
    "delegation_ended": ("结束委托", "Delegation ended"),
    "stepped_back": ("退回（主管纠正）", "Stepped back (supervisor's correction)"),
    "suspended": ("暂停办理", "Suspended"),
    "resumed": ("恢复办理", "Resumed"),
}

#: What a reaction did to each other case (`reaction` events, payload["cases"][i]["outcome"]).
REACTION_OUTCOMES: dict[str, Pair] = {
    "opened": ("已立案", "opened"),
    "fired": ("已自动办理", "step taken"),
    "notified": ("已提示，需手工办理", "notified, to be done by hand"),
    "already_open": ("已有在办案件", "already open"),
}

#: Where an engine code means something else for one of the engine's fields.
FIELD_CHOICES: dict[tuple[str, str], Pair] = {
    ("cadre_status", "none"): ("非在职或退休干部", "Neither serving nor retired cadre"),
}


def humanize(key: str) -> str:
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _pair(label: Any) -> Pair | None:
    if isinstance(label, Mapping) and label.get("zh"):
        return (str(label["zh"]), str(label.get("en") or label["zh"]))
    if isinstance(label, str) and label:
        return (label, label)
    return None


def _from_meta(meta: Mapping[str, Any] | None) -> Pair | None:
    return _pair((meta or {}).get("label"))


def _choice_from_meta(meta: Mapping[str, Any] | None, value: str) -> Pair | None:
    choices = (meta or {}).get("choices")
    return _pair(choices.get(value)) if isinstance(choices, Mapping) else None


# ---------------------------------------------------------------- what the procedures declare


@dataclass
class Declared:
    """The labels a registry's schemas declare: by field name, by (field, value), by value.

    The first schema (in name order) to name a word wins; a form never needs this (it reads
    the field's own metadata), only a page showing a stored value without its field.
    """

    fields: dict[str, Pair] = field(default_factory=dict)
    field_choices: dict[tuple[str, str], Pair] = field(default_factory=dict)
    choices: dict[str, Pair] = field(default_factory=dict)

    def learn(self, schema: Schema) -> None:
        for key, f in _walk(schema):
            pair = _from_meta(f.metadata)
            if pair:
                self.fields.setdefault(key, pair)
            for value in choices_of(f):
                label = _choice_from_meta(f.metadata, value)
                if label:
                    self.field_choices.setdefault((key, value), label)
                    self.choices.setdefault(value, label)


def _walk(schema: Schema) -> Iterator[tuple[str, fields.Field]]:
    for key, f in schema.fields.items():
        yield f.data_key or key, f
        inner = f.inner if isinstance(f, fields.List) else f
        if isinstance(inner, fields.Nested) and isinstance(inner.schema, Schema):
            yield from _walk(inner.schema)


def choices_of(f: fields.Field) -> Iterator[str]:
    """The fixed values a field accepts (OneOf on the field, a list's items or a dict's keys)."""
    for part in (f, getattr(f, "inner", None), getattr(f, "key_field", None)):
        for v in getattr(part, "validators", None) or ():
            if isinstance(v, validate.OneOf):
                yield from (str(c) for c in v.choices)


_declared_by_registry: WeakKeyDictionary[Registry, Declared] = WeakKeyDictionary()


def declared(registry: Registry) -> Declared:
    """The labels `registry`'s schemas declare (read once per registry)."""
    found = _declared_by_registry.get(registry)
    if found is None:
        found = Declared()
        for name in sorted(registry.schemas):
            found.learn(registry.schema(name))
        _declared_by_registry[registry] = found
    return found


@lru_cache(maxsize=1)
def _installed() -> Registry:
    return load_registry()


def _current() -> list[Declared]:
    """What the running app's procedures declare; outside a request, the installed ones."""
    if has_app_context() and "tongbu" in current_app.extensions:
        registries = {
            id(d.registry): d.registry for d in current_app.extensions["tongbu"].definitions
        }
        return [declared(r) for r in registries.values()]
    return [declared(_installed())]


# ---------------------------------------------------------------- the public functions


def field_label(key: str, meta: Mapping[str, Any] | None = None) -> Pair:
    """A field's label: its own metadata, the engine's words, what a procedure declares for
    that name, or the humanized name."""
    found = _from_meta(meta) or FIELDS.get(key)
    if found:
        return found
    for d in _current():
        if key in d.fields:
            return d.fields[key]
    return (humanize(key), humanize(key))


def choice_label(
    value: str, field: str | None = None, meta: Mapping[str, Any] | None = None
) -> Pair:
    """A choice's label: the field's own metadata (`meta`), then the field's meaning of the
    code (`field`), then the engine's vocabulary, then any procedure's word for it."""
    found = _choice_from_meta(meta, value)
    if found:
        return found
    if field is not None:
        if (field, value) in FIELD_CHOICES:
            return FIELD_CHOICES[(field, value)]
        for d in _current():
            if (field, value) in d.field_choices:
                return d.field_choices[(field, value)]
    return CHOICES.get(value) or (humanize(value), humanize(value))


class _Choices(Mapping[str, Pair]):
    """Every choice label known by value: the engine's vocabulary, then what the loaded
    procedures declare (for pages that show a stored code on its own)."""

    def __getitem__(self, value: str) -> Pair:
        if value in CHOICES_OF_THE_ENGINE:
            return CHOICES_OF_THE_ENGINE[value]
        for d in _current():
            if value in d.choices:
                return d.choices[value]
        raise KeyError(value)

    def __iter__(self) -> Iterator[str]:
        seen = dict.fromkeys(CHOICES_OF_THE_ENGINE)
        for d in _current():
            seen.update(dict.fromkeys(d.choices))
        return iter(seen)

    def __len__(self) -> int:
        return sum(1 for _ in self)


CHOICES: Mapping[str, Pair] = _Choices()


#: Where an organization stands on the abnormal-activities list (SUP-1): the list page, its
#: export and the year-end report name it alike.
ABNORMAL_STATUS: dict[str, Pair] = {
    "listed": ("在名录中", "Listed"),
    "removed": ("已移出", "Removed"),
    "deregistration": ("移送注销", "Referred for deregistration"),
}
