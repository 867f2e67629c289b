"""The web adapter: HTTP in, one service call, HTML/JSON out. No rules live here."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

from engine.config import Config
from engine.definitions import sync as definition_sync
from engine.inputs import INT_MAX
from web.runtime import Runtime, build_runtime

csrf = CSRFProtect()
babel = Babel()

#: Content-Security-Policy for the HTML pages: every asset is served by the package itself.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
)


def select_locale() -> str:
    """An explicit switch (cookie) wins; then the browser's Accept-Language; then Chinese."""
    from web.ui.common import LANG_COOKIE, LANGUAGES

    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    for value, _quality in request.accept_languages:
        primary = value.split("-")[0].split("_")[0].lower()
        if primary in LANGUAGES:
            return primary
    return "zh"


class BoundedInt(IntegerConverter):
    """`<int:…>` limited to the database's INTEGER range."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def create_app(
    config: Config | None = None,
    *,
    runtime: Runtime | None = None,
    settings: dict[str, Any] | None = None,
) -> Flask:
    """Application factory: no module-level app, no global session.

    `settings` overrides Flask settings (tests use it, e.g. to switch CSRF off for a test
    that is not about CSRF); everything else comes from the `Config` (TONGBU_* variables).
    """
    runtime = runtime or build_runtime(config or Config.from_env())
    app = Flask(__name__)
    # Every `<int:…>` in a route is an id of a database INTEGER: a larger one names nothing
    # (404), instead of reaching the database and failing there (issue 18).
    app.url_map.converters["int"] = BoundedInt
    app.config.update(
        SECRET_KEY=runtime.config.secret_key,
        TESTING=runtime.config.testing,
        SESSION_COOKIE_NAME="tongbu_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure cookies need https; `make run` serves plain http on 127.0.0.1: a switch.
        SESSION_COOKIE_SECURE=runtime.config.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=runtime.config.session_hours),
        # A caseworker may keep a form open for a long time: the token lives as long as the
        # session (which expires), not one hour.
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="zh",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
    )
    app.config.update(settings or {})
    app.extensions["tongbu"] = runtime
    # Refuse to serve definitions whose meaning changed under a version already in use.
    definition_sync.sync_definitions(runtime.uow(), runtime.definitions)
    # Document files a crashed process left staged: finished or removed (engine.store.blobs).
    runtime.recover_documents()

    from web import api, auth, errors, pages
    from web.ui import register_ui
    from web.ui.casefile import allow_uploads

    # Before CSRF reads the form: a request with documents may exceed MAX_CONTENT_LENGTH.
    app.before_request(allow_uploads)
    csrf.init_app(app)
    # The API authenticates with bearer tokens, never with the session cookie: no CSRF there.
    csrf.exempt(api.bp)
    babel.init_app(app, locale_selector=select_locale, default_locale="zh")
    errors.init_app(app)
    auth.init_app(app)
    app.register_blueprint(pages.bp)
    register_ui(app)
    app.register_blueprint(api.bp)

    @app.after_request
    def _headers(resp: Any) -> Any:
        if not request.path.startswith("/api/"):
            resp.headers.setdefault("Content-Security-Policy", CSP)
            resp.headers.setdefault("X-Frame-Options", "DENY")
            if resp.mimetype == "text/html":
                resp.headers.setdefault("Cache-Control", "no-store")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp

    return app
