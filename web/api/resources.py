"""Marshmallow schemas of what the API answers: every response body is dumped through one,
and the OpenAPI description is generated from the same classes."""

from __future__ import annotations

from marshmallow import Schema, fields

from web.api.schemas import Label, Refusal


class Organization(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    credit_code = fields.String(allow_none=True, metadata={"description": "INF-1"})
    org_type = fields.String(required=True)
    category = fields.String(required=True)
    registration_mode = fields.String(allow_none=True)
    supervisory_unit = fields.String(allow_none=True)
    industry_regulator = fields.String(allow_none=True)
    local_party_org = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    unit_id = fields.Integer(required=True)
    unit_code = fields.String()
    responsible_unit_id = fields.Integer(allow_none=True)
    responsible_body_kind = fields.String(allow_none=True)
    status = fields.String(required=True)
    registered_on = fields.Date(allow_none=True)
    full_members = fields.Integer(allow_none=True)
    full_time_full_members = fields.Integer(allow_none=True)
    probationary_members = fields.Integer(allow_none=True)
    members_elsewhere = fields.Integer(allow_none=True)
    coverage = fields.String(required=True)
    coverage_reminder = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)


class OrganizationPage(Schema):
    items = fields.List(fields.Nested(Organization), required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    next_offset = fields.Integer(required=True, allow_none=True)


class Action(Schema):
    """A step from the case's current state: allowed, or refused with its rule."""

    trigger = fields.String(required=True)
    label = fields.Nested(Label, required=True)
    roles = fields.List(fields.String(), required=True)
    schema = fields.String(
        required=True, allow_none=True, metadata={"description": "the step's input schema"}
    )
    rules = fields.List(fields.String(), required=True)
    allowed = fields.Boolean(required=True)
    role_ok = fields.Boolean(required=True)
    refusal = fields.Nested(Refusal, required=True, allow_none=True)
    href = fields.String(required=True, metadata={"description": "POST here to take the step"})


class CaseDeadline(Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True)
    label = fields.Nested(Label, allow_none=True)
    rule = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "open, met or cancelled"})
    anchor_date = fields.Date(required=True)
    due_date = fields.Date(required=True, metadata={"description": "last day (Asia/Shanghai)"})
    due_at = fields.AwareDateTime(required=True)
    remind_at = fields.AwareDateTime(allow_none=True)
    provisional = fields.Boolean(
        required=True, metadata={"description": "holiday calendar not yet published"}
    )
    escalation_level = fields.Integer(required=True)
    opened_at = fields.AwareDateTime(required=True)
    closed_at = fields.AwareDateTime(allow_none=True)


class CaseLinks(Schema):
    self = fields.String(required=True)
    history = fields.String(required=True)
    definition = fields.String(required=True)
    diagram = fields.String(required=True)


class CaseOrganization(Organization):
    open_cases = fields.List(fields.Dict())


class Case(Schema):
    id = fields.Integer(required=True)
    procedure = fields.String(required=True)
    definition_version = fields.Integer(required=True)
    label = fields.Nested(Label, required=True)
    state = fields.String(required=True)
    state_label = fields.Nested(Label, required=True)
    version = fields.Integer(required=True, metadata={"description": "also the ETag"})
    status = fields.String(required=True, metadata={"description": "open or closed"})
    data = fields.Dict(required=True, metadata={"description": "the case's recorded facts"})
    organization = fields.Nested(CaseOrganization, required=True)
    unit_id = fields.Integer(required=True)
    opened_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    deadlines = fields.List(fields.Nested(CaseDeadline), required=True)
    actions = fields.List(fields.Nested(Action), required=True)
    links = fields.Nested(CaseLinks, required=True)


class CaseSummary(Schema):
    id = fields.Integer(required=True)
    procedure = fields.String(required=True)
    state = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    updated_at = fields.AwareDateTime(required=True)
    organization = fields.String(required=True)
    credit_code = fields.String(allow_none=True)
    unit = fields.String(required=True)
    owner = fields.Nested(
        "OwnerRef",
        required=True,
        allow_none=True,
        metadata={"description": "who answers for the case; null: unassigned in its unit"},
    )
    next_due = fields.Date(
        required=True, allow_none=True, metadata={"description": "its nearest open deadline"}
    )


