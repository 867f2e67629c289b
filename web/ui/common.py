"""What every page needs: the runtime, the signed-in actor, the language, labels and times.

Views stay short: parse the query with a marshmallow schema, call one service or query,
render. Nothing here decides whether a step is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from flask import current_app, g, redirect, request, url_for
from flask_babel import get_locale
from marshmallow import Schema, ValidationError
from werkzeug.wrappers import Response

from engine.access.actor import Actor
from engine.calendar import SHANGHAI, local_date
from engine.definitions.model import Definition, Label
from engine.inputs import raw_problems
from engine.oversight.figures import Moment
from web.runtime import Runtime

LANGUAGES = ("zh", "en")
LANG_COOKIE = "tongbu_lang"


def runtime() -> Runtime:
    return current_app.extensions["tongbu"]


def actor() -> Actor:
    """The signed-in user as the services know them (set by `web.auth.load_actor`)."""
    return g.actor


def lang() -> str:
    loc = get_locale()
    return "en" if loc is not None and loc.language == "en" else "zh"


def lbl(value: Any) -> str:
    """A bilingual label (definitions' `Label`, a (zh, en) pair or a dict) in the page language."""
    if value is None:
        return ""
    if isinstance(value, Label):
        return value.get(lang())
    if isinstance(value, tuple | list) and len(value) == 2:
        return value[0] if lang() == "zh" else value[1]
    if isinstance(value, Mapping) and "zh" in value:
        return value["zh"] if lang() == "zh" else value.get("en", value["zh"])
    return str(value)


def unit_name(row: Mapping[str, Any], prefix: str = "unit") -> str:
    return row.get(f"{prefix}_zh") if lang() == "zh" else row.get(f"{prefix}_en")


def now() -> datetime:
    """The request's one instant, read from the runtime's clock once per request, so that
    every figure, list and date of a page is judged at the same time."""
    if "tongbu_now" not in g:
        g.tongbu_now = runtime().clock.now()
    return g.tongbu_now


def today() -> date:
    """Today in Shanghai by the runtime's clock (tests and demos may fix it)."""
    return local_date(now())


def moment() -> Moment:
    """The request's instant and the stall threshold (ACC-1), for the oversight figures."""
    return Moment.of(runtime().definitions, now())


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(SHANGHAI).strftime(fmt)


def definition_for(procedure: str, version: int | None = None) -> Definition | None:
    from engine.errors import NotFound

    try:
        return runtime().definitions.get(procedure, version)
    except NotFound:
        return None


def procedure_label(procedure: str, version: int | None = None) -> str:
    d = definition_for(procedure, version)
    return lbl(d.label) if d else procedure


def state_label(procedure: str, version: int | None, state: str) -> str:
    d = definition_for(procedure, version)
    if d is None or state not in d.states:
        return state
    return lbl(d.states[state].label)


def parse_args(schema: Schema, args: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Validate query arguments; empty values count as absent (a GET form sends them)."""
    source = request.args if args is None else args
    raw = {k: v for k, v in source.items() if v != ""}
    problems = raw_problems(raw)
    if problems:
        raise ValidationError(problems)
    return schema.load(raw)


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments changed (None removes one)."""
    args = {k: v for k, v in request.args.items()}
    for k, v in changes.items():
        if v is None:
            args.pop(k, None)
        else:
            args[k] = v
    query = urlencode(args)
    return request.path + (f"?{query}" if query else "")


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a same-site path: a `next=` parameter must never send the user to another site.

    Browsers drop tabs and line breaks from a URL and read `\\` as `/`, so `/\t/evil` and
    `/%09/evil` become `//evil` — another host. Such a target, one with any control or
    percent-encoded control character, and one that parses with a host or scheme, is refused."""
    if not target or len(target) > 2000:
        return default
    decoded = unquote(target)
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target + decoded):
        return default
    for candidate in (target, decoded):
        squeezed = candidate.replace("\\", "/")
        if not squeezed.startswith("/") or squeezed.startswith("//"):
            return default
        parts = urlsplit(squeezed)
        if parts.scheme or parts.netloc:
            return default
    return target


def see_other(endpoint: str, **values: Any) -> Response:
    """Post/redirect/get: 303 so that a reload never posts twice."""
    return redirect(url_for(endpoint, **values), code=303)
