"""The web adapter: HTTP in, one service call, HTML/JSON out. No rules live here."""

from __future__ import annotations

from flask import Flask

from engine import services
from web.config import Config
from web.runtime import Runtime, build_runtime


def create_app(config: Config | None = None, *, runtime: Runtime | None = None) -> Flask:
    """Application factory: no module-level app, no global session."""
    runtime = runtime or build_runtime(config or Config.from_env())
    app = Flask(__name__)
    app.config["SECRET_KEY"] = runtime.config.secret_key
    app.config["TESTING"] = runtime.config.testing
    app.extensions["tongbu"] = runtime
    # Refuse to serve definitions whose meaning changed under a version already in use.
    services.sync_definitions(runtime.uow(), runtime.definitions)

    from web import api, errors, pages

    errors.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    return app
