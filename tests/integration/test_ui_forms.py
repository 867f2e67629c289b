"""Forms generated from marshmallow schemas, and the Chinese of every page (no database needed).

The same schema that validates a step builds its form; what a form posts must load to what
the payload would have loaded to directly. Every word on a page, including the fields of
every shipped procedure, has its Chinese.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import Babel, force_locale
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from engine.registry import load_registry
from tests.e2e.ui_support import to_form
from tests.world import registration_steps
from web import forms
from web.ui.labels import choice_label, field_label, humanize
from workflows.registration import materials
from workflows.registration.schemas import SCHEMAS

TRANSLATIONS = Path(__file__).resolve().parents[2] / "web" / "translations"


class Row(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    day = fields.Date(required=True)


class Sample(Schema):
    title = fields.String(required=True, validate=validate.Length(max=100))
    note = fields.String(load_default=None, validate=validate.Length(max=2000))
    count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    ok = fields.Boolean(required=True)
    when = fields.Date(load_default=None)
    mode = fields.String(required=True, validate=validate.OneOf(("direct", "dual")))
    names = fields.List(fields.String(), load_default=list)
    survey = fields.Nested(Row, load_default=None, allow_none=True)
    rows = fields.List(fields.Nested(Row), required=True, validate=validate.Length(min=1))
    reasons = fields.Dict(
        keys=fields.String(validate=validate.OneOf(("head", "backbone"))),
        values=fields.String(validate=validate.Length(min=2)),
        load_default=dict,
    )


def test_describe_maps_each_field_type_to_an_input():
    kinds = {f.key: f.kind for f in forms.describe(Sample())}
    assert kinds == {
        "title": "text",
        "note": "textarea",
        "count": "integer",
        "ok": "boolean",
        "when": "date",
        "mode": "select",
        "names": "lines",
        "survey": "group",
        "rows": "rows",
        "reasons": "group",
    }
    mode = next(f for f in forms.describe(Sample()) if f.key == "mode")
    assert [c for c, _label in mode.choices] == ["direct", "dual"]
    reasons = next(f for f in forms.describe(Sample()) if f.key == "reasons")
    assert [c.name for c in reasons.children] == ["reasons.head", "reasons.backbone"]


def test_parse_blank_optional_group_and_blank_rows_are_left_out():
    form = MultiDict(
        {
            "title": "t",
            "count": "3",
            "mode": "dual",
            "names": "a\n\n b \n",
            "survey.name": "",
            "survey.day": "",
            "rows.0.name": "x",
            "rows.0.day": "2026-03-01",
            "rows.1.name": "",
            "rows.1.day": "",
            "reasons.head": "无合适人选",
            "reasons.backbone": "",
        }
    )
    payload = forms.parse(Sample(), form)
    assert payload == {
        "title": "t",
        "count": 3,
        "ok": False,
        "mode": "dual",
        "names": ["a", "b"],
        "rows": [{"name": "x", "day": "2026-03-01"}],
        "reasons": {"head": "无合适人选"},
    }
    assert Sample().load(payload)["survey"] is None


def test_parse_leaves_bad_values_for_the_schema_to_refuse():
    form = MultiDict({"title": "t", "count": "three", "mode": "x", "rows.0.name": "n"})
    with pytest.raises(ValidationError) as err:
        Sample().load(forms.parse(Sample(), form))
    flat = forms.flatten_errors(err.value.messages)
    assert set(flat) == {"count", "mode", "rows.0.day"}


def test_flatten_errors_names_nested_paths():
    flat = forms.flatten_errors(
        {
            "recipients": {0: {"name": ["Missing data for required field."]}},
            "founders": {1: ["Shorter than minimum length 1."]},
            "member_survey": {"_schema": ["REG-2: inconsistent"]},
            "_schema": ["REG-1: record something"],
        }
    )
    assert flat == {
        "recipients.0.name": ["Missing data for required field."],
        "founders.1": ["Shorter than minimum length 1."],
        "member_survey._schema": ["REG-2: inconsistent"],
        "_schema": ["REG-1: record something"],
    }


def _registration_payloads():
    triggers = {
        "record_documents": "registration.survey_figures",
        "approve_charter": "registration.charter",
        "register": "registration.decision",
        "forward_documents": "registration.forwarding",
    }
    yield (
        "registration.application",
        {
            "applied_on": "2026-03-01",
            "founders": ["张伟", "刘洋"],
            "proposed_leaders": ["张伟"],
        },
    )
    for trigger, payload, _user in registration_steps():
        if trigger in triggers:
            yield triggers[trigger], payload


@pytest.mark.parametrize(("schema_name", "payload"), list(_registration_payloads()))
def test_a_posted_form_loads_like_the_payload_itself(schema_name, payload):
    schema = {**SCHEMAS, **materials.SCHEMAS}[schema_name]()
    posted = forms.parse(schema, MultiDict(to_form(payload)))
    assert schema.load(posted) == schema.load(payload)


def _app() -> Flask:
    app = Flask(__name__, root_path=str(TRANSLATIONS.parent))
    Babel(app, default_locale="zh")
    return app


def test_marshmallow_messages_shown_in_chinese():
    with _app().test_request_context("/"), force_locale("zh"):
        assert forms.translate_message("Missing data for required field.") == "必填项，请填写。"
        assert forms.translate_message("Must be one of: direct, dual.") == (
            "必须是以下之一：direct, dual。"
        )
        assert forms.translate_message("REG-2: as written") == "REG-2: as written"
    with _app().test_request_context("/"), force_locale("en"):
        assert forms.translate_message("Not a valid integer.") == "Not a valid integer."


def test_every_message_has_chinese_and_the_compiled_catalogue_is_current():
    po_path = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as fh:
        po = read_po(fh, locale="zh")
    untranslated = [m.id for m in po if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.mo").open("rb") as fh:
        mo = read_mo(fh)
    assert {m.id: m.string for m in po if m.id} == {m.id: m.string for m in mo if m.id}, (
        "messages.mo is stale: run pybabel compile -d web/translations"
    )
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        pot = read_po(fh)
    assert {m.id for m in pot if m.id} <= {m.id for m in po if m.id}


def _walk(schema: Schema):
    for key, f in schema.fields.items():
        yield key, f
        inner = f.inner if isinstance(f, fields.List) else f
        if isinstance(inner, fields.Nested):
            yield from _walk(inner.schema)


def _choices(f: fields.Field):
    for field_ in (f, getattr(f, "inner", None), getattr(f, "key_field", None)):
        for v in getattr(field_, "validators", None) or []:
            if isinstance(v, validate.OneOf):
                yield from (str(c) for c in v.choices)


def test_every_field_and_choice_of_every_shipped_procedure_has_a_chinese_label():
    """A new procedure's form reads in Chinese: give each field metadata={"label": {...}}
    (and "choices" for its own codes) in the procedure's schemas.py."""
    registry = load_registry()
    unlabelled, unnamed = set(), set()
    for name in registry.schemas:
        for key, f in _walk(registry.schema(name)):
            zh, _en = field_label(key, f.metadata)
            if zh == humanize(key):
                unlabelled.add(f"{name}:{key}")
            for c in _choices(f):
                if choice_label(c, key)[0] == humanize(c):
                    unnamed.add(f"{name}:{key}={c}")
    assert unlabelled == set()
    assert unnamed == set()


