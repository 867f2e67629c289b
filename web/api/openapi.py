"""The OpenAPI 3.1 description, generated from the code that serves the API.

- Paths come from the URL map: every `api.*` route carries an `@operation` note.
- Schemas come from the marshmallow schemas that parse and render (`web.api.schemas`) and
  from the procedures' own step schemas (`registry.schemas`), registered under their
  registry names (`registration.documents` ...), so a new procedure's steps appear here by
  being loaded.
- Firing is one route, `/cases/{case_id}/fire/{trigger}`; the description lists one path per
  trigger of the loaded definitions, each with its step's body.

Built once per app (definitions are fixed for a process) and cached.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import fields, validate

from engine.definitions.model import Definitions
from web.api import schemas
from web.api.problems import PROBLEM_JSON, PROBLEM_TYPES

TITLE = "tongbu API"
API_VERSION = "1.0.0"
PREFIX = "/api/v1"
_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
MULTIPART = "multipart/form-data"
BINARY = {"type": "string", "format": "binary"}

DESCRIPTION = """\
JSON API of tongbu (同步): open cases of the synchronized Party-building procedures, take
their steps, read deadlines — for registration systems, Party platforms and reporting tools.

* **Auth**: `Authorization: Bearer <token>`; a token acts as its user (same role and unit
  scope as in the UI). Create one with `tongbu token create --user NAME`.
* **Concurrency**: a case's `ETag` is its version (`"3"`). Firing a step requires
  `If-Match` with it; a stale one gets **412** with the current state.
* **Retries**: send `Idempotency-Key` on POSTs; a retry gets the first 2xx answer back
  (header `Idempotent-Replayed: true`) and nothing runs twice.
* **Errors**: `application/problem+json` (RFC 9457). A step refused by a rule is **409** with
  `refusal: {rule, zh, en}`; invalid input is **422** with `errors` per field.
"""


def _schema_name(schema: Any) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    if cls.__module__.startswith("web.api."):
        return cls.__name__
    # A procedure's own schemas are named after the procedure (workflows/registration/
    # schemas.py: registration.X); those shared by procedures after the shared module
    # (workflows/routing_schemas.py, REG-7's routing of P1 and coverage: routing.X).
    module = cls.__module__.removeprefix("workflows.").removesuffix(".schemas")
    module = module.removesuffix("_schemas").removeprefix("engine.")
    return f"{module}.{cls.__name__.removesuffix('Schema')}"


def _step_data(_converter: Any, field: fields.Field, ret: dict, **_: Any) -> dict:
    """StepData → `anyOf` the step schemas' components (or an empty object: no input)."""
    if not isinstance(field, schemas.StepData) or not hasattr(field, "variants"):
        return {}
    ret.pop("additionalProperties", None)
    variants = [
        {"$ref": f"#/components/schemas/{name}"}
        if name is not None
        else {"type": "object", "maxProperties": 0, "description": "this step takes no input"}
        for name in field.variants
    ]
    return {"anyOf": variants} if len(variants) > 1 else variants[0]


def _step_field(variants: list[str | None], **kwargs: Any) -> schemas.StepData:
    f = schemas.StepData(**kwargs)
    f.variants = variants  # type: ignore[attr-defined]
    return f


def _problem_response(description: str) -> dict:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _problem_text(*slugs: str) -> str:
    return "; ".join(f"{PROBLEM_TYPES[s][1]} (`#problem-{s}`)" for s in slugs)


ETAG_HEADER = {
    "ETag": {
        "description": 'the case version as a strong entity tag, e.g. "3"; send it as If-Match',
        "required": True,
        "schema": {"type": "string"},
    }
}


