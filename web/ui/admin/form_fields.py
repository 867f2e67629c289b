"""The administrators' forms: their fields (labelled in the page's language), and reading a
post back — what was typed, without any password, and the engine's errors by input."""

from __future__ import annotations

import secrets
from typing import Any

from flask import request
from flask_babel import gettext as _
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from engine.directory import admin_read
from engine.vocabulary import ROLES, UNIT_KINDS
from web import forms
from web.ui.common import actor, runtime
from web.ui.labels import choice_label

#: A made-up password: 12 characters without look-alikes (0/O, 1/l/I), about 70 bits.
GENERATED_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
GENERATED_LENGTH = 12


def generate_password() -> str:
    return "".join(secrets.choice(GENERATED_ALPHABET) for _ in range(GENERATED_LENGTH))


def hash_or_generate(typed: str) -> tuple[str, str | None]:
    """(hash, the password to show once) — None to show when the administrator typed it.
    A typed password is checked by the sign-in's own rule (`web.auth.hash_password`)."""
    from web.auth import hash_password  # web.auth imports web.ui: not at module level

    if typed:
        return hash_password(typed), None
    made_up = generate_password()
    return hash_password(made_up), made_up


def errors(err: ValidationError) -> dict[str, list[str]]:
    """The engine's messages by input, in the page's language."""
    messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
    return forms.flatten_errors(messages, translate=forms.translate_message)


def posted(*hidden: str) -> forms.FormState:
    """What was typed, to show again beside the errors (never a password)."""
    values = MultiDict(request.form)
    for name in ("csrf_token", *hidden):
        values.pop(name, None)
    return forms.FormState(values=values)


def text(*names: str) -> dict[str, str]:
    """The posted inputs, trimmed (a missing one is blank, which the engine calls missing)."""
    return {n: request.form.get(n, "").strip() for n in names}


# ---------------------------------------------------------------- form fields


def pair(words: str) -> tuple[str, str]:
    """A label already in the page's language (gettext), as the form fields take labels."""
    return (words, words)


def all_units() -> list[dict[str, Any]]:
    return admin_read.flatten(admin_read.unit_tree(runtime().reader(), actor()))


def unit_choices(units: list[dict[str, Any]]) -> list[tuple[str, tuple[str, str]]]:
    """Units in tree order, indented by depth so the select reads as the tree."""
    pad = "　"  # an ideographic space: keeps its width in a select in every font
    return [
        (u["code"], (pad * u["depth"] + u["name_zh"], pad * u["depth"] + u["name_en"]))
        for u in units
    ]


def role_choices() -> list[tuple[str, tuple[str, str]]]:
    return [(r, choice_label(r)) for r in ROLES]


def reason(required: bool) -> forms.FormField:
    label = _("Reason") if required else _("Reason (optional)")
    help_ = _("Kept in the audit trail with your name and the time.")
    return forms.FormField(
        "reason", "reason", "textarea", pair(label), required, pair(help_), maxlength=500
    )


def new_user_fields(units: list[dict[str, Any]]) -> list[forms.FormField]:
    F = forms.FormField
    return [
        F("username", "username", "text", pair(_("Username")), True,
          pair(_("2 to 80 lowercase letters, digits, dots, dashes or underscores; used to "
                  "sign in")), maxlength=80),
        F("display_name", "display_name", "text", pair(_("Full name")), True, maxlength=120),
        F("role", "role", "select", pair(_("Role")), True, choices=role_choices()),
        F("unit", "unit", "select", pair(_("Unit")), True, pair(_(
            "They see and act on the cases of this unit and the units below it.")),
          choices=unit_choices(units)),
        F("email", "email", "email", pair(_("E-mail")), False, maxlength=200),
        F("password", "password", "password", pair(_("Initial password")), False,
          pair(_("At least 8 characters. Leave it blank to have one made up and shown to you "
                  "once.")), maxlength=200),
        reason(False),
    ]  # fmt: skip


def change_fields(units: list[dict[str, Any]]) -> list[forms.FormField]:
    return [
        forms.FormField("role", "role", "select", pair(_("Role")), True, choices=role_choices()),
        forms.FormField(
            "unit", "unit", "select", pair(_("Unit")), True, choices=unit_choices(units)
        ),
        reason(True),
    ]


def password_fields() -> list[forms.FormField]:
    help_ = _("Leave it blank to have one made up and shown to you once.")
    return [
        forms.FormField(
            "password", "password", "password", pair(_("New password")), False,
            pair(help_), maxlength=200,
        ),
        reason(True),
    ]  # fmt: skip


def token_fields() -> list[forms.FormField]:
    help_ = _("Tells tokens apart, e.g. the system that calls the API.")
    return [
        forms.FormField(
            "name", "name", "text", pair(_("Token name")), True, pair(help_), maxlength=80
        ),
        reason(False),
    ]


def new_unit_fields(units: list[dict[str, Any]]) -> list[forms.FormField]:
    F = forms.FormField
    kinds = [(k, choice_label(k)) for k in UNIT_KINDS]
    return [
        F("parent", "parent", "select", pair(_("Parent unit")), True,
          choices=unit_choices(units)),
        F("code", "code", "text", pair(_("Code")), True, pair(_(
            "Short and unique, e.g. cc-ng: lowercase letters, digits, dots, dashes or "
            "underscores. It cannot be changed later.")), maxlength=64),
        F("name_zh", "name_zh", "text", pair(_("Name in Chinese")), True, maxlength=200),
        F("name_en", "name_en", "text", pair(_("Name in English")), True, maxlength=200),
        F("kind", "kind", "select", pair(_("Kind")), True, choices=kinds),
        F("district", "district", "text", pair(_("District")), False, maxlength=100),
        reason(False),
    ]  # fmt: skip


def rename_fields() -> list[forms.FormField]:
    return [
        forms.FormField("name_zh", "name_zh", "text", pair(_("Name in Chinese")), True,
                        maxlength=200),
        forms.FormField("name_en", "name_en", "text", pair(_("Name in English")), True,
                        maxlength=200),
        reason(False),
    ]  # fmt: skip
