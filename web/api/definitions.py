"""Procedure definitions: what the engine runs, readable by machines and as a diagram."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from werkzeug.exceptions import ServiceUnavailable

from engine.calendar import Period
from engine.definitions.model import Definition
from web import diagram
from web.api import bp, resources, schemas
from web.api.common import args, json_response, operation, runtime


def iso_period(p: Period | None) -> str | None:
    return None if p is None else p.isoformat()


def _definition(procedure: str) -> Definition:
    a = args(schemas.DefinitionArgs)
    return runtime().definitions.get(procedure, a["version"])


def _links(d: Definition) -> dict[str, str]:
    return {
        "href": url_for("api.get_definition", procedure=d.procedure, version=d.version),
        "diagram": url_for("api.definition_diagram", procedure=d.procedure, version=d.version),
    }


@bp.get("/definitions")
@operation(
    summary="List procedure definitions",
    description="Every loaded (procedure, version); `latest` opens new cases, older versions "
    "keep serving the cases pinned to them.",
    tags=["definitions"],
    responses={200: (resources.DefinitionList, "the definitions")},
)
def list_definitions() -> Response:
    defs = runtime().definitions
    latest = {d.key for d in defs.latest()}
    items: list[dict[str, Any]] = [
        {
            "procedure": d.procedure,
            "version": d.version,
            "label": d.label,
            "latest": d.key in latest,
            "file": d.file,
            "content_hash": d.content_hash,
            **_links(d),
        }
        for d in defs
    ]
    return json_response(resources.DefinitionList().dump({"items": items}))


@bp.get("/definitions/<procedure>")
@operation(
    summary="Read a procedure definition",
    description="States, transitions (with roles, guards, input schema and rules), deadlines "
    "and the text of the rules it cites.",
    tags=["definitions"],
    args=schemas.DefinitionArgs,
    responses={200: (resources.Definition, "the definition")},
)
def get_definition(procedure: str) -> Response:
    d = _definition(procedure)
    cited = d.cited_rules
    body = {
        "procedure": d.procedure,
        "version": d.version,
        "label": d.label,
        "file": d.file,
        "content_hash": d.content_hash,
        "initial": d.initial,
        "open_schema": d.open_schema,
        "states": [
            {
                "id": s.id,
                "label": s.label,
                "terminal": s.terminal,
                "initial": s.id == d.initial,
                "waiting": s.waiting,
            }
            for s in d.states.values()
        ],
        "transitions": [
            {
                "trigger": t.trigger,
                "sources": list(t.sources),
                "dest": t.dest,
                "label": t.label,
                "roles": list(t.roles),
                "schema": t.schema,
                "guards": list(t.guards),
                "rules": list(t.rules),
                "hand_over": t.hand_over,
            }
            for t in d.transitions
        ],
        "reactions": [
            {
                "on": list(r.on),
                "do": r.do,
                "procedure": r.procedure,
                "trigger": r.trigger,
                "rule": r.rule,
                "label": r.label,
                "match": dict(r.match),
                "payload": dict(r.payload),
            }
            for r in d.reactions
        ],
        "deadlines": [
            {
                "id": x.id,
                "label": x.label,
                "rule": x.rule,
                "period": x.period_text,
                "anchor": x.anchor,
                "opens_on": list(x.opens_on),
                "closes_on": list(x.closes_on),
                "remind_before": iso_period(x.remind_before),
                "escalation": [
                    {"level": e.level, "to": e.to, "after": iso_period(e.after)}
                    for e in x.escalation
                ],
            }
            for x in d.deadlines
        ],
        "rules": [
            {"id": r.id, "zh": r.zh, "en": r.en, "sources": list(r.sources)}
            for r in (d.catalogue.get(rid) for rid in cited)
            if r is not None
        ],
        "diagram": _links(d)["diagram"],
    }
    return json_response(resources.Definition().dump(body))


@bp.get("/definitions/<procedure>/diagram.svg")
@operation(
    summary="A procedure definition as an SVG diagram",
    description="Drawn from the definition itself and laid out by Graphviz: states (a dot "
    "points at the initial one, terminal ones doubled) and steps, labelled in Chinese and "
    "English with state ids and triggers; hover for the rules. 503 where Graphviz's `dot` "
    "is not installed.",
    tags=["definitions"],
    args=schemas.DefinitionArgs,
    media="image/svg+xml",
    responses={200: ({"type": "string"}, "the diagram")},
)
def definition_diagram(procedure: str) -> Response:
    d = _definition(procedure)
    try:
        return Response(diagram.document(d), mimetype="image/svg+xml")
    except diagram.GraphvizMissing as err:
        raise ServiceUnavailable(str(err)) from err
