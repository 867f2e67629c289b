"""Recorded dates are facts (issue 13, item 6), seen on the case page: the error stands beside
the date's own field (a row's field for a list), with its rule, and the case is unchanged."""

from __future__ import annotations

import re

import pytest

from tests.e2e.ui_support import app_for, fire_form, login, snapshot, ui_world
from tests.world import P1_DOCUMENTS, registration_steps


@pytest.fixture
def world(db_url, clock):
    return ui_world(db_url, clock)


def client_of(world, username: str):
    c = app_for(world).test_client()
    login(c, username)
    return c


def field_with_error(html: str, field_id: str) -> str | None:
    m = re.search(
        rf'<div class="field [^"]*has-error">\s*<label for="{re.escape(field_id)}".*?</div>\s*</div>',
        html,
        re.S,
    )
    return m.group(0) if m else None


def test_reg4_a_registration_before_the_application_is_refused_beside_its_field(world):
    client = client_of(world, "li")  # a supervisor registers
    cid = world.open("logistics")  # applied on 2026-03-01
    world.attach(cid, *P1_DOCUMENTS)
    for trigger, payload, user in registration_steps()[:3]:
        world.fire(cid, trigger, payload, by=user)
    decision = {**registration_steps()[3][1], "registered_on": "2020-06-01"}
    before = snapshot(world, cid)
    resp = fire_form(client, cid, "register", decision, version=before[1])
    assert resp.status_code == 422
    field = field_with_error(resp.get_data(as_text=True), "f-register-registered_on")
    assert field and "REG-4" in field and "2026-03-01" in field
    assert snapshot(world, cid) == before


def test_reg5_a_delivery_tomorrow_is_refused_beside_its_row(world):
    client = client_of(world, "wang")  # a caseworker forwards
    cid = world.open("logistics")
    world.attach(cid, *P1_DOCUMENTS)
    for trigger, payload, user in registration_steps()[:4]:
        world.fire(cid, trigger, payload, by=user)
    recipients = {
        "recipients": [
            {"kind": "industry_regulator", "name": "南关区商务局", "delivered_on": "2026-03-02"},
            {"kind": "local_party_org", "name": "自强街道党工委", "delivered_on": "2026-03-03"},
        ]
    }
    before = snapshot(world, cid)
    resp = fire_form(client, cid, "forward_documents", recipients, version=before[1])
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    field = field_with_error(html, "f-forward_documents-recipients-1-delivered_on")
    assert field and "REG-5" in field
    assert field_with_error(html, "f-forward_documents-recipients-0-delivered_on") is None
    assert snapshot(world, cid) == before
