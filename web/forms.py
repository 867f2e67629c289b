"""HTML forms generated from a step's marshmallow schema; the same schema validates the post.

A definition names a step's input schema; this module turns it into fields (String → text,
Integer → number, Boolean → checkbox, Date → date, OneOf → select, List of scalars → one per
line, the id of a record or a list of them (`ref`/`pick`) → a picker, Nested → a group, List
of Nested → repeated rows), each labelled with the words the schema gives it (`metadata={"label": {...}, "choices": {...}}`, read by web/ui/labels.py), and
turns a posted form back into the payload the service loads with that very schema. So a new
procedure gets its forms, in both languages, without any UI code, and a field error comes back
with the field's dotted path, shown beside it.

Input names are dotted paths (`member_survey.full_members`, `recipients.0.name`); control
inputs of the page start with an underscore and are never part of the payload.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, fields, validate
from marshmallow.utils import missing
from werkzeug.datastructures import MultiDict

from web.messages import translate_message as translate_message  # field errors, for the views
from web.ui.labels import choice_label, field_label

Pair = tuple[str, str]

#: Text that may be longer than this is edited in a textarea (a free-text reason, a note).
TEXTAREA_ABOVE = 500

_INT = re.compile(r"^[+-]?\d+$")
_NUM = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")
_TRUE = ("y", "on", "true", "1", "yes")


@dataclass
class FormField:
    """One input (or group of inputs) of a generated form."""

    name: str
    key: str
    kind: str
    label: Pair
    required: bool
    help: Pair | None = None
    choices: list[tuple[str, Pair]] = field(default_factory=list)
    children: list[FormField] = field(default_factory=list)
    schema: Schema | None = None
    maxlength: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    default: Any = None
    ref: str | None = None  # the kind of record a picker chooses (web/ui/pick.py)

    @property
    def is_group(self) -> bool:
        return self.kind in ("group", "rows")

    def row(self, index: int) -> list[FormField]:
        """The fields of row `index` of a repeated group (List of Nested)."""
        assert self.schema is not None
        return describe(self.schema, prefix=f"{self.name}.{index}.")


def _validators(f: fields.Field) -> list[Any]:
    return list(getattr(f, "validators", []) or [])


def _one_of(f: fields.Field) -> tuple[str, ...] | None:
    for v in _validators(f):
        if isinstance(v, validate.OneOf):
            return tuple(str(c) for c in v.choices)
    return None


def _length_max(f: fields.Field) -> int | None:
    for v in _validators(f):
        if isinstance(v, validate.Length) and v.max is not None:
            return int(v.max)
    return None


def _range(f: fields.Field) -> tuple[float | None, float | None]:
    for v in _validators(f):
        if isinstance(v, validate.Range):
            return v.min, v.max
    return None, None


def _scalar_kind(f: fields.Field) -> str:
    if _one_of(f) is not None:
        return "select"
    if isinstance(f, fields.Boolean):
        return "boolean"
    if isinstance(f, fields.Integer):
        return "integer"
    if isinstance(f, fields.Float | fields.Decimal):
        return "number"
    if isinstance(f, fields.DateTime):
        return "datetime"
    if isinstance(f, fields.Date):
        return "date"
    if isinstance(f, fields.Email):
        return "email"
    if isinstance(f, fields.Dict | fields.Raw) and not isinstance(f, fields.String):
        return "json"
    maxlen = _length_max(f)
    return "textarea" if maxlen is not None and maxlen > TEXTAREA_ABOVE else "text"


def _help(f: fields.Field) -> Pair | None:
    """Help under a field: metadata `help` {zh, en}, or an English `description` (English only)."""
    meta = f.metadata or {}
    h = meta.get("help")
    if isinstance(h, Mapping):
        return (str(h.get("zh", "")), str(h.get("en", "")))
    desc = meta.get("description")
    if desc:
        return (str(meta.get("description_zh", "")), str(desc))
    return None


def _list_ref(f: fields.List) -> str | None:
    """The kind of record a list of ids holds (its items' `ref`, or the list's `pick`): such a
    list is chosen with a picker that takes several records (kind "picks"), not typed."""
    if not isinstance(f.inner, fields.Integer):
        return None
    meta = f.inner.metadata or {}
    return meta.get("ref") or meta.get("pick") or (f.metadata or {}).get("pick")


def chosen_ids(values: MultiDict, name: str) -> list[str]:
    """The ids a several-record picker sends: one per checked box (and, as a plain textarea
    would, one per line), blanks and repeats dropped, in the order chosen."""
    out: list[str] = []
    for value in values.getlist(name):
        for line in str(value).splitlines():
            if (item := line.strip()) and item not in out:
                out.append(item)
    return out


def describe(
    schema: Schema,
    prefix: str = "",
    choices: Mapping[str, list[tuple[str, Pair]]] | None = None,
) -> list[FormField]:
    """The fields of a schema, in declaration order; `choices` replaces a field's options."""
    out: list[FormField] = []
    for key, f in schema.fields.items():
        if f.dump_only:
            continue
        data_key = f.data_key or key
        name = prefix + data_key
        label = field_label(data_key, f.metadata)
        default = f.load_default if f.load_default is not missing else None
        if callable(default):
            default = None
        common: dict[str, Any] = {
            "name": name,
            "key": data_key,
            "label": label,
            "required": bool(f.required),
            "help": _help(f),
            "default": default,
        }
        if isinstance(f, fields.Nested):
            nested = f.schema
            out.append(
                FormField(
                    kind="group",
                    children=describe(nested, prefix=name + "."),
                    schema=nested,
                    **common,
                )
            )
        elif isinstance(f, fields.List) and isinstance(f.inner, fields.Nested):
            out.append(FormField(kind="rows", schema=f.inner.schema, **common))
        elif isinstance(f, fields.List) and (ref := _list_ref(f)):
            out.append(FormField(kind="picks", ref=ref, **common))
        elif isinstance(f, fields.List):
            out.append(FormField(kind="lines", maxlength=_length_max(f.inner), **common))
        elif isinstance(f, fields.Dict) and f.key_field is not None and _one_of(f.key_field):
            # A dict keyed by a fixed set (e.g. source -> reason): one input per key.
            value_kind = _scalar_kind(f.value_field) if f.value_field is not None else "text"
            children = [
                FormField(
                    name=f"{name}.{key}",
                    key=key,
                    kind=value_kind,
                    label=choice_label(key, data_key, f.metadata),
                    required=False,
                    maxlength=_length_max(f.value_field) if f.value_field else None,
                )
                for key in _one_of(f.key_field) or ()
            ]
            out.append(FormField(kind="group", children=children, **common))
        else:
            kind = _scalar_kind(f)
            options = list((choices or {}).get(data_key, []))
            if kind == "select" and not options:
                options = [(c, choice_label(c, data_key, f.metadata)) for c in _one_of(f) or ()]
            elif options:
                kind = "select"
            low, high = _range(f)
            ref = (f.metadata or {}).get("ref") or (f.metadata or {}).get("pick")
            if ref and kind == "integer":
                kind = "pick"
            out.append(
                FormField(
                    kind=kind,
                    ref=ref if kind == "pick" else None,
                    choices=options,
                    maxlength=_length_max(f),
                    minimum=low,
                    maximum=high,
                    **common,
                )
            )
    return out


