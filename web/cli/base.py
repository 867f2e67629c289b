"""What every `tongbu` command shares: the context, error handling, JSON output, payloads."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any

import click
from marshmallow import ValidationError, fields, validate

from engine.access import actor as access
from engine.cases.documents import TooLarge
from engine.config import Config, ConfigError
from engine.definitions import sync as definition_sync
from engine.errors import Conflict, DefinitionError, Forbidden, NotFound, TransitionRefused
from engine.inputs import InputSchema
from engine.store.migrate import SchemaBehind, require_newest
from web.runtime import Runtime, build_runtime


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=_default))


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "__dict__"):
        return vars(value)
    return str(value)


def handled(fn: Callable) -> Callable:
    """Turn domain errors into a clear message and a documented exit code."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValidationError as err:
            click.echo("invalid input / 输入有误:", err=True)
            for path, msg in _flat(err.messages):
                click.echo(f"  {path}: {msg}", err=True)
            sys.exit(2)
        except TooLarge as err:
            click.echo(f"too large / 文件过大:\n  {err}\n  {err.zh}", err=True)
            sys.exit(2)
        except TransitionRefused as err:
            r = err.refusal
            click.echo(
                f"refused by {r.rule} / 依据 {r.rule} 不予办理:\n  {r.zh}\n  {r.en}", err=True
            )
            sys.exit(3)
        except Conflict as err:
            click.echo(f"conflict / 冲突: {err}", err=True)
            sys.exit(4)
        except Forbidden as err:
            click.echo(f"forbidden / 无权限: {err.message}", err=True)
            sys.exit(5)
        except NotFound as err:
            click.echo(f"not found / 未找到: {err}", err=True)
            sys.exit(6)
        except ConfigError as err:
            click.echo("bad configuration / 配置有误:", err=True)
            for name, msg in _flat(err.messages):
                click.echo(f"  {name}: {msg}", err=True)
            sys.exit(2)
        except SchemaBehind as err:
            click.echo(str(err), err=True)
            sys.exit(1)
        except DefinitionError as err:
            click.echo("definition problems / 定义文件有误:", err=True)
            for p in err.problems:
                click.echo(f"  {p}", err=True)
            sys.exit(1)

    return wrapper


def _flat(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(messages, dict):
        for k, v in messages.items():
            out += _flat(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(messages, list):
        for m in messages:
            out += _flat(m, prefix) if not isinstance(m, str) else [(prefix or "_schema", m)]
    else:
        out.append((prefix or "_schema", str(messages)))
    return out


class PayloadArgs(InputSchema):
    """CLI payload options: --data must be a JSON object; --set takes dotted.key=value pairs."""

    data = fields.Dict(keys=fields.String(), load_default=dict)
    sets = fields.List(
        fields.String(
            validate=validate.Regexp(
                r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*=",
                error="use key=value (dotted keys nest)",
            )
        ),
        load_default=list,
    )


def build_payload(data_text: str | None, sets: tuple[str, ...]) -> dict[str, Any]:
    """Merge --data JSON and --set pairs into one payload; values in --set are JSON when they parse."""
    raw: Any = {}
    if data_text:
        try:
            raw = json.loads(data_text)
        except json.JSONDecodeError as exc:
            raise ValidationError({"--data": [f"not valid JSON: {exc}"]}) from exc
    try:
        args = PayloadArgs().load({"data": raw, "sets": list(sets)})
    except ValidationError as err:
        msgs = {("--data" if k == "data" else "--set"): v for k, v in err.messages.items()}
        raise ValidationError(msgs) from err
    payload = dict(args["data"])
    for item in args["sets"]:
        key, _, value = item.partition("=")
        try:
            parsed: Any = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        node = payload
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValidationError({"--set": [f"{key}: {part} is not an object"]})
        node[parts[-1]] = parsed
    return payload


class Ctx:
    def __init__(self) -> None:
        self._runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        """Built on first use; refuses definitions edited under a version already in use."""
        if self._runtime is None:
            rt = build_runtime(Config.from_env())
            require_newest(rt.engine)
            definition_sync.sync_definitions(rt.uow(), rt.definitions)
            self._runtime = rt
        return self._runtime


pass_ctx = click.make_pass_decorator(Ctx, ensure=True)


def _actor(rt: Runtime, username: str) -> access.Actor:
    return access.actor_for(rt.uow(), username)
