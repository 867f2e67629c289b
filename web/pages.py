"""The start page (each role lands where its work is), the language switch, the health check."""

from __future__ import annotations

from flask import Blueprint, g, make_response, redirect, request, url_for
from werkzeug.exceptions import NotFound as HTTPNotFound
from werkzeug.wrappers import Response

from web.ui.common import LANG_COOKIE, LANGUAGES, safe_next

bp = Blueprint("pages", __name__)

#: The language choice is remembered for a year (it is not personal data).
LANG_COOKIE_SECONDS = 365 * 24 * 3600


@bp.get("/")
def home() -> Response:
    """Caseworkers start at their inbox, supervisors at their dashboard."""
    actor = g.get("actor")
    if actor is None:
        return redirect(url_for("auth.login"))
    if actor.role in ("supervisor", "admin"):
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("cases.inbox"))


@bp.get("/lang/<code>")
def switch_language(code: str) -> Response:
    """The switch on every page: a plain link, so it works without JavaScript."""
    if code not in LANGUAGES:
        raise HTTPNotFound()
    resp = make_response(redirect(safe_next(request.args.get("next"), url_for("pages.home"))))
    resp.set_cookie(
        LANG_COOKIE,
        code,
        max_age=LANG_COOKIE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=bool(request.is_secure),
    )
    return resp


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
