"""The procedures as loaded: diagram, steps with roles and rules, deadlines, local defaults.

Read straight from the definitions, so a procedure added to `definitions/` appears here
(and in every form and list) without any UI code.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from web import diagram, forms
from web.ui.common import lang, runtime

bp = Blueprint("procedures", __name__)


@bp.get("/procedures")
def index() -> Any:
    rt = runtime()
    return render_template(
        "procedures.html",
        definitions=rt.definitions.latest(),
        parameters=rt.definitions.parameters.all(),
        catalogue=rt.definitions.catalogue,
    )


@bp.get("/procedures/<procedure>")
@bp.get("/procedures/<procedure>/v<int:version>")
def show(procedure: str, version: int | None = None) -> Any:
    rt = runtime()
    d = rt.definitions.get(procedure, version)
    steps = [
        {
            "t": t,
            "fields": forms.describe(d.registry.schema(t.schema)) if t.schema else [],
        }
        for t in d.transitions
    ]
    versions = [x.version for x in rt.definitions if x.procedure == procedure]
    rules = d.cited_rules
    params = [p for p in rt.definitions.parameters.all() if p.rule in rules]
    return render_template(
        "procedure.html",
        d=d,
        steps=steps,
        versions=versions,
        rules=[rt.definitions.catalogue.get(r) for r in rules if rt.definitions.catalogue.get(r)],
        parameters=params,
        diagram=diagram.render(d, None, (), lang()),
    )