def _operation(
    note: dict[str, Any], path_params: list[str], method: str, secured: bool
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": note["operation_id"],
        "summary": note["summary"],
        "tags": note.get("tags", []),
    }
    if note.get("description"):
        op["description"] = note["description"]
    params: list[dict[str, Any]] = [
        {"in": "path", "name": p, "required": True, "schema": _path_schema(p)} for p in path_params
    ]
    if note.get("args"):
        params.append({"in": "query", "schema": note["args"]})
    if note.get("if_match"):
        params.append(
            {
                "in": "header",
                "name": "If-Match",
                "required": True,
                "description": 'the ETag of the case as you read it, e.g. "3"',
                "schema": {"type": "string"},
            }
        )
    if method == "post":
        params.append(
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": False,
                "description": "a unique key per intended request (e.g. a UUID); "
                "a retry with the same key and request gets the first answer back",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            }
        )
    if params:
        op["parameters"] = params
    content: dict[str, Any] = {}
    if note.get("body") is not None:
        content["application/json"] = {"schema": note["body"]}
    if note.get("multipart") is not None:
        content[MULTIPART] = {"schema": note["multipart"]}
    if content:
        op["requestBody"] = {"required": note.get("body_required", True), "content": content}
    responses: dict[str, Any] = {}
    for status, (schema, description) in note["responses"].items():
        media = note.get("media", "application/json")
        resp: dict[str, Any] = {"description": description}
        if schema is not None:
            resp["content"] = {m: {"schema": schema} for m in _media_types(media)}
        if status in note.get("etag_on", ()):
            resp["headers"] = dict(ETAG_HEADER)
            if status == 201:
                resp["headers"]["Location"] = {
                    "description": "the new case",
                    "required": True,
                    "schema": {"type": "string"},
                }
        responses[str(status)] = resp
    errors: dict[int, list[str]] = {}

    def add(status: int, slug: str) -> None:
        errors.setdefault(status, []).append(slug)

    if secured:
        add(401, "unauthorized")
    if path_params:
        add(404, "not-found")
    if note.get("scoped"):
        add(403, "forbidden")
    if note.get("args") or note.get("body") is not None or note.get("multipart") is not None:
        add(422, "validation")
    if note.get("multipart") is not None:
        add(413, "too-large")
    if method == "post":
        add(400, "bad-request")
        add(415, "unsupported-media-type")
        add(409, "idempotency-in-progress")
        add(422, "idempotency-key-reused")
    if note.get("if_match"):
        add(412, "precondition-failed")
        add(428, "precondition-required")
    for status, slug in note.get("errors", ()):
        add(status, slug)
    for status, slugs in sorted(errors.items()):
        responses[str(status)] = _problem_response(_problem_text(*dict.fromkeys(slugs)))
    op["responses"] = responses
    if not secured:
        op["security"] = []
    return op


def _media_types(media: str | tuple[str, ...]) -> tuple[str, ...]:
    """A response's media type, or the several it may be (a document: its sniffed type)."""
    return (media,) if isinstance(media, str) else media


def _path_schema(name: str) -> dict[str, Any]:
    if name == "year":  # a calendar year (the yearly figures, INF-1/FUND-1)
        return {"type": "integer", "minimum": 2000, "maximum": 2199}
    if name.endswith("_id"):
        return {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    return {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,59}$"}


def _triggers(defs: Definitions) -> dict[str, list[str | None]]:
    """Trigger → the step schemas it takes across every loaded definition (None: no input)."""
    out: dict[str, list[str | None]] = {}
    for d in defs:
        for t in d.transitions:
            variants = out.setdefault(t.trigger, [])
            if t.schema not in variants:
                variants.append(t.schema)
    return out


def _step_form(defs: Definitions, trigger: str, body: dict[str, Any]) -> dict[str, Any]:
    """A step as multipart/form-data: `payload` (the JSON body, as text) and the documents
    it takes, one part name per material of the step in any loaded definition."""
    materials = {
        m.id: m for d in defs for t in d.transitions if t.trigger == trigger for m in t.materials
    }
    files = {
        m.id: {
            "type": "array",
            "items": BINARY,
            "description": f"{m.label.zh} / {m.label.en} ({m.rule}"
            + (", required by the step unless the case holds one)" if m.required else ")"),
        }
        for m in materials.values()
    }
    return {
        "type": "object",
        "properties": {
            "payload": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": body,
                "description": "the step's JSON body (`data`, `comment`) as text",
            },
            "file": {
                "type": "array",
                "items": BINARY,
                "description": "documents that are none of the step's materials",
            },
            **files,
        },
        "additionalProperties": False,
    }


