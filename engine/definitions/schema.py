"""The definition file format: marshmallow schemas for procedure files and rules.yaml."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from engine.calendar import Period
from engine.definitions.model import CAMPAIGN_TRIGGER, OPEN_TRIGGER
from engine.vocabulary import ROLES

IDENT = validate.Regexp(r"^[a-z][a-z0-9_]*$", error="must be a lower_snake_case identifier")


ESCALATION_TARGETS = ("assignee", "unit_supervisor", "upper_body")


PARAM_PREFIX = "param:"


OPEN = OPEN_TRIGGER  # no trigger can be named so: triggers are lower_snake_case

ANCHOR_PREFIXES = ("data.", "payload.")
"""A deadline's anchor besides `event`: a date in the case data after the step, or in the
step's (or the opening's) validated input; a dotted path reaches into nested records."""


_PARAM_REF = re.compile(r"^param:[a-z][a-z0-9_]*$")

_PATH = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")

VALUE_PREFIXES = ("data.", "payload.", "organization.")
"""Where a reaction's values come from: this case's data after the step, the step's validated
input, or the organization's columns."""


def _data_path(value: str) -> None:
    if not (value.startswith("data.") and _PATH.match(value.removeprefix("data."))):
        raise ValidationError("must be data.<field>[.<field>...]")