# ---------------------------------------------------------------- posted form -> payload


def _default_text(f: fields.Field) -> str:
    default = f.load_default
    if default is missing or default is None or callable(default) or default is False:
        return ""
    return str(default)


def _blank(form: MultiDict, prefix: str, schema: Schema) -> bool:
    """True if nothing under `prefix` differs from what the form showed untouched (empty, or
    the field's default): an optional group the user left alone."""
    for key, f in schema.fields.items():
        name = prefix + (f.data_key or key)
        if isinstance(f, fields.Nested):
            if not _blank(form, name + ".", f.schema):
                return False
        elif isinstance(f, fields.List) and isinstance(f.inner, fields.Nested):
            if any(
                not _blank(form, f"{name}.{i}.", f.inner.schema) for i in _row_indexes(form, name)
            ):
                return False
        elif isinstance(f, fields.Dict):
            if any(k.startswith(name + ".") and str(v).strip() for k, v in form.items(multi=True)):
                return False
        elif isinstance(f, fields.Boolean):
            if form.get(name, "").strip().lower() in _TRUE and not f.load_default:
                return False
        else:
            value = form.get(name, "").strip()
            if value and value != _default_text(f):
                return False
    return True


def _row_indexes(form: MultiDict, name: str) -> list[int]:
    # At most 9 digits: no form has a billion rows, and int() of 4,301+ digits raises (issue 18).
    pat = re.compile(re.escape(name) + r"\.(\d{1,9})\.")
    found = {int(m.group(1)) for k in form for m in [pat.match(k)] if m}
    return sorted(found)