def _dynamic_schemas(spec: APISpec, defs: Definitions) -> dict[str, Any]:
    """Schemas that depend on the loaded procedures: the opening body (one variant per
    procedure, told apart by `procedure`) and each fire body."""
    variants = {}
    for d in defs.latest():  # the newest version of each procedure opens new cases
        cls = type(
            f"OpenCase_{d.procedure}",
            (schemas.OpenCase,),
            {
                "procedure": fields.String(required=True, validate=validate.OneOf([d.procedure])),
                "data": _step_field([d.open_schema], required=d.open_schema is not None),
            },
        )
        name = f"OpenCase.{d.procedure}"
        spec.components.schema(name, schema=cls)
        variants[d.procedure] = f"#/components/schemas/{name}"
    open_case = {
        "oneOf": [{"$ref": ref} for ref in variants.values()],
        "discriminator": {"propertyName": "procedure", "mapping": variants},
    }
    fire_bodies: dict[str, Any] = {}
    for trigger, variants in sorted(_triggers(defs).items()):
        cls = type(
            f"Fire_{trigger}",
            (schemas.Fire,),
            {"data": _step_field(variants, required=None not in variants)},
        )
        name = f"Fire.{trigger}"
        spec.components.schema(name, schema=cls)
        ref = {"$ref": f"#/components/schemas/{name}"}
        fire_bodies[trigger] = (ref, None not in variants, _step_form(defs, trigger, ref))
    return {"open_case": open_case, "fire": fire_bodies}


def _routes(app: Flask) -> Iterator[tuple[str, str, list[str], dict[str, Any]]]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        note = getattr(view, "openapi", None)
        if note is None:
            continue
        path = _CONVERTER.sub(r"{\1}", rule.rule)
        params = _CONVERTER.findall(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield path, method.lower(), params, {"operation_id": rule.endpoint[4:], **note}


def build_spec(app: Flask, defs: Definitions) -> dict[str, Any]:
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title=TITLE,
        version=API_VERSION,
        openapi_version="3.1.0",
        plugins=[plugin],
        info={"description": DESCRIPTION},
    )
    plugin.converter.add_attribute_function(_step_data)
    spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "tongbu token create"}
    )
    spec.components.schema("Problem", schema=schemas.Problem)
    registry_names = sorted({n for d in defs for n in d.registry.schemas})
    registry = next(iter(defs)).registry if registry_names else None
    for name in registry_names:
        assert registry is not None
        spec.components.schema(name, schema=registry.schemas[name])
    dynamic = _dynamic_schemas(spec, defs)
    for path, method, params, note in _routes(app):
        secured = not note.get("public")
        if note.get("body") == "open_case":
            note = {**note, "body": dynamic["open_case"]}
        if note.get("expand") == "fire":
            for trigger, (body, required, form) in dynamic["fire"].items():
                concrete = path.replace("{trigger}", trigger)
                fixed = [p for p in params if p != "trigger"]
                op = _operation(
                    {
                        **note,
                        "operation_id": f"fire_{trigger}",
                        "summary": f"{note['summary']}: {trigger}",
                        "body": body,
                        "body_required": required,
                        "multipart": form,
                    },
                    fixed,
                    method,
                    secured,
                )
                spec.path(path=concrete, operations={method: op})
            continue
        spec.path(path=path, operations={method: _operation(note, params, method, secured)})
    out = spec.to_dict()
    out["security"] = [{"bearer": []}]
    out["servers"] = [{"url": "/"}]
    return out
