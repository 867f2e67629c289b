"""The users' pages: the list, a new user, one user with their role, unit, access, password
and API tokens. Each post is one call of `engine.directory.admin` (change and audit row in
one transaction); a made-up password or a new token's secret is shown once, never kept."""

from __future__ import annotations

from typing import Any

from flask import flash, render_template, request
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from engine.directory import admin, admin_read
from engine.directory import read as directory_read
from engine.inputs import InputSchema
from engine.vocabulary import ROLES
from web import forms
from web.ui.admin import bp
from web.ui.admin.form_fields import (
    all_units,
    change_fields,
    errors,
    hash_or_generate,
    new_user_fields,
    password_fields,
    posted,
    reason,
    text,
    token_fields,
)
from web.ui.common import actor, parse_args, runtime, see_other

PER_PAGE = 50


class UserListArgs(InputSchema):
    unit = fields.Integer(load_default=None, validate=validate.Range(min=1))
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    active = fields.String(load_default=None, validate=validate.OneOf(("yes", "no")))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


@bp.get("/")
def index() -> Response:
    return see_other("admin.users")


@bp.get("/users")
def users() -> Any:
    args = parse_args(UserListArgs())
    active = {"yes": True, "no": False}.get(args["active"] or "")
    filt = directory_read.UserFilter(unit_id=args["unit"], role=args["role"], active=active)
    page = directory_read.list_users(
        runtime().reader(), actor(), filt, page=args["page"], per_page=PER_PAGE
    )
    return render_template("admin_users.html", page=page, args=args, units=all_units(), roles=ROLES)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user() -> Any:
    units = all_units()
    state, status = forms.FormState(), 200
    if request.method == "POST":
        typed = text("username", "display_name", "role", "unit", "email", "password", "reason")
        payload = {k: typed[k] for k in ("username", "display_name", "role", "unit", "email")}
        try:
            try:
                password_hash, shown = hash_or_generate(typed["password"])
            except ValidationError as err:  # say at once what else is wrong too
                raise ValidationError(
                    {**admin.new_user_problems(payload), **err.messages}
                ) from None
            user_id = admin.create_user(
                runtime().uow(), actor(), payload,
                password_hash=password_hash, reason=typed["reason"],
            )  # fmt: skip
        except ValidationError as err:
            state, status = posted("password"), 422
            state.errors = errors(err)
        else:
            if shown is None:
                flash(_("User %(name)s created.", name=typed["username"]), "success")
                return see_other("admin.user", user_id=user_id)
            return _secret_page(user_id, "password", shown)
    return render_template(
        "admin_user_new.html", fields=new_user_fields(units), state=state
    ), status


def _secret_page(user_id: int, kind: str, secret: str) -> Any:
    """A password or token shown once: the page is not cached (web: Cache-Control no-store)
    and nothing keeps it; reloading does not show it again."""
    who = admin_read.user(runtime().reader(), actor(), user_id)
    return render_template("admin_secret.html", user=who, kind=kind, secret=secret)


def _user_page(user_id: int, posted: dict[str, forms.FormState] | None = None) -> Any:
    """The user's page; `posted` holds the one form sent back with its errors (422)."""
    who = admin_read.user(runtime().reader(), actor(), user_id)
    units = all_units()
    posted = posted or {}
    defaults = MultiDict({"role": who["role"], "unit": who["unit_code"]})
    page = render_template(
        "admin_user.html",
        user=who,
        change=(change_fields(units), posted.get("change", forms.FormState(values=defaults))),
        password=(password_fields(), posted.get("password", forms.FormState())),
        token=(token_fields(), posted.get("token", forms.FormState())),
        access=([reason(True)], posted.get("access", forms.FormState())),
        revoke=posted.get("revoke"),
        revoke_id=request.view_args.get("token_id") if request.view_args else None,
    )
    return page, 422 if posted else 200


@bp.get("/users/<int:user_id>")
def user(user_id: int) -> Any:
    return _user_page(user_id)


@bp.post("/users/<int:user_id>/change")
def change_user(user_id: int) -> Any:
    try:
        changed = admin.change_user(
            runtime().uow(), actor(), user_id, text("role", "unit", "reason")
        )
    except ValidationError as err:
        state = posted()
        state.errors = errors(err)
        return _user_page(user_id, {"change": state})
    flash(_("Role and unit saved.") if changed else _("Nothing to change."), "success")
    return see_other("admin.user", user_id=user_id)


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int) -> Any:
    active = request.form.get("active") == "1"
    try:
        changed = admin.set_active(
            runtime().uow(), actor(), user_id, active, text("reason")["reason"]
        )
    except ValidationError as err:
        state = posted()
        state.errors = errors(err)
        return _user_page(user_id, {"access": state})
    if changed:
        flash(
            _("Reactivated: they can sign in again.")
            if active
            else _("Deactivated: their sessions have ended and their API tokens are revoked."),
            "success",
        )
    return see_other("admin.user", user_id=user_id)


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int) -> Any:
    typed = text("password", "reason")
    try:
        password_hash, shown = hash_or_generate(typed["password"])
        admin.reset_password(
            runtime().uow(), actor(), user_id,
            password_hash=password_hash, generated=shown is not None, reason=typed["reason"],
        )  # fmt: skip
    except ValidationError as err:
        state = posted("password")
        state.errors = errors(err)
        return _user_page(user_id, {"password": state})
    if shown is not None:
        return _secret_page(user_id, "password", shown)
    flash(_("Password set; their open sessions have ended."), "success")
    return see_other("admin.user", user_id=user_id)


@bp.post("/users/<int:user_id>/tokens")
def issue_token(user_id: int) -> Any:
    try:
        issued = admin.issue_token(runtime().uow(), actor(), user_id, text("name", "reason"))
    except ValidationError as err:
        state = posted()
        state.errors = errors(err)
        return _user_page(user_id, {"token": state})
    return _secret_page(user_id, "token", issued.token)


@bp.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
def revoke_token(user_id: int, token_id: int) -> Any:
    try:
        done = admin.revoke_token(
            runtime().uow(), actor(), token_id, text("reason")["reason"], user_id=user_id
        )
    except ValidationError as err:
        state = posted()
        state.errors = errors(err)
        return _user_page(user_id, {"revoke": state})
    flash(_("Token revoked.") if done else _("The token was revoked already."), "success")
    return see_other("admin.user", user_id=user_id)
