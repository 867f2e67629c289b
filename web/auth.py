"""Sign-in, sign-out and the signed-in actor.

Passwords are stored as werkzeug hashes (`generate_password_hash`, each with its own salt);
the session cookie is signed, HttpOnly and SameSite=Lax (Secure where served over https). The
cookie holds only a random session id; the session itself is kept in the database
(engine.access.sessions), so logout, a password change and a deactivation end it at once on
every worker, and it ends after an idle and an absolute limit. Role and unit are read from
the database on every request. Sign-in is throttled per account name and per client address,
stored in the database so all workers count together; a throttled or wrong attempt gets the
same kind of answer whether the account exists or not.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate, validates_schema
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from engine.access import actor as access
from engine.access import scope, sessions
from engine.directory import service as directory
from engine.errors import NotFound
from engine.inputs import InputSchema
from engine.store.unit_of_work import UnitOfWork
from web.messages import translate_message
from web.ui.common import runtime, safe_next

bp = Blueprint("auth", __name__)

#: Sign-in throttle (docs/operations.md): 5 failures of one account name, or 20 from one
#: address, within 15 minutes; then 30 s, doubling per failure, at most 15 minutes.
THROTTLE = sessions.ThrottlePolicy()

#: Minimum password length for `tongbu user add` / `tongbu user password`.
MIN_PASSWORD_LENGTH = 8


class LoginSchema(InputSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    next = fields.String(load_default=None, validate=validate.Length(max=500))


#: The one rule for a new password (sign-in's accounts, the account page, the admin pages).
PASSWORD_RULE = validate.Length(min=MIN_PASSWORD_LENGTH, max=200, error="at least {min} characters")


class PasswordSchema(InputSchema):
    password = fields.String(required=True, validate=PASSWORD_RULE)


class PasswordChangeSchema(InputSchema):
    """The account page: the password in use, the new one (the sign-in's rule) twice."""

    current_password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(required=True, validate=PASSWORD_RULE)
    confirm_password = fields.String(required=True, validate=validate.Length(max=200))

    @validates_schema
    def _two_alike(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("new_password") != data.get("confirm_password"):
            raise ValidationError(
                "the two new passwords differ / 两次输入的新密码不一致", "confirm_password"
            )
        if data.get("new_password") == data.get("current_password"):
            raise ValidationError(
                "the new password must differ from the current one", "new_password"
            )


def hash_password(password: str) -> str:
    """Validate and hash a new password (the schema names the rule that failed)."""
    data = PasswordSchema().load({"password": password})
    return generate_password_hash(data["password"])


def set_password(uow: UnitOfWork, username: str, password: str) -> None:
    """Replace a user's password hash (one short transaction)."""
    directory.set_password_hash(uow, username, hash_password(password))


def authenticate(uow: UnitOfWork, username: str, password: str) -> int | None:
    """The user's id if the user exists, is active, has a password and it matches."""
    creds = scope.credentials(uow, username)
    if creds is None or not creds["password_hash"]:
        # Spend the same time as a real check so that timing does not reveal usernames.
        check_password_hash(_DUMMY_HASH, password)
        return None
    return creds["id"] if check_password_hash(creds["password_hash"], password) else None


_DUMMY_HASH = generate_password_hash("not a password of anyone")


def session_policy() -> sessions.SessionPolicy:
    cfg = runtime().config
    return sessions.SessionPolicy(
        idle=timedelta(minutes=cfg.session_idle_minutes),
        absolute=timedelta(hours=cfg.session_hours),
    )


def _client() -> str:
    return (request.remote_addr or "unknown")[:64]


def load_actor() -> None:
    """Before each request: the signed-in actor (or None). A session that ended (logout,
    password change, deactivation, timeout) or a vanished account signs out."""
    g.actor = None
    sid = session.get("sid")
    if not sid or request.endpoint == "static" or request.path.startswith("/api/"):
        if session.get("username"):  # a cookie from before server-side sessions
            session.clear()
        return
    rt = runtime()
    username = sessions.resolve(rt.uow(), str(sid), session_policy())
    if username is None:
        session.clear()
        return
    try:
        g.actor = access.actor_for(rt.reader(), username)
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
            rt = runtime()
            username = data["username"].strip()
            wait = sessions.wait_seconds(rt.uow(), username, _client(), THROTTLE)
            if wait:
                sessions.record_attempt(rt.uow(), username, _client(), "throttled")
                error = _(
                    "Too many failed sign-ins. Wait %(seconds)s seconds, then try again.",
                    seconds=wait,
                )
                page = render_template(
                    "login.html", error=error, username=username, next_url=next_url
                )
                return page, 429, {"Retry-After": str(wait)}
            user_id = authenticate(rt.reader(), username, data["password"])
            sessions.record_attempt(rt.uow(), username, _client(), "ok" if user_id else "wrong")
            if user_id is not None:
                old = session.get("sid")
                if old:
                    sessions.end(rt.uow(), str(old), "replaced")
                session.clear()  # a new session id at every sign-in: no session fixation
                session.permanent = True
                session["sid"] = sessions.start(rt.uow(), user_id, client=_client())
                return redirect(safe_next(data["next"], url_for("pages.home")), code=303)
        error = _("Wrong username or password.")
        return render_template("login.html", error=error, username=username, next_url=next_url), 401
    if g.get("actor") is not None:
        return redirect(url_for("pages.home"))
    return render_template("login.html", error=error, username=username, next_url=next_url)


#: What a user whose password an administrator set may still reach before choosing their own.
OPEN_BEFORE_CHANGE = frozenset(
    {"auth.change_password", "auth.logout", "auth.login", "static", "pages.switch_language"}
)


def require_own_password() -> Response | None:
    """Before each page request: a password an administrator set (new user, reset) is changed
    before anything else — the administrator knows it (docs/ui.md, "Your password")."""
    actor = g.get("actor")
    if actor is None or not actor.must_change_password or request.path.startswith("/api/"):
        return None
    if request.endpoint in OPEN_BEFORE_CHANGE:
        return None
    return redirect(url_for("auth.change_password"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> Any:
    """The signed-in user chooses a new password. Every session of the account ends with the
    old one (a stolen cookie too); this browser gets a new session and stays signed in."""
    actor = g.get("actor")
    if actor is None:
        return redirect(url_for("auth.login", next=request.path))
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        fields_ = ("current_password", "new_password", "confirm_password")
        try:
            data = PasswordChangeSchema().load({k: request.form.get(k, "") for k in fields_})
        except ValidationError as err:
            messages = err.messages if isinstance(err.messages, dict) else {}
            errors = {k: [translate_message(str(m)) for m in v] for k, v in messages.items()}
            data = None
        rt = runtime()
        if (
            data is not None
            and authenticate(rt.reader(), actor.username, data["current_password"]) is None
        ):
            errors["current_password"] = [_("This is not your current password.")]
        if data is not None and not errors:
            directory.set_password_hash(
                rt.uow(), actor.username, generate_password_hash(data["new_password"])
            )
            session.clear()  # the old session ended with the old password: a new one here
            session.permanent = True
            session["sid"] = sessions.start(rt.uow(), actor.id, client=_client())
            flash(
                _("Your password is changed; any other sign-in of your account has ended."),
                "success",
            )
            return redirect(url_for("pages.home"), code=303)
        page = render_template(
            "account_password.html",
            errors=errors,
            forced=actor.must_change_password,
            min_length=MIN_PASSWORD_LENGTH,
        )
        return page, 422
    return render_template(
        "account_password.html",
        errors=errors,
        forced=actor.must_change_password,
        min_length=MIN_PASSWORD_LENGTH,
    )


@bp.post("/logout")
def logout() -> Response:
    sid = session.get("sid")
    if sid:
        sessions.end(runtime().uow(), str(sid), "logout")
    session.clear()
    return redirect(url_for("auth.login"), code=303)


def init_app(app: Flask) -> None:
    app.before_request(load_actor)
    app.before_request(require_own_password)
    app.register_blueprint(bp)
