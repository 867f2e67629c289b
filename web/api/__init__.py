"""JSON API, /api/v1 (docs/api.md): the same services as the UI, for the systems around it.

Bearer tokens (`tongbu token create`) act as their user; errors are problem+json; the
OpenAPI 3.1 description is generated from the code at /api/v1/openapi.json, readable at
/api/v1/docs.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

bp = Blueprint("api", __name__, url_prefix="/api/v1")


MAX_ID = 2**31 - 1  # ids are 32-bit integers in both databases


@bp.url_value_preprocessor
def _ids_in_range(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """An id no table can hold names nothing: 404 (the databases would refuse to compare)."""
    for name, value in (values or {}).items():
        if name.endswith("_id") and isinstance(value, int) and value > MAX_ID:
            raise NotFound(f"no {name.removesuffix('_id')} {value}")


def _id_past_range(path: str) -> bool:
    return any(int(n) > MAX_ID for n in re.findall(r"/([0-9]+)(?=/|$)", path))


@bp.before_app_request
def _routing_errors_as_problems() -> Response | None:
    """Unknown API paths, and known ones with a method they do not take, answer as
    problem+json (405 with its Allow header) like every other API error.

    Routing fails before a blueprint is chosen, so the blueprint's error handlers never see
    these; this hook runs for every request but acts only on routing errors under /api/v1.
    """
    exc = request.routing_exception
    prefix = bp.url_prefix or ""
    if exc is None or isinstance(exc, RequestRedirect):
        return None
    if request.path != prefix and not request.path.startswith(prefix + "/"):
        return None
    if isinstance(exc, MethodNotAllowed) and _id_past_range(request.path):
        # werkzeug checks the method before the id's converter: a path with an id no table
        # can hold would answer 405 where another method shares the route. It names nothing.
        exc = NotFound("no such resource: an id past the databases' INTEGER names nothing")
    from web.api.problems import http_problem

    return http_problem(exc)  # type: ignore[arg-type]


@bp.before_request
def _authenticate() -> None:
    """Every route needs a token except those whose OpenAPI note says `public`."""
    from web.api.common import authenticate

    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "openapi", {}).get("public"):
        return
    authenticate()


from web.api import (  # noqa: E402  (the views attach themselves to `bp`)
    annual,
    campaigns,
    casefile,
    cases,
    control,
    deadlines,
    definitions,
    meta,
    migration,
    organizations,
    problems,
    record,
    reports,
    yearly,
)

problems.register(bp)

__all__ = [
    "annual",
    "bp",
    "campaigns",
    "casefile",
    "cases",
    "control",
    "deadlines",
    "definitions",
    "meta",
    "migration",
    "organizations",
    "record",
    "reports",
    "yearly",
]
