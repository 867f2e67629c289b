"""The description of the API: OpenAPI 3.1, and a readable page of it."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app

from web.api import bp
from web.api.common import json_response, operation, runtime
from web.api.docs_page import render_docs
from web.api.openapi import build_spec

_SPEC_KEY = "tongbu.api.openapi"


def spec() -> dict[str, Any]:
    """Built on first use and kept: the definitions cannot change under a running process."""
    cached = current_app.extensions.get(_SPEC_KEY)
    if cached is None:
        cached = current_app.extensions[_SPEC_KEY] = build_spec(current_app, runtime().definitions)
    return cached


@bp.get("/openapi.json")
@operation(
    summary="This API's OpenAPI 3.1 description",
    tags=["meta"],
    public=True,
    responses={200: ({"type": "object"}, "the OpenAPI document")},
)
def openapi_json() -> Response:
    return json_response(spec())


@bp.get("/docs")
@operation(
    summary="This API's description as a page",
    tags=["meta"],
    public=True,
    media="text/html",
    responses={200: ({"type": "string"}, "an HTML page")},
)
def docs() -> Response:
    return Response(render_docs(spec()), mimetype="text/html")