class OwnerRef(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    name = fields.String(required=True)


class CasePage(Schema):
    items = fields.List(fields.Nested(CaseSummary), required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    next_offset = fields.Integer(required=True, allow_none=True)


class Event(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    trigger = fields.String(allow_none=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    case_version = fields.Integer(required=True)
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String(required=True)
    at = fields.AwareDateTime(required=True)
    comment = fields.String(allow_none=True)
    payload = fields.Raw(allow_none=True)
    rules = fields.List(fields.String(), allow_none=True)


class History(Schema):
    case_id = fields.Integer(required=True)
    events = fields.List(fields.Nested(Event), required=True)


class Deadline(Schema):
    """An open deadline with its case, for the due and overdue lists."""

    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    procedure = fields.String(required=True)
    case_state = fields.String(required=True)
    organization_id = fields.Integer(required=True)
    organization = fields.String(required=True)
    unit_code = fields.String(required=True)
    assignee_id = fields.Integer(allow_none=True)
    key = fields.String(required=True)
    label = fields.Nested(Label, allow_none=True)
    rule = fields.String(required=True)
    status = fields.String(required=True)
    anchor_date = fields.Date(required=True)
    due_date = fields.Date(required=True)
    due_at = fields.AwareDateTime(required=True)
    remind_at = fields.AwareDateTime(allow_none=True)
    provisional = fields.Boolean(required=True)
    escalation_level = fields.Integer(required=True)
    opened_at = fields.AwareDateTime(required=True)


class DeadlinePage(Schema):
    items = fields.List(fields.Nested(Deadline), required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    next_offset = fields.Integer(required=True, allow_none=True)


class DefinitionSummary(Schema):
    procedure = fields.String(required=True)
    version = fields.Integer(required=True)
    label = fields.Nested(Label, required=True)
    latest = fields.Boolean(required=True)
    file = fields.String(required=True)
    content_hash = fields.String(required=True)
    href = fields.String(required=True)
    diagram = fields.String(required=True)


class DefinitionList(Schema):
    items = fields.List(fields.Nested(DefinitionSummary), required=True)


class State(Schema):
    id = fields.String(required=True)
    label = fields.Nested(Label, required=True)
    terminal = fields.Boolean(required=True)
    initial = fields.Boolean(required=True)
    waiting = fields.Boolean(
        required=True,
        metadata={"description": "waiting by design: not stalled while a deadline is open"},
    )


class Transition(Schema):
    trigger = fields.String(required=True)
    sources = fields.List(fields.String(), required=True)
    dest = fields.String(required=True)
    label = fields.Nested(Label, required=True)
    roles = fields.List(fields.String(), required=True)
    schema = fields.String(required=True, allow_none=True)
    guards = fields.List(fields.String(), required=True)
    rules = fields.List(fields.String(), required=True)
    hand_over = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "data path of the unit the step hands the case to (REG-6)"},
    )


class Reaction(Schema):
    on = fields.List(fields.String(), required=True)
    do = fields.String(required=True, metadata={"description": "open, fire or notify"})
    procedure = fields.String(required=True)
    trigger = fields.String(required=True, allow_none=True)
    rule = fields.String(required=True)
    label = fields.Nested(Label, required=True)
    match = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)
    payload = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)


class Escalation(Schema):
    level = fields.Integer(required=True)
    to = fields.String(required=True)
    after = fields.String(required=True, metadata={"description": "ISO-8601 period"})


class DeadlineSpec(Schema):
    id = fields.String(required=True)
    label = fields.Nested(Label, required=True)
    rule = fields.String(required=True)
    period = fields.String(required=True, metadata={"description": "ISO-8601 period"})
    anchor = fields.String(required=True)
    opens_on = fields.List(fields.String(), required=True)
    closes_on = fields.List(fields.String(), required=True)
    remind_before = fields.String(required=True, allow_none=True)
    escalation = fields.List(fields.Nested(Escalation), required=True)


class RuleText(Schema):
    id = fields.String(required=True)
    zh = fields.String(required=True)
    en = fields.String(required=True)
    sources = fields.List(fields.String(), required=True)


class Definition(Schema):
    procedure = fields.String(required=True)
    version = fields.Integer(required=True)
    label = fields.Nested(Label, required=True)
    file = fields.String(required=True)
    content_hash = fields.String(required=True)
    initial = fields.String(required=True)
    open_schema = fields.String(required=True, allow_none=True)
    states = fields.List(fields.Nested(State), required=True)
    transitions = fields.List(fields.Nested(Transition), required=True)
    deadlines = fields.List(fields.Nested(DeadlineSpec), required=True)
    reactions = fields.List(
        fields.Nested(Reaction),
        required=True,
        metadata={"description": "steps of other procedures this one opens, fires or notifies"},
    )
    rules = fields.List(fields.Nested(RuleText), required=True)
    diagram = fields.String(required=True)


# ---------------------------------------------------------------- notifications, ACC-1 report


class Notification(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(allow_none=True)
    event_id = fields.Integer(allow_none=True)
    kind = fields.String(required=True)
    level = fields.Integer(allow_none=True, metadata={"description": "escalation level"})
    subject_zh = fields.String(required=True)
    subject_en = fields.String(required=True)
    body_zh = fields.String(required=True)
    body_en = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    read_at = fields.AwareDateTime(allow_none=True)


class NotificationPage(Schema):
    items = fields.List(fields.Nested(Notification), required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    next_offset = fields.Integer(required=True, allow_none=True)
    unread_count = fields.Integer(required=True)


class MarkedRead(Schema):
    marked = fields.Integer(required=True)
    unread_count = fields.Integer(required=True)


class OldestOverdue(Schema):
    case_id = fields.Integer(required=True)
    organization = fields.String(required=True)
    deadline = fields.String(required=True)
    rule = fields.String(required=True)
    due_date = fields.Date(required=True)
    due_at = fields.AwareDateTime(required=True)
    days_overdue = fields.Integer(required=True)
    escalation_level = fields.Integer(required=True)


class AccountabilityRow(Schema):
    """ACC-1: one responsible unit's open, due-soon, overdue, escalated and stalled cases."""

    unit_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    unit_name_zh = fields.String(required=True)
    unit_name_en = fields.String(required=True)
    unit_path = fields.String(required=True)
    open = fields.Integer(required=True)
    due_soon = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    escalated = fields.Integer(required=True)
    stalled = fields.Integer(required=True)
    by_age = fields.List(
        fields.Integer(),
        required=True,
        metadata={"description": "overdue cases by days overdue: 0–7, 7–30, 30–90, 90+"},
    )
    oldest_overdue = fields.Nested(OldestOverdue, required=True, allow_none=True)


class Totals(Schema):
    open = fields.Integer(required=True)
    due_soon = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    escalated = fields.Integer(required=True)
    stalled = fields.Integer(required=True)


class Accountability(Schema):
    rows = fields.List(fields.Nested(AccountabilityRow), required=True)
    totals = fields.Nested(Totals, required=True)


class ReportCase(Schema):
    """A case behind a number of the report."""

    case_id = fields.Integer(required=True)
    procedure = fields.String(required=True)
    state = fields.String(required=True)
    updated_at = fields.AwareDateTime(required=True)
    organization = fields.String(required=True)
    unit_id = fields.Integer(required=True)
    unit_name_zh = fields.String(required=True)
    unit_name_en = fields.String(required=True)
    assignee = fields.String(allow_none=True)
    deadline = fields.String()
    rule = fields.String()
    due_date = fields.Date()
    due_at = fields.AwareDateTime()
    days_overdue = fields.Integer()
    days_left = fields.Integer()
    escalation_level = fields.Integer()
    overdue_deadlines = fields.Integer()
    due_soon_deadlines = fields.Integer()
    stalled_since = fields.AwareDateTime()
    flagged_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "stalled: when the sweep told the supervisors (null: not yet)"},
    )


class ReportCasePage(Schema):
    items = fields.List(fields.Nested(ReportCase), required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    next_offset = fields.Integer(required=True, allow_none=True)
