"""The hand-over form of the case page (REG-6): a supervisor sends a case to another unit.

`engine.cases.handover.hand_over` decides (role, unit scope, version, the unit exists and is
another); this module only draws the form and turns the post into its payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from engine.access.actor import Actor
from engine.inputs import InputSchema
from web import forms
from web.ui.case_history import Units, unit_label

POSTED = "@hand_over"
"""What a posted hand-over form is called among the page's forms (no step can be named so)."""


class Controls(InputSchema):
    """The inputs of the form that are not the engine's payload."""

    version = fields.Integer(required=True, data_key="_version", validate=validate.Range(min=1))


@dataclass
class HandOverForm:
    """The form: every unit of the tree but the case's own, a reason, what the user typed."""

    fields: list[forms.FormField]
    state: forms.FormState
    current_unit: str
    open: bool = False


def offered(who: Actor, case: dict[str, Any]) -> bool:
    """Whether to draw the form: for those `hand_over` accepts (a supervisor or an
    administrator, an open case). The engine decides again on the post."""
    return case["status"] == "open" and who.role in ("supervisor", "admin")


def _fields(units: list[dict[str, Any]], current_unit_id: int) -> list[forms.FormField]:
    unit, reason = _("Unit that takes the case over"), _("Reason for the hand-over")
    choices = [
        (u["code"], (u["name_zh"], u["name_en"])) for u in units if u["id"] != current_unit_id
    ]
    return [
        forms.FormField("unit", "unit", "select", (unit, unit), True, choices=choices),
        forms.FormField("reason", "reason", "textarea", (reason, reason), True, maxlength=500),
    ]


def form(
    case: dict[str, Any], units: list[dict[str, Any]], posted: forms.FormState | None
) -> HandOverForm:
    by_id: Units = {u["id"]: u for u in units}
    return HandOverForm(
        fields=_fields(units, case["unit_id"]),
        state=posted or forms.FormState(),
        current_unit=unit_label(by_id, case["unit_id"]),
        open=posted is not None,
    )


def payload(posted: MultiDict, version: int) -> dict[str, Any]:
    """The engine's payload from the post: blank inputs are missing (required → named)."""
    out: dict[str, Any] = {
        k: posted[k].strip() for k in ("unit", "reason") if posted.get(k, "").strip()
    }
    return {**out, "expected_version": version}


def field_errors(err: ValidationError) -> dict[str, list[str]]:
    """The engine's messages by input; the version (a hidden input) above the form."""
    messages = dict(err.messages) if isinstance(err.messages, dict) else {"_schema": err.messages}
    if "expected_version" in messages:
        messages["_schema"] = messages.pop("expected_version")
    return forms.flatten_errors(messages, translate=forms.translate_message)
