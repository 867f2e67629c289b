"""P1 version 3's material checklists through the services, on SQLite and PostgreSQL (issue 14
item 1): `accept` waits for REG-1's two documents, `approve_charter` for REG-3's charter; a
document uploaded with a step counts for it; a refused step keeps none of its uploads; a case
opened on version 2 finishes without documents."""

from __future__ import annotations

import shutil

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from engine.config import Config
from engine.definitions import sync as definition_sync
from engine.definitions.loader import DEFAULT_DIR
from engine.errors import TransitionRefused
from engine.store.tables_casefile import Document, DocumentBlob
from tests.world import CHARTER_OK, P1_DOCUMENTS, make_world, registration_steps, sample, survey
from web.runtime import build_runtime


@pytest.fixture
def world(db_url, clock):
    return make_world(db_url, clock)


def stored(w) -> tuple[int, int]:
    """(documents, blobs) in the database."""
    with w.rt.engine.connect() as c:
        return (
            c.execute(select(func.count()).select_from(Document.__table__)).scalar_one(),
            c.execute(select(func.count()).select_from(DocumentBlob.__table__)).scalar_one(),
        )


def surveyed(w) -> int:
    """A new application on the newest version with the survey's figures recorded."""
    cid = w.open("logistics")
    w.fire(cid, "record_documents", {"member_survey": survey(4)})
    return cid


def test_new_applications_open_on_version_3(world):
    assert world.case(world.open("logistics"))["definition_version"] == 3


def test_reg1_accept_is_refused_until_both_documents_are_attached(world):
    cid = surveyed(world)
    listed = world.actions(cid)["accept"].refusal
    assert listed.rule == "REG-1"
    assert "社会组织党建工作承诺书" in listed.zh and "社会组织党员情况调查表" in listed.zh
    assert "commitment letter" in listed.en and "survey" in listed.en
    with pytest.raises(TransitionRefused) as exc:
        world.fire(cid, "accept")
    assert exc.value.refusal.rule == "REG-1"
    assert exc.value.refusal.details["missing_materials"] == ["commitment_letter", "member_survey"]

    world.attach(cid, "commitment_letter")
    with pytest.raises(TransitionRefused) as exc:
        world.fire(cid, "accept")
    refusal = exc.value.refusal
    assert refusal.rule == "REG-1" and refusal.details["missing_materials"] == ["member_survey"]
    assert "社会组织党员情况调查表" in refusal.zh and "承诺书" not in refusal.zh
    assert "survey" in refusal.en and "commitment" not in refusal.en

    world.attach(cid, "member_survey")
    assert world.actions(cid)["accept"].refusal is None
    assert world.fire(cid, "accept")["state"] == "charter_review"
    accepted = [e for e in world.history(cid) if e["trigger"] == "accept"]
    assert accepted and accepted[0]["rules"][0] == "REG-1"


def test_reg2_accept_needs_the_figures_even_with_both_documents(world):
    cid = world.open("logistics")
    world.attach(cid, "commitment_letter", "member_survey")
    with pytest.raises(TransitionRefused) as exc:
        world.fire(cid, "accept")
    assert exc.value.refusal.rule == "REG-2"
    world.fire(cid, "record_documents", {"member_survey": survey(4)})
    assert world.fire(cid, "accept")["state"] == "charter_review"
    assert world.case(cid)["organization"]["full_members"] == 4


def test_reg1_documents_uploaded_with_record_documents_count_for_accept(world):
    cid = world.open("logistics")
    out = world.fire(
        cid,
        "record_documents",
        {"member_survey": survey(4)},
        uploads=[sample("commitment_letter"), sample("member_survey")],
    )
    docs = world.case_documents(cid)
    assert [(d.material, d.trigger, d.event_id) for d in docs] == [
        ("commitment_letter", "record_documents", out["event_id"]),
        ("member_survey", "record_documents", out["event_id"]),
    ]
    assert docs[0].material_label_zh == "社会组织党建工作承诺书"
    assert world.fire(cid, "accept")["state"] == "charter_review"


def test_reg1_a_document_uploaded_with_accept_itself_counts(world):
    cid = surveyed(world)
    world.attach(cid, "commitment_letter")
    out = world.fire(cid, "accept", uploads=[sample("member_survey")])
    assert out["state"] == "charter_review"
    assert [(d.material, d.trigger) for d in world.case_documents(cid)] == [
        ("commitment_letter", None),
        ("member_survey", "accept"),
    ]


