"""Every date a step records is a fact: not after today, not before the facts it follows.

Parametrized over the shipped definitions, so a new step (or a new date field) that is not in
its procedure's fact-date table fails here, whatever the procedure.
"""

from __future__ import annotations

from datetime import date
from types import MappingProxyType

import pytest
from marshmallow import Schema, ValidationError, fields

from engine.definitions.loader import load_definitions
from engine.registry import load_registry
from engine.snapshot import CaseView
from workflows.common import Earlier, FactDate, fact_date_errors

DEFS = load_definitions(None, load_registry())
TODAY = date(2026, 3, 2)


def date_paths(schema: Schema, prefix: str = "") -> set[str]:
    """The form paths of every date field of a schema, `[]` marking the rows of a list."""
    out: set[str] = set()
    for name, f in schema.fields.items():
        path = f"{prefix}{name}"
        if isinstance(f, fields.Date):
            out.add(path)
        elif isinstance(f, fields.Nested):
            out |= date_paths(f.schema, f"{path}.")
        elif isinstance(f, fields.List) and isinstance(f.inner, fields.Nested):
            out |= date_paths(f.inner.schema, f"{path}[].")
    return out


def dated_steps() -> list[tuple[str, str, tuple[str, ...]]]:
    """(where, schema name, action names) for every step of every definition with a form."""
    steps = []
    for d in DEFS:
        if d.open_schema:
            steps.append((f"{d.procedure} v{d.version} @open", d.open_schema, d.open_actions))
        for t in d.transitions:
            if t.schema:
                steps.append((f"{d.procedure} v{d.version} {t.trigger}", t.schema, t.actions))
    return steps


@pytest.mark.parametrize(("where", "schema", "actions"), dated_steps())
def test_every_recorded_date_of_every_step_is_judged(where, schema, actions):
    registry = DEFS.get(where.split()[0]).registry
    wanted = date_paths(registry.schema(schema))
    covered = {
        fact.field for name in actions for fact in getattr(registry.actions[name], "fact_dates", ())
    }
    assert wanted <= covered, f"{where}: dates not judged: {sorted(wanted - covered)}"


def view(data: dict | None = None) -> CaseView:
    return CaseView(
        1, "registration", "x", 1, MappingProxyType(data or {}), {}, DEFS.parameters, TODAY
    )


FACTS = (
    FactDate(
        "rows[].on",
        "REG-5",
        "送达日期",
        "The delivery date",
        (Earlier("data.registered_on", "登记日期", "the registration date"),),
    ),
)


def test_a_fact_date_names_its_field_row_by_row():
    payload = {"rows": [{"on": date(2026, 3, 1)}, {"on": date(2026, 3, 3)}, {"on": TODAY}]}
    errors = fact_date_errors(view({"registered_on": "2026-03-02"}), payload, FACTS)
    assert set(errors["rows"]) == {0, 1}
    assert "不能早于登记日期（2026-03-02）" in errors["rows"][0]["on"][0]
    assert "cannot be after today (2026-03-02)" in errors["rows"][1]["on"][0]
    assert errors["rows"][0]["on"][0].startswith("REG-5: ")


def test_a_fact_not_yet_known_does_not_bound_the_date():
    payload = {"rows": [{"on": date(2020, 1, 1)}]}
    assert fact_date_errors(view(), payload, FACTS) == {}


def test_the_latest_of_several_earlier_facts_counts():
    facts = (
        FactDate(
            "on",
            "TRF-3",
            "完成日期",
            "The completion",
            (Earlier("data.destinations[].on", "转移日期", "the last transfer"),),
        ),
    )
    data = {"destinations": {"1": {"on": "2026-02-10"}, "2": {"on": "2026-02-20"}}}
    errors = fact_date_errors(view(data), {"on": date(2026, 2, 15)}, facts)
    assert "2026-02-20" in errors["on"][0]


def test_registration_date_before_the_application_is_refused_through_the_machine():
    """REG-4 (issue 13, item 6): registered in 2020 for an application of 2026."""
    p1 = DEFS.get("registration")
    payload = p1.registry.schema("registration.decision").load(
        {
            "registered_on": "2020-03-02",
            "credit_code": "51220102MJY1234563",
            "registration_mode": "direct",
            "necessity_checked": True,
            "representativeness_checked": True,
            "founders_vetted": True,
        }
    )
    v = CaseView(
        1,
        "registration",
        "registration_review",
        3,
        MappingProxyType({"application": {"applied_on": "2026-03-01"}}),
        MappingProxyType({"category": "industry_association"}),
        DEFS.parameters,
        TODAY,
    )
    with pytest.raises(ValidationError) as exc:
        p1.machine.fire(v, "register", payload)
    assert "申请日期（2026-03-01）" in exc.value.messages["registered_on"][0]
