"""The migration plan: a YAML file saying how running cases of one version map onto another.

An operator writes it once per pair of versions and runs it twice (dry run, then for real);
its SHA-256 goes into every case's `migrated` event, so the history says which plan moved the
case. The file is read with marshmallow (every error names its field) and then checked
against the two definitions (`check_plan`), so a plan that cannot be right is refused before a
single case is looked at:

```yaml
procedure: decoupling          # optional; when given, must be the command's
from: 3                        # optional; when given, must be --from
to: 4                          # optional; when given, must be --to
reason: v4 verifies the transfer / 第4版增加移转核验   # shown in each case's history
states:                        # EVERY non-terminal state of `from` -> a non-terminal state of `to`
  handing_over: handing_over
  leadership: verifying_transfer
data:
  rename: {handover_on: archives.handed_over_on}    # dotted paths in the case data
  defaults: {verification: {}}                      # set where the path holds nothing
  require: {verifying_transfer: [transfer.transferred_on]}   # must hold a value there
deadlines:
  rename: {party_org_transfer: org_transfer}        # a running deadline the target renamed
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from marshmallow import ValidationError, fields, validate

from engine.cases.intents import jsonable
from engine.definitions.loader import content_hash
from engine.definitions.model import Definition
from engine.inputs import InputSchema

IDENTIFIER = r"^[a-z][a-z0-9_]*$"
DATA_PATH = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"
MAX_ENTRIES = 500

_ident = validate.Regexp(IDENTIFIER, error="not an identifier (a-z, 0-9, _) / 不是合法标识")
_path = validate.Regexp(DATA_PATH, error="not a dotted data path / 不是合法的数据路径")
_few = validate.Length(
    max=MAX_ENTRIES, error=f"at most {MAX_ENTRIES} entries / 最多{MAX_ENTRIES}项"
)


def _identifier(**kw: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=60), _ident], **kw)


def _data_path(**kw: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=200), _path], **kw)


class DataRulesSchema(InputSchema):
    rename = fields.Dict(keys=_data_path(), values=_data_path(), load_default=dict, validate=_few)
    defaults = fields.Dict(keys=_data_path(), values=fields.Raw(), load_default=dict, validate=_few)
    require = fields.Dict(
        keys=_identifier(),
        values=fields.List(_data_path(), validate=_few),
        load_default=dict,
        validate=_few,
    )


class DeadlineRulesSchema(InputSchema):
    rename = fields.Dict(keys=_identifier(), values=_identifier(), load_default=dict, validate=_few)


class PlanSchema(InputSchema):
    """The plan file. Unknown keys are refused (a typo must not silently do nothing)."""

    procedure = _identifier(load_default=None)
    from_version = fields.Integer(
        data_key="from", strict=True, validate=validate.Range(min=1, max=10_000), load_default=None
    )
    to_version = fields.Integer(
        data_key="to", strict=True, validate=validate.Range(min=1, max=10_000), load_default=None
    )
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))
    states = fields.Dict(
        keys=_identifier(),
        values=_identifier(),
        required=True,
        validate=[validate.Length(min=1), _few],
    )
    data = fields.Nested(DataRulesSchema, load_default=lambda: DataRulesSchema().load({}))
    deadlines = fields.Nested(
        DeadlineRulesSchema, load_default=lambda: DeadlineRulesSchema().load({})
    )


@dataclass(frozen=True)
class MigrationPlan:
    """A validated plan file and the hash of what it says (comments and layout aside)."""

    states: Mapping[str, str]
    reason: str
    data_rename: Mapping[str, str]
    data_defaults: Mapping[str, Any]
    data_require: Mapping[str, tuple[str, ...]]
    deadline_rename: Mapping[str, str]
    sha256: str
    procedure: str | None = None
    from_version: int | None = None
    to_version: int | None = None


def _keys_not_text(value: Any, depth: int = 0) -> dict[str, Any]:
    """Keys YAML did not read as text: `on:`, `no:`, `yes:` are booleans in YAML 1.1, `1:` a
    number. Turned into text they would name another path than the one written; refused."""
    if not isinstance(value, Mapping) or depth > 8:
        return {}
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            out[str(key)] = [
                f"the key {key!r} is not text: quote it / 键 {key!r} 不是文本，请加引号"
            ]
        elif inner := _keys_not_text(item, depth + 1):
            out[key] = inner
    return out


def load_plan(source: str | Mapping[str, Any]) -> MigrationPlan:
    """Read a plan from YAML text (or an already parsed mapping); ValidationError names the
    field of every problem, in both languages where the words are ours."""
    if isinstance(source, str):
        try:
            raw = yaml.safe_load(source)
        except yaml.YAMLError as exc:
            raise ValidationError({"_schema": [f"not valid YAML / YAML 格式有误: {exc}"]}) from exc
    else:
        raw = source
    if not isinstance(raw, Mapping):
        raise ValidationError({"_schema": ["the plan must be a mapping / 迁移方案须为映射"]})
    if problems := _keys_not_text(raw):
        raise ValidationError(problems)
    raw = jsonable(raw)  # YAML dates in defaults are stored as the engine stores dates: ISO text
    doc = PlanSchema().load(raw)
    return MigrationPlan(
        states=dict(doc["states"]),
        reason=doc["reason"],
        data_rename=dict(doc["data"]["rename"]),
        data_defaults=dict(doc["data"]["defaults"]),
        data_require={k: tuple(v) for k, v in doc["data"]["require"].items()},
        deadline_rename=dict(doc["deadlines"]["rename"]),
        sha256=content_hash(raw),
        procedure=doc["procedure"],
        from_version=doc["from_version"],
        to_version=doc["to_version"],
    )


@dataclass(frozen=True)
class PlanProblem:
    """Why the plan cannot be right, whatever the cases: the field, then zh and en."""

    field: str
    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.field}: {self.en} / {self.zh}"


def _overlap(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def check_plan(plan: MigrationPlan, source: Definition, target: Definition) -> list[PlanProblem]:
    """Every problem of the plan against the two versions, each naming its field.

    Every non-terminal state of the source must be mapped — not only those cases are in now:
    a case may step into another between the dry run and the run, and the run must then still
    know where it goes. A terminal target is refused: moving an open case there would close it
    without the step (and the decision, the reasons, the met deadlines) that closes a case;
    end such cases with their own step first. Terminal source states are not migrated (a
    closed case stays on the version it finished on), so mapping one is refused as a mistake.
    """
    out: list[PlanProblem] = []

    def bad(field: str, zh: str, en: str) -> None:
        out.append(PlanProblem(field, zh, en))

    for name, given, actual in (
        ("procedure", plan.procedure, source.procedure),
        ("from", plan.from_version, source.version),
        ("to", plan.to_version, target.version),
    ):
        if given is not None and given != actual:
            bad(
                name,
                f"方案写的是 {given}，命令指定的是 {actual}",
                f"the plan says {given}, the command {actual}",
            )
    for state, spec in source.states.items():
        if not spec.terminal and state not in plan.states:
            bad(
                f"states.{state}",
                f"第{source.version}版的办理中环节“{spec.label.zh}”未映射",
                f"v{source.version}'s non-terminal state {state!r} is not mapped",
            )
    for old, new in plan.states.items():
        if old not in source.states:
            bad(
                f"states.{old}",
                f"第{source.version}版没有环节 {old}",
                f"no state {old!r} in v{source.version}",
            )
        elif source.states[old].terminal:
            bad(
                f"states.{old}",
                f"{old} 是终结环节：已办结的案件留在第{source.version}版，不迁移",
                f"{old!r} is terminal: closed cases stay on v{source.version}",
            )
            continue
        if new not in target.states:
            bad(
                f"states.{old}",
                f"第{target.version}版没有环节 {new}",
                f"no state {new!r} in v{target.version}",
            )
        elif target.states[new].terminal:
            bad(
                f"states.{old}",
                f"{new} 是第{target.version}版的终结环节：在办案件须经办理步骤办结，不能迁入",
                f"{new!r} is terminal in v{target.version}: an open case ends by its step, "
                "not by a migration",
            )
    for state in plan.data_require:
        if state not in target.states:
            bad(
                f"data.require.{state}",
                f"第{target.version}版没有环节 {state}",
                f"no state {state!r} in v{target.version}",
            )
    renamed_to = list(plan.data_rename.values())
    for old, new in plan.data_rename.items():
        if _overlap(old, new):
            bad(f"data.rename.{old}", "新旧路径不能互相包含", "the two paths overlap")
        if renamed_to.count(new) > 1:
            bad(
                f"data.rename.{old}",
                f"多个路径都改名为 {new}",
                f"more than one path becomes {new!r}",
            )
    for old, new in plan.deadline_rename.items():
        if source.deadline(old) is None:
            bad(
                f"deadlines.rename.{old}",
                f"第{source.version}版没有期限 {old}",
                f"no deadline {old!r} in v{source.version}",
            )
        if target.deadline(new) is None:
            bad(
                f"deadlines.rename.{old}",
                f"第{target.version}版没有期限 {new}",
                f"no deadline {new!r} in v{target.version}",
            )
    targets = list(plan.deadline_rename.values())
    for old, new in plan.deadline_rename.items():
        if targets.count(new) > 1 or (
            new != old and source.deadline(new) is not None and new not in plan.deadline_rename
        ):
            bad(
                f"deadlines.rename.{old}",
                f"期限 {new} 会对应两个原期限",
                f"deadline {new!r} would stand for two deadlines of v{source.version}",
            )
    return out
