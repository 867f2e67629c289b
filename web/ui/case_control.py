"""The case page's owner card and supervisor corrections (issue 15): who owns the case, claim,
assign, delegate, end a delegation; step back, suspend, resume, cancel — and the suspension
shown beside the legal due dates.

`engine.cases.control.case_control` decides which forms to draw (a form appears only where
the engine would accept it now) and the engine functions decide again on the post; this module
draws the forms, turns a post into the engine's payload and shows what was wrong beside the
field. A correction needs a reason and a ticked confirmation (a compensating event stays in
the history for good). The partial `_case_control.html` reaches the panel through the template
global `case_control_panel`, so the case page needs no new argument.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, flash, g, request
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from engine.cases import correction, owners
from engine.cases import listing as case_lists
from engine.cases.control import Control, case_control
from engine.errors import Conflict
from engine.inputs import InputSchema
from web import forms
from web.ui.case_history import all_units, unit_label
from web.ui.case_page import render_case
from web.ui.common import actor, lbl, moment, runtime, see_other

bp = Blueprint("control", __name__)

OWNER_FORMS = ("claim", "assign", "delegate", "end_delegation")
CORRECTION_FORMS = ("step_back", "suspend", "resume", "cancel")


class Version(InputSchema):
    version = fields.Integer(required=True, data_key="_version", validate=validate.Range(min=1))


@dataclass
class ControlForm:
    """One form of the panel: its inputs, what was typed and wrong, whether it is open."""

    action: str
    fields: list[forms.FormField]
    state: forms.FormState = field(default_factory=lambda: forms.FormState())
    open: bool = False


@dataclass
class Panel:
    control: Control
    forms: dict[str, ControlForm]
    conflict: bool = False
    unit: str = ""
    """The case's unit by name (said where nobody owns the case)."""

    @property
    def corrections(self) -> list[ControlForm]:
        return [self.forms[a] for a in CORRECTION_FORMS if a in self.forms]


def _text(name: str, label: tuple[str, str], required: bool) -> forms.FormField:
    return forms.FormField(name, name, "textarea", label, required, maxlength=500)


REASON = ("理由", "Reason")
NOTE = ("备注（可不填）", "Note (optional)")
CONFIRM = (
    "我确认：此项纠正将作为一条记录永久留在案件历史中",
    "I confirm: this correction stays in the case's history for good",
)


def _people(c: Control, but: int | None) -> list[tuple[str, tuple[str, str]]]:
    return [
        (p.username, (f"{p.display_name}（{p.username}）", f"{p.display_name} ({p.username})"))
        for p in c.colleagues
        if p.id != but
    ]


def _fields(c: Control, action: str) -> list[forms.FormField]:
    """The inputs of each form, named as the engine's payload."""
    owner_id = c.owner.id if c.owner else None
    if action in ("claim", "end_delegation"):
        return [_text("reason", NOTE, False)]
    if action == "assign":
        reassign = c.owner is not None
        return [
            forms.FormField(
                "user", "user", "select", ("承办人", "Owner"), True, choices=_people(c, owner_id)
            ),
            _text("reason", REASON if reassign else NOTE, reassign),
        ]
    if action == "delegate":
        return [
            forms.FormField(
                "user", "user", "select", ("受托人", "Delegate"), True, choices=_people(c, owner_id)
            ),
            forms.FormField(
                "until", "until", "date", ("委托至（含当日）", "Until (inclusive)"), True
            ),
            _text("reason", REASON, True),
        ]
    head: list[forms.FormField] = []
    if action == "step_back":
        head = [
            forms.FormField(
                "to_state",
                "to_state",
                "select",
                ("退回到", "Back to"),
                True,
                choices=[(s.state, (s.label.zh, s.label.en)) for s in c.earlier_states],
            )
        ]
    confirm = forms.FormField("confirm", "confirm", "boolean", CONFIRM, True)
    return [*head, _text("reason", REASON, True), confirm]