class Pay(Schema):
    salary = fields.Integer(load_default=0, strict=True)
    bonus = fields.Integer(load_default=0, strict=True)


class Candidate(Schema):
    name = fields.String(required=True)
    pay = fields.Nested(Pay, load_default=dict)


class Nomination(Schema):
    source = fields.String(required=True, validate=validate.OneOf(("inside", "dispatched")))
    dispatched = fields.Nested(Candidate, load_default=None, allow_none=True)


def test_an_optional_group_showing_only_its_defaults_counts_as_left_alone():
    """The form shows a nested default (pay 0); posting it untouched must not make the
    optional group present (and then missing its required fields)."""
    untouched = MultiDict({"source": "inside", "dispatched.name": "", "dispatched.pay.salary": "0"})
    assert forms.parse(Nomination(), untouched) == {"source": "inside"}
    assert Nomination().load(forms.parse(Nomination(), untouched))["dispatched"] is None
    filled = MultiDict(
        {"source": "dispatched", "dispatched.name": "李", "dispatched.pay.salary": "0"}
    )
    # the untouched inner group takes its default too
    assert forms.parse(Nomination(), filled)["dispatched"] == {"name": "李"}
    paid = MultiDict({"source": "dispatched", "dispatched.pay.salary": "800"})
    with pytest.raises(ValidationError) as err:
        Nomination().load(forms.parse(Nomination(), paid))
    assert "dispatched.name" in forms.flatten_errors(err.value.messages)