def _period(value: str) -> None:
    try:
        Period.parse(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def _period_or_parameter(value: str) -> None:
    """A deadline's period: an ISO-8601 period, or `param:<id>` naming a local policy parameter
    (TRF-5: where a policy document says "promptly", the figure is local policy, resolved at load)."""
    if isinstance(value, str) and value.startswith(PARAM_PREFIX):
        if not _PARAM_REF.match(value):
            raise ValidationError("a parameter reference is param:<lower_snake_case id>")
        return
    _period(value)


def _opener(value: str) -> None:
    """An item of `opens_on`: a trigger, `@open` (the case opening) or `@campaign` (a
    campaign opens or joins the case)."""
    if value not in (OPEN, CAMPAIGN_TRIGGER) and not re.match(r"^[a-z][a-z0-9_]*$", value or ""):
        raise ValidationError(
            f"must be a trigger (lower_snake_case) or {OPEN!r} (when the case opens)"
        )


def _anchor(value: str) -> None:
    if value == "event":
        return
    prefix = next((p for p in ANCHOR_PREFIXES if value.startswith(p)), None)
    path = value.removeprefix(prefix) if prefix else ""
    if prefix is None or not re.match(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$", path):
        raise ValidationError("must be 'event', 'data.<field>' or 'payload.<field>'")


class LabelSchema(Schema):
    zh = fields.String(required=True, validate=validate.Length(min=1))
    en = fields.String(required=True, validate=validate.Length(min=1))


class StateSchema(Schema):
    id = fields.String(required=True, validate=IDENT)
    label = fields.Nested(LabelSchema, required=True)
    terminal = fields.Boolean(load_default=False)
    waiting = fields.Boolean(
        load_default=False,
        metadata={"description": "waiting by design (ACC-1): not stalled while a deadline is open"},
    )
    description = fields.Nested(LabelSchema, load_default=None)


class MaterialSchema(Schema):
    """A document (材料) a step requires or accepts, with the rule that asks for it."""

    id = fields.String(required=True, validate=IDENT)
    label = fields.Nested(LabelSchema, required=True)
    rule = fields.String(required=True)
    required = fields.Boolean(
        load_default=False,
        metadata={
            "description": "the step is refused, citing the rule, until the case holds one "
            "(attached before or with the step)"
        },
    )


class TransitionSchema(Schema):
    trigger = fields.String(required=True, validate=IDENT)
    sources = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    dest = fields.String(required=True)
    label = fields.Nested(LabelSchema, required=True)
    roles = fields.List(
        fields.String(validate=validate.OneOf(ROLES)),
        required=True,
        validate=validate.Length(min=1),
    )
    schema = fields.String(load_default=None)
    guards = fields.List(fields.String(), load_default=list)
    actions = fields.List(fields.String(), load_default=list)
    rules = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    hand_over = fields.String(
        load_default=None,
        validate=_data_path,
        metadata={
            "description": "data.<path> holding a unit id: the step hands the case to that "
            "unit (REG-6: the duty goes with the case to the responsible body)"
        },
    )
    materials = fields.List(fields.Nested(MaterialSchema), load_default=list)


REACTION_KINDS = ("open", "fire", "notify")


def _value_ref(value: Any) -> None:
    """A value a reaction passes on: a path into this case (`data.`, `payload.`,
    `organization.`), `@today`, or a literal that is none of these."""
    if isinstance(value, str) and value.startswith(VALUE_PREFIXES):
        prefix = next(p for p in VALUE_PREFIXES if value.startswith(p))
        if not _PATH.match(value.removeprefix(prefix)):
            raise ValidationError(f"{value!r}: a path is {prefix}<field>[.<field>...]")


class ReactionSchema(Schema):
    """A step of this procedure opens, fires a step of, or notifies a case of another
    procedure, in the same transaction, audited on both cases (issue 13, item 7)."""

    on = fields.List(fields.String(validate=IDENT), required=True, validate=validate.Length(min=1))
    do = fields.String(required=True, validate=validate.OneOf(REACTION_KINDS))
    procedure = fields.String(required=True, validate=IDENT)
    rule = fields.String(required=True)
    label = fields.Nested(LabelSchema, required=True)
    trigger = fields.String(load_default=None, validate=IDENT)
    match = fields.Dict(
        keys=fields.String(validate=IDENT),
        values=fields.Raw(validate=_value_ref),
        load_default=dict,
        metadata={"description": "the other case's data key -> a value of this case"},
    )
    payload = fields.Dict(
        keys=fields.String(validate=IDENT),
        values=fields.Raw(validate=_value_ref),
        load_default=dict,
    )

    @pre_load
    def _yaml_on(self, data: Any, **_: Any) -> Any:
        """YAML 1.1 reads a bare `on:` key as the boolean true: take it as `on`."""
        if isinstance(data, dict) and True in data and "on" not in data:
            data = {("on" if k is True else k): v for k, v in data.items()}
        return data

    @validates_schema
    def _trigger_for_fire(self, data: dict, **_: Any) -> None:
        if data["do"] == "fire" and not data.get("trigger"):
            raise ValidationError({"trigger": ["a 'fire' reaction names the step it fires"]})
        if data["do"] != "fire" and data.get("trigger"):
            raise ValidationError({"trigger": ["only a 'fire' reaction names a step"]})


class EscalationSchema(Schema):
    to = fields.String(required=True, validate=validate.OneOf(ESCALATION_TARGETS))
    after = fields.String(required=True, validate=_period)


class DeadlineSchema(Schema):
    id = fields.String(required=True, validate=IDENT)
    label = fields.Nested(LabelSchema, required=True)
    rule = fields.String(required=True)
    period = fields.String(required=True, validate=_period_or_parameter)
    opens_on = fields.List(
        fields.String(validate=_opener), required=True, validate=validate.Length(min=1)
    )
    anchor = fields.String(load_default="event", validate=_anchor)
    closes_on = fields.List(
        fields.String(validate=IDENT), required=True, validate=validate.Length(min=1)
    )
    cancels_on = fields.List(
        fields.String(validate=IDENT),
        load_default=list,
        metadata={
            "description": "steps that end it without meeting it (the duty lapsed: a secretary "
            "who left owes no report); recorded as cancelled, not met"
        },
    )
    remind_before = fields.String(load_default=None, validate=_period)
    escalation = fields.List(fields.Nested(EscalationSchema), load_default=list)


class HoldSchema(Schema):
    """While a case of this procedure is open, an operation on its organization waits."""

    operation = fields.String(required=True, validate=IDENT)
    rule = fields.String(required=True)
    zh = fields.String(required=True, validate=validate.Length(min=1))
    en = fields.String(required=True, validate=validate.Length(min=1))


class DefinitionSchema(Schema):
    procedure = fields.String(required=True, validate=IDENT)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    label = fields.Nested(LabelSchema, required=True)
    rules = fields.List(fields.String(), load_default=list)
    open_schema = fields.String(load_default=None)
    open_actions = fields.List(fields.String(), load_default=list)
    initial = fields.String(required=True)
    states = fields.List(fields.Nested(StateSchema), required=True, validate=validate.Length(min=1))
    transitions = fields.List(
        fields.Nested(TransitionSchema), required=True, validate=validate.Length(min=1)
    )
    deadlines = fields.List(fields.Nested(DeadlineSchema), load_default=list)
    holds = fields.List(fields.Nested(HoldSchema), load_default=list)
    parameters = fields.List(
        fields.String(validate=IDENT),
        load_default=list,
        metadata={"description": "local parameters the guards and actions read (case.params)"},
    )
    reactions = fields.List(fields.Nested(ReactionSchema), load_default=list)


class RuleSchema(Schema):
    id = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3,4}-\d+$"))
    zh = fields.String(required=True, validate=validate.Length(min=1))
    en = fields.String(required=True, validate=validate.Length(min=1))
    sources = fields.List(fields.String(), load_default=list)


class RulesFileSchema(Schema):
    rules = fields.List(fields.Nested(RuleSchema), required=True)

    @validates_schema
    def _unique(self, data: dict, **_: Any) -> None:
        seen: set[str] = set()
        for i, rule in enumerate(data.get("rules", [])):
            if rule["id"] in seen:
                raise ValidationError({"rules": {i: {"id": [f"duplicate rule {rule['id']}"]}}})
            seen.add(rule["id"])


def flatten_messages(messages: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield from flatten_messages(value, path)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for m in messages:
            yield prefix or "<root>", m
    elif isinstance(messages, list):
        for i, m in enumerate(messages):
            yield from flatten_messages(m, f"{prefix}.{i}")
    else:
        yield prefix or "<root>", str(messages)