def panel(case_id: int) -> Panel:
    """The panel for the case page, built once per request (with a failed post's input)."""
    cached = g.get("case_control_panel")
    if cached is not None and cached.control.case_id == case_id:
        return cached
    rt = runtime()
    c = case_control(rt.reader(), rt.definitions, case_id, actor=actor())
    posted = g.get("case_control_posted")
    built = {
        a: ControlForm(a, _fields(c, a)) for a in (*OWNER_FORMS, *CORRECTION_FORMS) if c.may(a)
    }
    conflict = False
    if posted is not None:
        action, state, conflict = posted
        if action in built:
            built[action].state, built[action].open = state, True
    unit = unit_label({u["id"]: u for u in all_units()}, c.unit_id) if c.owner is None else ""
    out = g.case_control_panel = Panel(c, built, conflict, unit)
    return out


def owner_counts() -> dict[str, int]:
    """Open cases per owner filter for the inbox's owner tabs (one statement)."""
    return case_lists.counts_by_owner(runtime().reader(), actor(), moment())


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"case_control_panel": panel, "owner_counts": owner_counts}


# ---------------------------------------------------------------- posts


def _payload(action: str) -> dict[str, Any]:
    keys = {"assign": ("user", "reason"), "delegate": ("user", "until", "reason")}.get(
        action, ("to_state", "reason") if action == "step_back" else ("reason",)
    )
    return {k: request.form[k].strip() for k in keys if request.form.get(k, "").strip()}


def _again(
    case_id: int, action: str, state: forms.FormState, status: int, conflict: bool = False
) -> Any:
    g.case_control_posted = (action, state, conflict)
    g.pop("case_control_panel", None)
    return render_case(case_id, None, status)


_DONE = {
    "claim": ("您已认领本案件。", "You own this case now."),
    "assign": ("已分派承办人。", "The case has its new owner."),
    "delegate": ("已委托代办。", "The case is delegated."),
    "end_delegation": ("委托已结束。", "The delegation has ended."),
    "step_back": (
        "案件已退回，历史中记录了此项纠正。",
        "The case is stepped back; the history shows it.",
    ),
    "suspend": ("案件已暂停办理。", "The case is suspended."),
    "resume": ("案件已恢复办理。", "The case is resumed."),
    "cancel": ("案件已撤销。", "The case is cancelled."),
}


@bp.post("/cases/<int:case_id>/control/<action>")
def act(case_id: int, action: str) -> Any:
    """One owner change or correction: the engine decides; a refusal is shown in its form."""
    action = action.replace("-", "_")
    if action not in (*OWNER_FORMS, *CORRECTION_FORMS):
        raise NotFound()
    rt = runtime()
    state = forms.FormState(values=MultiDict(request.form))
    payload = _payload(action)
    try:
        if action in OWNER_FORMS:
            getattr(owners, action)(rt.uow(), case_id, payload, actor=actor())
        else:
            version = Version().load({"_version": request.form.get("_version", "")})["version"]
            if request.form.get("confirm") != "y":
                raise ValidationError({"confirm": [_("Tick the box to confirm the correction.")]})
            getattr(correction, action)(
                rt.uow(),
                rt.definitions,
                case_id,
                {**payload, "expected_version": version},
                actor=actor(),
            )
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        if "case" in messages:
            messages["_schema"] = messages.pop("case")
        if "_version" in messages:
            messages["_schema"] = messages.pop("_version")
        state.errors = forms.flatten_errors(messages, translate=forms.translate_message)
        return _again(case_id, action, state, 422)
    except Conflict:
        state.errors = {
            "_schema": [
                _(
                    "Someone else changed this case meanwhile: nothing was done. Check the case again."
                )
            ]
        }
        return _again(case_id, action, state, 409, conflict=True)
    flash(lbl(_DONE[action]), "success")
    anchor = "history" if action in CORRECTION_FORMS else "owner"
    return see_other("cases.show", case_id=case_id, _anchor=anchor)