def _scalar(f: fields.Field, raw: str) -> Any:
    """Convert what is unambiguous; anything else goes to the schema as typed, to be refused."""
    if isinstance(f, fields.Integer) and _INT.match(raw) and len(raw) <= 20:
        return int(raw)  # longer text goes to the schema as typed and is refused there
    if isinstance(f, fields.Float | fields.Decimal) and _NUM.match(raw):
        return float(raw)
    if isinstance(f, fields.Dict | fields.Raw) and not isinstance(f, fields.String):
        import json

        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def parse(schema: Schema, form: MultiDict, prefix: str = "") -> dict[str, Any]:
    """The payload a posted form stands for, to be loaded by the same schema.

    Empty inputs are left out (so a required field is reported missing and an optional one
    takes its default); an optional group left entirely blank is left out; blank rows of a
    repeated group are dropped; an unchecked checkbox is False.
    """
    out: dict[str, Any] = {}
    for key, f in schema.fields.items():
        if f.dump_only:
            continue
        data_key = f.data_key or key
        name = prefix + data_key
        if isinstance(f, fields.Nested):
            if _blank(form, name + ".", f.schema):
                if f.required:
                    out[data_key] = {}
                continue
            out[data_key] = parse(f.schema, form, name + ".")
        elif isinstance(f, fields.List) and isinstance(f.inner, fields.Nested):
            rows = [
                parse(f.inner.schema, form, f"{name}.{i}.")
                for i in _row_indexes(form, name)
                if not _blank(form, f"{name}.{i}.", f.inner.schema)
            ]
            if rows or f.required:
                out[data_key] = rows
        elif isinstance(f, fields.Dict) and f.key_field is not None and _one_of(f.key_field):
            keyed = {
                key: _scalar(f.value_field, raw) if f.value_field is not None else raw
                for key in _one_of(f.key_field) or ()
                if (raw := form.get(f"{name}.{key}", "").strip())
            }
            if keyed or f.required:
                out[data_key] = keyed
        elif isinstance(f, fields.List) and _list_ref(f):
            items = [_scalar(f.inner, item) for item in chosen_ids(form, name)]
            if items or f.required:
                out[data_key] = items
        elif isinstance(f, fields.List):
            lines = [ln.strip() for ln in form.get(name, "").splitlines()]
            items = [_scalar(f.inner, ln) for ln in lines if ln]
            if items or f.required:
                out[data_key] = items
        elif isinstance(f, fields.Boolean):
            out[data_key] = form.get(name, "").strip().lower() in _TRUE
        else:
            raw = form.get(name, "").strip()
            if raw != "":
                out[data_key] = _scalar(f, raw)
    return out


