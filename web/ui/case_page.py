"""The case page: organization, diagram, deadlines, the steps as forms (with their documents'
checklists), the case file and the history, drawn from what the services say.

A step is offered as `case_service.actions` reports it: allowed, refused with its rule, or
refused for its missing documents alone (then its form takes them, `web.ui.case_documents`).
A form that did not go through (`Posted`) is drawn again with everything typed and the errors
beside the fields; a stale one with the changes since the version the user saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.cases import documents
from engine.cases import read as case_read
from engine.cases import service as case_service
from engine.definitions.model import Definition, TransitionDef
from engine.definitions.parameters import Parameter
from engine.errors import Conflict, NotFound
from engine.rules import Refusal
from web import diagram, forms
from web.ui import case_documents, case_handover, pick
from web.ui.case_history import all_units, history_rows
from web.ui.common import actor, lang, lbl, local_time, runtime, today


@dataclass
class Posted:
    """A step form the user sent that did not go through, to show again with their input."""

    trigger: str
    form: forms.FormState
    refusal: Refusal | None = None
    conflict: Conflict | None = None
    files_sent: bool = False


@dataclass
class ActionView:
    info: case_service.ActionInfo
    fields: list[forms.FormField]
    state: forms.FormState
    parameters: list[Parameter] = field(default_factory=list)
    refusal: Refusal | None = None
    open: bool = False
    comment: str = ""
    checklist: list[case_documents.ChecklistItem] = field(default_factory=list)
    files_lost: bool = False
    """Files were chosen for this form and it is shown again: they must be chosen again."""

    @property
    def form_shown(self) -> bool:
        """Allowed, or refused only for documents that can come with the step."""
        return self.info.allowed or case_documents.only_documents_missing(self.info)


def transition(definition: Definition, state: str, trigger: str) -> TransitionDef:
    branches = definition.triggers_from(state).get(trigger) or definition.transitions_named(trigger)
    if not branches:
        raise NotFound("step", trigger)
    return branches[0]


def schema_fields(definition: Definition, schema_name: str | None) -> list[forms.FormField]:
    if schema_name is None:
        return []
    return forms.describe(definition.registry.schema(schema_name))


def parameters_for(rules: tuple[str, ...]) -> list[Parameter]:
    """Local policy parameters serving a step's rules, shown as "local default"."""
    params = runtime().definitions.parameters
    return [p for p in params.all() if p.rule in rules]


def deadline_rows(definition: Definition, deadlines: list[dict[str, Any]]) -> list[dict]:
    """Deadlines with their label, days left (or overdue) and the provisional flag."""
    specs = {d.id: d for d in definition.deadlines}
    day = today()
    out = []
    for d in deadlines:
        due: date = d["due_date"]
        days = (due - day).days
        spec = specs.get(d["key"])
        out.append(
            {
                **d,
                "label": lbl(spec.label) if spec else d["key"],
                "period": spec.period_text if spec else "",
                "days_left": days,
                "overdue": d["status"] == "open" and days < 0,
            }
        )
    return out


def typed_input(definition: Definition, trigger: str, values: MultiDict) -> list[tuple[str, str]]:
    """What the user typed into a step form that can no longer be sent, as (label, value) by
    the step's own words: the fields' labels (group › field), a choice by its label, a ticked
    box as "yes". Inputs the form does not know are listed as sent, so nothing is lost."""
    named = definition.transitions_named(trigger)
    schema = named[0].schema if named else None
    form = schema_fields(definition, schema)
    out, known = [], {"csrf_token"}
    for path, f, text in forms.posted_values(form, values):
        known.add(f.name)
        shown = text
        if f.kind == "boolean":
            shown = _("yes")
        elif f.choices:
            shown = next((lbl(label) for code, label in f.choices if code == text), text)
        out.append((" › ".join(lbl(p) for p in path), shown))
    out += [
        (k, v)
        for k, v in values.items(multi=True)
        if k not in known and not k.startswith("_") and str(v).strip()
    ]
    return out


def render_case(case_id: int, posted: Posted | None = None, status: int = 200) -> Any:
    rt = runtime()
    defs = rt.definitions
    who = actor()
    c = case_read.get_case(rt.reader(), defs, case_id, actor=who)
    pick.set_near(c["organization"]["id"])
    acts = case_service.actions(rt.reader(), defs, case_id, actor=who)
    hist = case_read.history(rt.reader(), case_id, actor=who)
    definition = defs.get(c["procedure"], c["definition_version"])
    docs = documents.list_documents(rt.reader(), defs, case_id, actor=who)
    offered = case_handover.offered(who, c)
    tree = all_units() if offered or any(e["kind"] == "handed_over" for e in hist) else []
    units = {u["id"]: u for u in tree}
    handing = posted if posted is not None and posted.trigger == case_handover.POSTED else None
    hand_over_form = (
        case_handover.form(c, tree, handing.form if handing else None) if offered else None
    )
    views = []
    for a in acts:
        mine = posted is not None and posted.trigger == a.trigger
        views.append(
            ActionView(
                info=a,
                fields=schema_fields(definition, a.schema),
                state=posted.form if mine and posted else forms.FormState(),
                parameters=parameters_for(a.rules),
                refusal=posted.refusal if mine and posted else None,
                open=mine,
                comment=(posted.form.values.get("_comment", "") if mine and posted else ""),
                checklist=case_documents.checklist(definition, c["state"], a, docs),
                files_lost=mine and posted is not None and posted.files_sent,
            )
        )
    visited = {e["to_state"] for e in hist if e["to_state"]} | {
        e["from_state"] for e in hist if e["from_state"]
    }
    changes: list[dict] = []
    lost_input: list[tuple[str, str]] = []
    if posted is not None and posted.conflict is not None:
        seen = posted.conflict.expected_version
        changes = [e for e in history_rows(definition, hist, units) if e["case_version"] > seen]
    own_forms = (case_handover.POSTED, case_documents.ATTACH, case_documents.COMMENT)
    if posted is not None and posted.trigger not in own_forms and not any(v.open for v in views):
        # The step is no longer offered (the case moved on): keep the input visible anyway.
        lost_input = typed_input(definition, posted.trigger, posted.form.values)
    return (
        render_template(
            "case.html",
            case=c,
            definition=definition,
            diagram=diagram.render(definition, c["state"], visited, lang()),
            actions=views,
            deadlines=deadline_rows(definition, c["deadlines"]),
            history=history_rows(definition, hist, units),
            hand_over=hand_over_form,
            posted=posted,
            changes=changes,
            lost_input=lost_input,
            local_time=local_time,
            case_file=case_documents.case_file(
                definition,
                docs,
                role=who.role,
                case_open=c["status"] == "open",
                posted_trigger=posted.trigger if posted else None,
                posted_state=posted.form if posted else None,
            ),
        ),
        status,
    )