def test_reg1_a_refused_step_with_an_upload_stores_no_document(world):
    cid = surveyed(world)
    version = world.case(cid)["version"]
    with pytest.raises(TransitionRefused) as exc:  # the survey is still missing
        world.fire(cid, "accept", uploads=[sample("commitment_letter")])
    assert exc.value.refusal.details["missing_materials"] == ["member_survey"]
    assert stored(world) == (0, 0)
    assert world.case(cid)["version"] == version and world.case(cid)["state"] == "applied"
    assert not [e for e in world.history(cid) if e["trigger"] == "accept"]


def test_reg3_approve_charter_is_refused_without_the_charter(world):
    cid = surveyed(world)
    world.attach(cid, "commitment_letter", "member_survey")
    world.fire(cid, "accept")
    listed = world.actions(cid)["approve_charter"].refusal
    assert listed.rule == "REG-3" and "社会组织章程" in listed.zh
    with pytest.raises(TransitionRefused) as exc:
        world.fire(cid, "approve_charter", CHARTER_OK)
    assert exc.value.refusal.rule == "REG-3"
    assert exc.value.refusal.details["missing_materials"] == ["charter"]
    out = world.fire(cid, "approve_charter", CHARTER_OK, uploads=[sample("charter")])
    assert out["state"] == "registration_review"


def test_reg3_a_corrected_charter_is_a_new_document_beside_the_first(world):
    cid = surveyed(world)
    world.attach(cid, "commitment_letter", "member_survey")
    world.fire(cid, "accept")
    gaps = {**CHARTER_OK, "chapter_funding": False}
    world.fire(cid, "return_for_correction", gaps, uploads=[sample("charter")])
    corrected = sample("charter", b"%PDF-1.4\n%corrected\n%%EOF\n")
    world.fire(cid, "resubmit_charter", uploads=[corrected])
    world.fire(cid, "approve_charter", CHARTER_OK)
    charters = [d for d in world.case_documents(cid) if d.material == "charter"]
    assert [d.trigger for d in charters] == ["return_for_correction", "resubmit_charter"]
    assert charters[0].sha256 != charters[1].sha256


def test_the_newest_path_walks_with_the_sample_documents(world):
    cid = world.open("logistics")
    world.attach(cid, *P1_DOCUMENTS)
    for trigger, payload, user in registration_steps():
        world.fire(cid, trigger, payload, by=user)
    assert world.case(cid)["state"] == "responsibility"


def test_a_step_refuses_a_document_it_does_not_take(world):
    cid = world.open("logistics")
    with pytest.raises(ValidationError) as exc:  # 422 on `material`
        world.fire(
            cid, "record_documents", {"member_survey": survey(4)}, uploads=[sample("charter")]
        )
    assert "material" in exc.value.messages
    assert stored(world) == (0, 0)


def test_a_case_opened_on_version_2_still_runs_without_documents(db_url, clock, tmp_path):
    """Cases opened before registration.v3.yaml was deployed finish on version 2: the
    checkbox, no materials."""
    folder = tmp_path / "before_v3"
    shutil.copytree(DEFAULT_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    for later in folder.glob("registration.v[3-9].yaml"):
        later.unlink()
    world = make_world(db_url, clock, definitions_dir=folder)
    cid = world.open("logistics")
    world.fire(cid, "record_documents", {"commitment_letter": True, "member_survey": survey(4)})
    # registration v3 is deployed; the running case stays pinned to v2.
    old = world.rt
    world.rt = build_runtime(
        Config(database_url=db_url, scheduler=False, testing=True), clock=clock
    )
    definition_sync.sync_definitions(world.rt.uow(), world.rt.definitions)
    old.engine.dispose()
    assert world.case(cid)["definition_version"] == 2
    assert world.actions(cid)["accept"].refusal is None
    world.fire(cid, "accept")
    for trigger, payload, user in registration_steps()[2:]:
        world.fire(cid, trigger, payload, by=user)
    assert world.case(cid)["state"] == "responsibility"
    assert world.case_documents(cid) == [] and stored(world) == (0, 0)
    newer = world.open("health")
    assert world.case(newer)["definition_version"] == 3
