"""Local policy parameters: every figure a policy document leaves open, in one validated file.

Each parameter carries its default, unit, description and the rule it serves, so the UI can
show it as "local default" (地方默认值) and never as if a policy document had fixed it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema, ValidationError, fields, validate

from engine.calendar import Period
from engine.definitions.schema import flatten_messages
from engine.errors import Problem
from engine.rules import RuleCatalogue

PARAMETERS_FILE = "parameters.yaml"
UNITS = (
    "period",
    "count",
    "yuan_per_month",
    "yuan_per_member_per_year",
    "days",
    "years",
    "choice",
    "megabytes",
)


class _Label(Schema):
    zh = fields.String(required=True, validate=validate.Length(min=1))
    en = fields.String(required=True, validate=validate.Length(min=1))


class ParameterSchema(Schema):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    value = fields.Raw(required=True)
    unit = fields.String(required=True, validate=validate.OneOf(UNITS))
    rule = fields.String(required=True)
    description = fields.Nested(_Label, required=True)
    choices = fields.List(fields.String(), load_default=None)


class ParametersFileSchema(Schema):
    parameters = fields.List(fields.Nested(ParameterSchema), required=True)


@dataclass(frozen=True)
class Parameter:
    id: str
    value: Any
    unit: str
    rule: str
    zh: str
    en: str
    local_default: bool = True


class Parameters(Mapping[str, Any]):
    """Read like a dict of values; `.describe(id)` gives the whole parameter for display."""

    def __init__(self, items: dict[str, Parameter]) -> None:
        self._items = items

    def __getitem__(self, key: str) -> Any:
        return self._items[key].value

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def describe(self, key: str) -> Parameter:
        return self._items[key]

    def all(self) -> list[Parameter]:
        return [self._items[k] for k in sorted(self._items)]

    def merged(self, later: Parameters) -> Parameters:
        """These parameters with `later`'s on top: a parameter set in both takes `later`'s."""
        return Parameters({**self._items, **later._items})


def _check_value(p: dict) -> str | None:
    v, unit = p["value"], p["unit"]
    if unit == "period":
        if not isinstance(v, str):
            return "must be an ISO-8601 period such as P1M"
        try:
            Period.parse(v)
        except ValueError as exc:
            return str(exc)
    elif unit in (
        "count",
        "days",
        "years",
        "yuan_per_month",
        "yuan_per_member_per_year",
        "megabytes",
    ):
        if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
            return f"must be a non-negative number ({unit})"
    elif unit == "choice" and (not p["choices"] or v not in p["choices"]):
        return f"must be one of {p['choices']}"
    return None


def load_parameters(
    directory: Path, catalogue: RuleCatalogue, problems: list[Problem], label: str = ""
) -> Parameters:
    """The parameters of one folder (none when it has no file); `label` prefixes problems."""
    name = label + PARAMETERS_FILE

    path = directory / PARAMETERS_FILE
    if not path.exists():
        return Parameters({})
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc = ParametersFileSchema().load(raw if isinstance(raw, dict) else {})
    except yaml.YAMLError as exc:
        problems.append(Problem(name, "<file>", f"cannot read YAML: {exc}"))
        return Parameters({})
    except ValidationError as err:
        problems.extend(Problem(name, p, m) for p, m in flatten_messages(err.messages))
        return Parameters({})
    items: dict[str, Parameter] = {}
    for i, p in enumerate(doc["parameters"]):
        if p["id"] in items:
            problems.append(Problem(name, f"parameters.{i}.id", f"duplicate {p['id']!r}"))
        if p["rule"] not in catalogue:
            problems.append(
                Problem(
                    name,
                    f"parameters.{i}.rule",
                    f"rule {p['rule']!r} is not in the rules catalogue",
                )
            )
        msg = _check_value(p)
        if msg:
            problems.append(Problem(name, f"parameters.{i}.value", msg))
        items[p["id"]] = Parameter(
            p["id"],
            p["value"],
            p["unit"],
            p["rule"],
            p["description"]["zh"],
            p["description"]["en"],
        )
    return Parameters(items)
