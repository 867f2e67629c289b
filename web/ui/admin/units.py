"""The unit tree (create a unit under a parent, rename one) and the audit trail's page, with
how an audit row reads in the page's language."""

from __future__ import annotations

from typing import Any

from flask import flash, render_template, request
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from engine.directory import admin, admin_read
from engine.inputs import InputSchema
from web import forms
from web.ui.admin import bp
from web.ui.admin.form_fields import errors, new_unit_fields, posted, rename_fields, text
from web.ui.common import actor, lang, lbl, parse_args, runtime, see_other
from web.ui.labels import choice_label

PER_PAGE = 50


def _units_page(
    new: forms.FormState | None = None, rename: tuple[int, forms.FormState] | None = None
) -> Any:
    tree = admin_read.unit_tree(runtime().reader(), actor())
    units = admin_read.flatten(tree)
    if new is None:
        new = forms.FormState(values=MultiDict({"parent": request.args.get("parent", "")}))

    def rename_state(unit: dict[str, Any]) -> forms.FormState:
        """The rename form of one unit: its names, or what was typed with the errors."""
        if rename is not None and rename[0] == unit["id"]:
            return rename[1]
        return forms.FormState(values=MultiDict({k: unit[k] for k in ("name_zh", "name_en")}))

    page = render_template(
        "admin_units.html",
        tree=tree,
        count=len(units),
        new=(new_unit_fields(units), new),
        rename_fields=rename_fields(),
        rename_state=rename_state,
    )
    return page, 422 if new.errors or rename else 200


@bp.get("/units")
def units() -> Any:
    return _units_page()


@bp.post("/units")
def create_unit() -> Any:
    typed = text("parent", "code", "name_zh", "name_en", "kind", "district", "reason")
    try:
        admin.create_unit(runtime().uow(), actor(), typed)
    except ValidationError as err:
        state = posted()
        state.errors = errors(err)
        return _units_page(new=state)
    flash(_("Unit %(code)s created.", code=typed["code"]), "success")
    return see_other("admin.units")


@bp.post("/units/<int:unit_id>/rename")
def rename_unit(unit_id: int) -> Any:
    try:
        changed = admin.rename_unit(
            runtime().uow(), actor(), unit_id, text("name_zh", "name_en", "reason")
        )
    except ValidationError as err:
        state = posted()
        state.errors = errors(err)
        return _units_page(rename=(unit_id, state))
    flash(_("Unit renamed.") if changed else _("Nothing to change."), "success")
    return see_other("admin.units")


class AuditArgs(InputSchema):
    kind = fields.String(load_default=None, validate=validate.OneOf(admin_read.AUDIT_KINDS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


@bp.get("/audit")
def audit() -> Any:
    args = parse_args(AuditArgs())
    page = admin_read.audit_log(
        runtime().reader(), actor(), kind=args["kind"], page=args["page"], per_page=PER_PAGE
    )
    kinds = [("user", _("users")), ("unit", _("units")), ("api_token", _("API tokens"))]
    return render_template("admin_audit.html", page=page, kind=args["kind"], kinds=kinds)


# ---------------------------------------------------------------- how the audit reads


def action_label(action: str) -> str:
    """An audit row's action in the page's language."""
    return {
        "user_created": _("user created"),
        "user_deactivated": _("user deactivated"),
        "user_reactivated": _("user reactivated"),
        "password_reset": _("password reset"),
        "user_changed": _("role or unit changed"),
        "unit_created": _("unit created"),
        "unit_renamed": _("unit renamed"),
        "token_issued": _("API token issued"),
        "token_revoked": _("API token revoked"),
    }.get(action, action)


def _value(key: str, value: Any) -> str:
    if key == "role" or key == "kind":
        return lbl(choice_label(str(value)))
    return "—" if value in (None, "") else str(value)


def audit_details(entry: dict[str, Any]) -> list[str]:
    """What an audit row's `details` say, one line each: "角色：经办人 → 督办人"."""
    names = {
        "role": _("Role"),
        "unit": _("Unit"),
        "parent": _("Parent unit"),
        "kind": _("Kind"),
        "name_zh": _("Name in Chinese"),
        "name_en": _("Name in English"),
        "user": _("User"),
        "name": _("Token name"),
        "prefix": _("Begins with"),
    }
    colon = "：" if lang() == "zh" else ": "
    lines = []
    for key, value in (entry.get("details") or {}).items():
        if key == "generated":
            lines.append(
                _("a password was made up and shown once")
                if value
                else _("typed by the administrator")
            )
        elif isinstance(value, list) and len(value) == 2:
            lines.append(
                f"{names.get(key, key)}{colon}{_value(key, value[0])} → {_value(key, value[1])}"
            )
        else:
            lines.append(f"{names.get(key, key)}{colon}{_value(key, value)}")
    return lines


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"action_label": action_label, "audit_details": audit_details}
