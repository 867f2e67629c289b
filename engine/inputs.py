"""The one input policy (GUIDE, "Input"), applied by the shared schema base, not per field.

Every schema that reads input — a procedure's step, a directory form, an API body or query,
a UI filter — derives from `InputSchema`. Before any field is read, the raw input is walked:
no string may hold a control character (tab, line feed and carriage return excepted) or a lone
surrogate, or be longer than `MAX_RAW_STRING`; nesting stops at `MAX_DEPTH`. After loading,
every integer must fit the database's INTEGER (`INT_MIN`..`INT_MAX`), every date lie in
`DATE_MIN`..`DATE_MAX`, every string be at most its field's own maximum or
`DEFAULT_MAX_LENGTH`. Each refusal is a ValidationError naming the field, in both languages:
the caller answers 4xx and stores nothing. Why all of this in one place: a field that forgot
its range is exactly the one that answered 500 (issue 18).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
"""The range of PostgreSQL's INTEGER, which every id and count column uses."""

DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2199, 12, 31)
"""A plausible window for any date a user records or asks for (facts have their own rules:
not after today, not before the facts they follow)."""

MAX_DEPTH = 32
DEFAULT_MAX_LENGTH = 10_000
MAX_RAW_STRING = 100_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored, or None."""
    if _CONTROL.search(value):
        return "contains a control character / 含有控制字符"
    if _SURROGATE.search(value):
        return "contains an invalid character (lone surrogate) / 含有无效字符"
    if len(value) > MAX_RAW_STRING:
        return f"longer than {MAX_RAW_STRING} characters / 超过{MAX_RAW_STRING}个字符"
    return None


def raw_problems(value: Any, depth: int = 0) -> Any:
    """The problems of raw input as marshmallow-shaped messages (None: none).

    Also usable before any schema (the API's JSON reader uses it on the whole body)."""
    if depth > MAX_DEPTH:
        return [f"nested deeper than {MAX_DEPTH} levels / 嵌套超过{MAX_DEPTH}层"]
    if isinstance(value, str):
        problem = text_problem(value)
        return [problem] if problem else None
    if isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            key_problem = text_problem(k) if isinstance(k, str) else None
            if key_problem:
                out["_schema"] = [f"a field name {key_problem}"]
                continue
            p = raw_problems(v, depth + 1)
            if p:
                out[k] = p
        return out or None
    if isinstance(value, list | tuple):
        items = {i: p for i, v in enumerate(value) if (p := raw_problems(v, depth + 1))}
        return items or None
    return None


def _max_length(field: fields.Field) -> int:
    for v in field.validators:
        if isinstance(v, validate.Length) and v.max is not None:
            return v.max
    return DEFAULT_MAX_LENGTH


def _problem(field: fields.Field, value: Any) -> Any:
    """Messages for one loaded value of `field`, or None."""
    if value is None:
        return None
    if isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
        if isinstance(value, list):
            items = {i: p for i, v in enumerate(value) if (p := _loaded_problems(field.schema, v))}
            return items or None
        return _loaded_problems(field.schema, value)
    if isinstance(field, fields.List) and isinstance(value, list):
        items = {i: p for i, v in enumerate(value) if (p := _problem(field.inner, v))}
        return items or None
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
        return [f"must be between {INT_MIN} and {INT_MAX} / 超出允许范围"]
    if isinstance(value, float) and not float(INT_MIN) <= value <= float(INT_MAX):
        return [f"must be between {INT_MIN} and {INT_MAX} / 超出允许范围"]
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        if not DATE_MIN <= day <= DATE_MAX:
            return [f"must be between {DATE_MIN} and {DATE_MAX} / 日期超出合理范围"]
    if isinstance(value, str) and isinstance(field, fields.String):
        limit = _max_length(field)
        if len(value) > limit:
            return [f"at most {limit} characters / 最多{limit}个字符"]
    return None


def _loaded_problems(schema: Schema, data: Any) -> Any:
    if not isinstance(data, Mapping):
        return None
    out = {}
    for name, field in schema.fields.items():
        if field.load_only is False and field.dump_only:
            continue
        key = field.attribute or name
        if key in data and (p := _problem(field, data[key])):
            out[field.data_key or name] = p
    return out or None


def check(schema: Schema, raw: Any) -> Any:
    """Load `raw` with `schema` under the policy, whatever the schema's base class: what the
    engine does with every step and opening payload, so a procedure package whose schemas
    forgot the base is held to the policy all the same."""
    if isinstance(schema, InputSchema):
        return schema.load(raw)  # its own hooks apply the policy: not twice on the hot path
    problems = raw_problems(raw)
    if problems:
        raise ValidationError(problems)
    data = schema.load(raw)
    problems = _loaded_problems(schema, data)
    if problems:
        raise ValidationError(problems)
    return data


class InputSchema(Schema):
    """The base of every input schema: the policy above, for every field it has."""

    @pre_load
    def _refuse_hostile_raw_input(self, data: Any, **_: Any) -> Any:
        problems = raw_problems(data)
        if problems:
            raise ValidationError(problems)
        return data

    @post_load
    def _refuse_out_of_range_values(self, data: Any, **_: Any) -> Any:
        problems = _loaded_problems(self, data)
        if problems:
            raise ValidationError(problems)
        return data