def flatten_errors(
    messages: Any, prefix: str = "", translate: Callable[[str], str] | None = None
) -> dict[str, list[str]]:
    """marshmallow's nested messages as {dotted path: [message, ...]}; `_schema` stays a key."""
    if translate is not None:
        return {k: [translate(m) for m in v] for k, v in flatten_errors(messages, prefix).items()}
    out: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for k, v in messages.items():
            path = f"{prefix}.{k}" if prefix else str(k)
            for p, msgs in flatten_errors(v, path).items():
                out.setdefault(p, []).extend(msgs)
    elif isinstance(messages, list | tuple):
        for m in messages:
            if isinstance(m, Mapping | list | tuple):
                for p, msgs in flatten_errors(m, prefix).items():
                    out.setdefault(p, []).extend(msgs)
            else:
                out.setdefault(prefix or "_schema", []).append(str(m))
    else:
        out.setdefault(prefix or "_schema", []).append(str(messages))
    return out


def posted_values(
    fields_: list[FormField], values: MultiDict, path: tuple[Pair, ...] = ()
) -> list[tuple[tuple[Pair, ...], FormField, str]]:
    """What was typed into a form, input by input, in the form's order: (the labels from the
    group down to the field, the field, the text sent) for every input that is not blank —
    to show, by the form's own words, input that can no longer be sent."""
    out: list[tuple[tuple[Pair, ...], FormField, str]] = []
    for f in fields_:
        here = (*path, f.label)
        if f.kind == "group":
            out += posted_values(f.children, values, here)
        elif f.kind == "rows":
            for n, i in enumerate(_row_indexes(values, f.name), start=1):
                row = (f"{f.label[0]} {n}", f"{f.label[1]} {n}")
                out += posted_values(f.row(i), values, (*path, row))
        else:
            if f.kind == "picks":
                text = ", ".join(chosen_ids(values, f.name))
            else:
                text = str(values.get(f.name, "")).strip()
            if text and not (f.kind == "boolean" and text.lower() not in _TRUE):
                out.append((here, f, text))
    return out


@dataclass
class FormState:
    """What the user typed and what was wrong with it, to render a form again."""

    values: MultiDict = field(default_factory=MultiDict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    extra_rows: dict[str, int] = field(default_factory=dict)

    def value(self, f: FormField) -> Any:
        if f.name in self.values:
            return self.values.get(f.name)
        if not self.values and f.default is not None:
            return f.default
        return None

    def chosen(self, f: FormField) -> list[str]:
        """The ids a several-record picker holds: those sent, or its default when first shown."""
        if self.values:
            return chosen_ids(self.values, f.name)
        return [str(v) for v in f.default or []] if isinstance(f.default, list) else []

    def checked(self, f: FormField) -> bool:
        if self.values:
            return str(self.values.get(f.name, "")).strip().lower() in _TRUE
        return bool(f.default)

    def errors_for(self, f: FormField) -> list[str]:
        # a keyed dict reports an entry's problems under <name>.value / <name>.key
        return [
            m
            for path in (f.name, f.name + ".value", f.name + ".key")
            for m in self.errors.get(path, [])
        ]

    def line_errors(self, f: FormField) -> list[tuple[int, str]]:
        """Errors of single lines of a one-per-line list: (line number, message)."""
        out = []
        for path, msgs in self.errors.items():
            rest = path[len(f.name) + 1 :] if path.startswith(f.name + ".") else None
            if rest is not None and rest.isdigit():
                out.extend((int(rest) + 1, m) for m in msgs)
        return sorted(out)

    def group_errors(self, f: FormField) -> list[str]:
        return self.errors.get(f.name, []) + self.errors.get(f.name + "._schema", [])

    def row_indexes(self, f: FormField) -> list[int]:
        """Rows to show: those typed in, plus any added, at least one."""
        found = _row_indexes(self.values, f.name) if self.values else []
        rows = list(found) or [0]
        for _ in range(self.extra_rows.get(f.name, 0)):
            rows.append(max(rows) + 1)
        return rows

    def has_errors(self) -> bool:
        return bool(self.errors)
