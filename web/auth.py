"""Sign-in, sign-out and the signed-in actor.

Passwords are stored as werkzeug hashes (`generate_password_hash`, the demo loader uses
the same); the session cookie is signed, HttpOnly and SameSite=Lax (Secure where served
over https). The session holds only the username: role and unit are read from the database
on every request, so a changed role or a deactivated account takes effect at once.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from engine.access import actor as access
from engine.access import scope
from engine.directory import service as directory
from engine.errors import NotFound
from engine.store.unit_of_work import UnitOfWork
from web.ui.common import runtime, safe_next

bp = Blueprint("auth", __name__)

#: Minimum password length for `tongbu user add` / `tongbu user password`.
MIN_PASSWORD_LENGTH = 8


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    next = fields.String(load_default=None, validate=validate.Length(max=500))


class PasswordSchema(Schema):
    password = fields.String(
        required=True,
        validate=validate.Length(
            min=MIN_PASSWORD_LENGTH, max=200, error="at least {min} characters"
        ),
    )


def hash_password(password: str) -> str:
    """Validate and hash a new password (the schema names the rule that failed)."""
    data = PasswordSchema().load({"password": password})
    return generate_password_hash(data["password"])


def set_password(uow: UnitOfWork, username: str, password: str) -> None:
    """Replace a user's password hash (one short transaction)."""
    directory.set_password_hash(uow, username, hash_password(password))


def authenticate(uow: UnitOfWork, username: str, password: str) -> bool:
    """True if the user exists, is active, has a password and it matches."""
    creds = scope.credentials(uow, username)
    if creds is None or not creds["password_hash"]:
        # Spend the same time as a real check so that timing does not reveal usernames.
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(creds["password_hash"], password)


_DUMMY_HASH = generate_password_hash("not a password of anyone")


def load_actor() -> None:
    """Before each request: the signed-in actor (or None); a vanished account signs out."""
    g.actor = None
    username = session.get("username")
    if not username or request.endpoint == "static" or request.path.startswith("/api/"):
        return
    try:
        g.actor = access.actor_for(runtime().reader(), username)
    except NotFound:
        session.clear()


def require_login() -> Response | None:
    """A `before_request` hook of the page blueprints: anonymous visitors sign in first."""
    if g.get("actor") is None:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    username = ""
    next_url = safe_next(request.values.get("next"))
    if request.method == "POST":
        try:
            data = LoginSchema().load(
                {k: request.form.get(k, "") for k in ("username", "password")}
                | {"next": request.form.get("next") or None}
            )
        except ValidationError:
            data = None
        if data is not None:
            username = data["username"].strip()
            if authenticate(runtime().reader(), username, data["password"]):
                session.clear()  # no session fixation: a fresh session for the signed-in user
                session.permanent = True
                session["username"] = username
                return redirect(safe_next(data["next"], url_for("pages.home")), code=303)
        error = _("Wrong username or password.")
        return render_template("login.html", error=error, username=username, next_url=next_url), 401
    if g.get("actor") is not None:
        return redirect(url_for("pages.home"))
    return render_template("login.html", error=error, username=username, next_url=next_url)


@bp.post("/logout")
def logout() -> Response:
    session.clear()
    return redirect(url_for("auth.login"), code=303)


def init_app(app: Flask) -> None:
    app.before_request(load_actor)
    app.register_blueprint(bp)
