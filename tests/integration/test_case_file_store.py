"""The case file against a real database (SQLite and PostgreSQL): a document and the step that
uses it commit together, limits refuse before anything is written, versions never overwrite,
comments move nothing, both backends keep the same bytes (issue 14)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml
from marshmallow import ValidationError
from sqlalchemy import func, select

from engine.cases import documents
from engine.cases.documents import TooLarge, Upload
from engine.cases.service import fire
from engine.definitions.loader import DEFAULT_DIR
from engine.errors import Forbidden, TransitionRefused
from engine.store.blobs import BlobStores
from engine.store.tables_casefile import Document, DocumentBlob
from tests.world import make_world, survey

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body>not a pdf</body></html>"

MATERIALS = [
    {
        "id": "commitment_letter",
        "label": {"zh": "党建工作承诺书", "en": "Commitment letter"},
        "rule": "REG-1",
        "required": True,
    },
    {
        "id": "member_survey",
        "label": {"zh": "社会组织党员情况调查表", "en": "Member survey"},
        "rule": "REG-1",
        "required": True,
    },
]


def _folder(tmp_path: Path, max_case_mb: float | None = None) -> Path:
    """The shipped definitions with REG-1's two documents required by registration v2's
    `accept` (a test procedure version: the shipped versions have their own checklists)."""
    folder = tmp_path / "defs"
    shutil.copytree(DEFAULT_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    for extra in folder.glob("registration.v[3-9].yaml"):
        extra.unlink()
    path = folder / "registration.v2.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    accept = next(t for t in doc["transitions"] if t["trigger"] == "accept")
    accept["materials"] = MATERIALS
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    if max_case_mb is not None:
        params = folder / "parameters.yaml"
        p = yaml.safe_load(params.read_text(encoding="utf-8"))
        for item in p["parameters"]:
            if item["id"] == "document_max_case_mb":
                item["value"] = max_case_mb
        params.write_text(yaml.safe_dump(p, allow_unicode=True), encoding="utf-8")
    return folder


def _counts(w) -> tuple[int, int]:
    with w.rt.engine.connect() as c:
        return (
            c.execute(select(func.count()).select_from(Document.__table__)).scalar_one(),
            c.execute(select(func.count()).select_from(DocumentBlob.__table__)).scalar_one(),
        )


@pytest.fixture
def world(db_url, clock, tmp_path):
    return make_world(db_url, clock, definitions_dir=_folder(tmp_path))


def _at_accept(w) -> int:
    """A case on this folder's registration v2 with its documents recorded as v2 records them
    (the checkbox and the survey): only the materials added here hold `accept` back."""
    case_id = w.open("logistics")
    w.fire(case_id, "record_documents", {"commitment_letter": True, "member_survey": survey(4)})
    return case_id


def test_reg_1_accept_is_refused_until_both_documents_are_held(world):
    case_id = _at_accept(world)
    refusal = world.actions(case_id)["accept"].refusal
    assert refusal.rule == "REG-1"
    assert "党建工作承诺书" in refusal.zh and "Member survey" in refusal.en
    with pytest.raises(TransitionRefused) as exc:
        world.fire(case_id, "accept")
    assert exc.value.refusal.details["missing_materials"] == ["commitment_letter", "member_survey"]

    documents.attach(
        world.uow(),
        world.rt.definitions,
        case_id,
        [Upload("承诺书.pdf", PDF, "commitment_letter")],
        actor=world.actors["wang"],
    )
    with pytest.raises(TransitionRefused) as exc:
        world.fire(case_id, "accept")
    assert exc.value.refusal.details["missing_materials"] == ["member_survey"]
    # The survey comes with the step itself: it counts, and is written with it.
    out = fire(
        world.uow(),
        world.rt.definitions,
        case_id,
        "accept",
        {},
        actor=world.actors["wang"],
        expected_version=world.case(case_id)["version"],
        uploads=[Upload("调查表.pdf", PDF, "member_survey")],
    )
    assert out["state"] == "charter_review"
    docs = documents.list_documents(
        world.uow(), world.rt.definitions, case_id, actor=world.actors["li"]
    )
    assert [(d.material, d.trigger) for d in docs] == [
        ("commitment_letter", None),
        ("member_survey", "accept"),
    ]
    assert docs[1].event_id == out["event_id"]
    # Two uploads of the same bytes: two documents, one hash.
    assert docs[0].sha256 == docs[1].sha256 == hashlib.sha256(PDF).hexdigest()


def test_a_refused_step_keeps_none_of_its_uploads(world):
    case_id = _at_accept(world)
    version = world.case(case_id)["version"]
    with pytest.raises(TransitionRefused):
        fire(
            world.uow(),
            world.rt.definitions,
            case_id,
            "accept",
            {},
            actor=world.actors["wang"],
            expected_version=version,
            uploads=[Upload("调查表.pdf", PDF, "member_survey")],
        )
    assert _counts(world) == (0, 0)
    assert world.case(case_id)["version"] == version


def test_content_decides_the_type_not_the_name(world):
    case_id = _at_accept(world)
    with pytest.raises(ValidationError) as exc:
        documents.attach(
            world.uow(),
            world.rt.definitions,
            case_id,
            [Upload("承诺书.pdf", HTML, "commitment_letter", field="file")],
            actor=world.actors["wang"],
        )
    assert "text/html" in exc.value.messages["file"][0]
    assert _counts(world) == (0, 0)


def test_a_material_the_procedure_does_not_name_is_refused(world):
    case_id = _at_accept(world)
    with pytest.raises(ValidationError) as exc:
        documents.attach(
            world.uow(),
            world.rt.definitions,
            case_id,
            [Upload("x.pdf", PDF, "passport")],
            actor=world.actors["wang"],
        )
    assert "material" in exc.value.messages


def test_the_case_limit_refuses_before_anything_is_stored(db_url, clock, tmp_path):
    w = make_world(db_url, clock, definitions_dir=_folder(tmp_path, max_case_mb=0.0001))
    case_id = _at_accept(w)
    with pytest.raises(TooLarge) as exc:
        documents.attach(
            w.uow(),
            w.rt.definitions,
            case_id,
            [Upload("a.pdf", PDF, "commitment_letter"), Upload("b.pdf", PDF + b" " * 80)],
            actor=w.actors["wang"],
        )
    assert exc.value.per_case
    assert _counts(w) == (0, 0)


def test_a_new_version_is_a_new_document_and_the_old_one_stays(world):
    case_id = _at_accept(world)
    wang = world.actors["wang"]
    (first,) = documents.attach(
        world.uow(),
        world.rt.definitions,
        case_id,
        [Upload("v1.pdf", PDF, "commitment_letter")],
        actor=wang,
    )
    (second,) = documents.attach(
        world.uow(),
        world.rt.definitions,
        case_id,
        [Upload("v2.pdf", PDF + b"%v2\n", replaces=first)],
        actor=wang,
    )
    docs = {
        d.id: d
        for d in documents.list_documents(world.uow(), world.rt.definitions, case_id, actor=wang)
    }
    assert docs[first].replaced_by_id == second and not docs[first].current
    assert docs[second].replaces_id == first and docs[second].material == "commitment_letter"
    assert documents.open_document(world.uow(), world.rt.definitions, first, actor=wang)[1] == PDF


def test_another_districts_caseworker_may_not_read_or_attach(world):
    case_id = _at_accept(world)
    (doc,) = documents.attach(
        world.uow(),
        world.rt.definitions,
        case_id,
        [Upload("a.pdf", PDF, "commitment_letter")],
        actor=world.actors["wang"],
    )
    zhao = world.actors["zhao"]
    with pytest.raises(Forbidden):
        documents.open_document(world.uow(), world.rt.definitions, doc, actor=zhao)
    with pytest.raises(Forbidden):
        documents.list_documents(world.uow(), world.rt.definitions, case_id, actor=zhao)
    with pytest.raises(Forbidden):
        documents.attach(
            world.uow(), world.rt.definitions, case_id, [Upload("a.pdf", PDF)], actor=zhao
        )


def test_a_comment_is_audited_and_moves_nothing(world):
    case_id = _at_accept(world)
    before = world.case(case_id)
    documents.add_comment(world.uow(), case_id, "请补充调查表原件", actor=world.actors["li"])
    after = world.case(case_id)
    assert (after["state"], after["version"]) == (before["state"], before["version"])
    (c,) = documents.list_comments(world.uow(), case_id, actor=world.actors["wang"])
    assert (c.author, c.text) == ("李强", "请补充调查表原件")
    assert any(e["kind"] == "comment" for e in world.history(case_id))
    with pytest.raises(ValidationError):
        documents.add_comment(world.uow(), case_id, "   ", actor=world.actors["li"])


def test_the_directory_backend_keeps_the_same_bytes_after_commit(db_url, clock, tmp_path):
    w = make_world(db_url, clock, definitions_dir=_folder(tmp_path))
    w.rt.blobs = BlobStores("directory", tmp_path / "files")
    case_id = _at_accept(w)
    (doc,) = documents.attach(
        w.uow(),
        w.rt.definitions,
        case_id,
        [Upload("a.pdf", PDF, "commitment_letter")],
        actor=w.actors["wang"],
    )
    info, data = documents.open_document(w.uow(), w.rt.definitions, doc, actor=w.actors["wang"])
    assert data == PDF and info.storage == "directory"
    assert _counts(w) == (1, 0)
    assert list((tmp_path / "files" / ".staging").iterdir()) == []
    # A refused attachment leaves no staged file behind either.
    with pytest.raises(ValidationError):
        documents.attach(
            w.uow(),
            w.rt.definitions,
            case_id,
            [Upload("a.pdf", PDF), Upload("b.pdf", HTML)],
            actor=w.actors["wang"],
        )
    assert list((tmp_path / "files" / ".staging").iterdir()) == []
    assert _counts(w) == (1, 0)
