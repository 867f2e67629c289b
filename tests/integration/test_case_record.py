"""The printable case record (issue 14 item 5), on SQLite and PostgreSQL: one reader
(`engine.cases.record`), the page, the PDF from the page and from the API, and the CLI's file.

A P1 case is walked to the responsible body with two documents attached on their own, one of
them replaced by a corrected version, and a comment; its record must list every step with
actor, time, data and rule, the deadlines and how each ended, and the documents with their
SHA-256. The PDF is checked as a reader would: page 1 rendered to an image that is not blank,
and its text holding the organization's Chinese name and a document's hash. A PDF costs about
a second, so each database renders few, and the tests share one case per database (they only
read it); the CLI, an adapter like the others, is run on SQLite.

`TONGBU_SCREENSHOTS=1` writes page 1 of the PDF to docs/screenshots/case-record-pdf.png.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner

from engine.access import tokens
from engine.cases import documents
from engine.cases.record import case_record
from engine.clock import FixedClock
from engine.errors import Forbidden, NotFound
from tests.conftest import fresh_pg_url
from tests.e2e.ui_support import app_for, login, ui_world
from tests.world import registration_steps
from web.cli.core import main

ORG = "长春市南关区物流行业协会"
SCREENSHOT = Path(__file__).parents[2] / "docs" / "screenshots" / "case-record-pdf.png"


def _pdf_file(text: str) -> bytes:
    """A small file a content sniffer takes for a PDF (the case file judges by content)."""
    return f"%PDF-1.4\n% {text}\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".encode()


LETTER = _pdf_file("commitment letter")
SURVEY = _pdf_file("member survey")
SURVEY_V2 = _pdf_file("member survey, corrected")
CHARTER = _pdf_file("charter")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def shared_db(request, tmp_path_factory):
    """One migrated database of each kind for the whole module (the tests only read)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("record") / "tongbu.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        yield from fresh_pg_url(request)


@pytest.fixture(scope="module")
def world(shared_db):
    w = ui_world(shared_db, FixedClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC)))
    yield w
    w.rt.engine.dispose()


def _material(world, material: str) -> str | None:
    """The material id where the newest P1 names it (version 3 on), else a plain document."""
    return material if material in world.rt.definitions.get("registration").materials else None


def _fire(world, cid: int, trigger: str, payload: dict, user: str) -> None:
    """A step of `registration_steps`, its input cut to the fields the case's version takes
    (version 3 records the survey's figures; the documents are attached, not ticked)."""
    case = world.case(cid)
    definition = world.rt.definitions.get(case["procedure"], case["definition_version"])
    schema = definition.transitions_named(trigger)[0].schema
    if schema is not None:
        names = {f.data_key or k for k, f in definition.registry.schema(schema).fields.items()}
        payload = {k: v for k, v in payload.items() if k in names}
    world.fire(cid, trigger, payload, by=user)


def _attach(world, cid: int, files: list[tuple[str, bytes, str | None]], **kw) -> list[int]:
    uploads = [documents.Upload(name, data, material=m) for name, data, m in files]
    return documents.attach(
        world.uow(), world.rt.definitions, cid, uploads, actor=world.actors["wang"], **kw
    )


@pytest.fixture(scope="module")
def case_id(world):
    """P1 up to the responsible body: documents, acceptance, charter, registration (李强),
    forwarding (REG-5); the documents attached on their own, the survey replaced by a
    corrected one, one comment. Events 1–10, documents 1–4 (see the tests)."""
    cid = world.open("logistics")
    first = _attach(
        world,
        cid,
        [
            ("党建工作承诺书.pdf", LETTER, _material(world, "commitment_letter")),
            ("调查表.pdf", SURVEY, _material(world, "member_survey")),
        ],
        note="申请人当面递交",
    )
    steps = {trigger: (payload, user) for trigger, payload, user in registration_steps()}
    for trigger in ("record_documents", "accept"):
        _fire(world, cid, trigger, *steps[trigger])
    documents.attach(
        world.uow(),
        world.rt.definitions,
        cid,
        [documents.Upload("调查表（更正）.pdf", SURVEY_V2, replaces=first[1])],
        actor=world.actors["wang"],
    )
    documents.add_comment(world.uow(), cid, "调查表笔误已更正。", actor=world.actors["li"])
    _attach(world, cid, [("章程.pdf", CHARTER, _material(world, "charter"))])
    for trigger in ("approve_charter", "register", "forward_documents"):
        _fire(world, cid, trigger, *steps[trigger])
    return cid


def _record(world, case_id, who="wang", later=timedelta(0)):
    return case_record(
        world.rt.reader(),
        world.rt.definitions,
        case_id,
        actor=world.actors[who],
        now=world.clock.now() + later,
    )


# ---------------------------------------------------------------- the reader


def test_record_lists_every_step_with_actor_time_data_and_rule(world, case_id):
    rec = _record(world, case_id)
    assert rec.organization.name == ORG
    assert rec.organization.credit_code == "51220102MJY1234563"
    assert rec.procedure == "registration" and rec.procedure_label.zh
    assert [(e.kind, e.trigger) for e in rec.events] == [
        ("opened", None),
        ("document", None),
        ("transition", "record_documents"),
        ("transition", "accept"),
        ("document", None),
        ("comment", None),
        ("document", None),
        ("transition", "approve_charter"),
        ("transition", "register"),
        ("transition", "forward_documents"),
    ]
    assert [e.number for e in rec.events] == list(range(1, 11))
    register = rec.events[8]
    assert register.actor_name == "李强" and register.label is not None
    assert (
        register.label.zh
        == world.rt.definitions.get("registration", 2).transitions_named("register")[0].label.zh
    )
    assert register.data["credit_code"] == "51220102MJY1234563"
    assert str(register.at.tzinfo) == "Asia/Shanghai" and register.at.hour == 10
    assert [r.id for r in register.rules] == ["REG-4"]
    survey = rec.events[2]
    assert survey.data["member_survey"]["full_members"] == 4  # the survey's figures (REG-2)
    reg1 = next(r for r in survey.rules if r.id == "REG-1")
    assert reg1.title is not None and "承诺书" in reg1.title.zh  # by ID and title
    assert rec.events[5].comment == "调查表笔误已更正。" and rec.events[5].actor_name == "李强"
    assert {"REG-1", "REG-2", "REG-3", "REG-4", "REG-5"} <= {r.id for r in rec.rules}


def test_record_says_how_each_deadline_ended(world, case_id):
    rec = _record(world, case_id)
    by_key = {d.key: d for d in rec.deadlines}
    forward = by_key["forward_documents"]
    assert forward.rule.id == "REG-5" and forward.standing == "met" and not forward.late
    assert forward.closed_by == 10 and rec.events[9].trigger == "forward_documents"
    assert forward.closed_at is not None
    formation = by_key["party_org_formation"]
    assert formation.standing == "open" and formation.closed_at is None
    # The same record a year on: the open deadline has run out (figures.overdue).
    assert {
        d.key: d.standing for d in _record(world, case_id, later=timedelta(days=365)).deadlines
    } == {
        "forward_documents": "met",
        "party_org_formation": "overdue",
    }


def test_record_lists_documents_with_hashes_and_versions(world, case_id):
    rec = _record(world, case_id)
    assert [(d.number, d.filename, d.sha256) for d in rec.documents] == [
        (1, "党建工作承诺书.pdf", hashlib.sha256(LETTER).hexdigest()),
        (2, "调查表.pdf", hashlib.sha256(SURVEY).hexdigest()),
        (3, "调查表（更正）.pdf", hashlib.sha256(SURVEY_V2).hexdigest()),
        (4, "章程.pdf", hashlib.sha256(CHARTER).hexdigest()),
    ]
    letter, survey, corrected, _charter = rec.documents
    assert letter.content_type == "application/pdf" and letter.size == len(LETTER)
    assert letter.uploaded_by_name == "王芳" and letter.attached_by == 2
    assert survey.replaced_by == 3 and corrected.replaces == 2 and corrected.attached_by == 5
    assert corrected.material == survey.material  # a new version of the same material
    if letter.material is not None:  # the definition names its materials (P1 version 3)
        assert letter.material_label is not None and "承诺书" in letter.material_label.zh
    # The attaching events point at the documents instead of repeating them.
    assert rec.events[1].documents == (1, 2) and rec.events[4].documents == (3,)
    assert rec.events[6].documents == (4,)
    assert "documents" not in rec.events[1].data
    assert rec.events[1].comment == "申请人当面递交"


def test_record_is_scoped_as_the_case(world, case_id):
    with pytest.raises(Forbidden):
        _record(world, case_id, who="zhao")  # a caseworker of another district
    assert _record(world, case_id, who="chen").case_id == case_id  # a unit above
    with pytest.raises(NotFound):
        _record(world, case_id + 1000)


# ---------------------------------------------------------------- page, PDF, API


def _pdf_text_and_page1(pdf: bytes) -> tuple[str, object]:
    doc = pdfium.PdfDocument(pdf)
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    image = doc[0].render(scale=1.5).to_pil()
    return text, image


def test_page_pdf_and_api_show_the_record_and_refuse_another_district(world, case_id):
    app = app_for(world)
    c = app.test_client()
    login(c, "wang")
    page = c.get(f"/cases/{case_id}/record")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    letter_hash = hashlib.sha256(LETTER).hexdigest()
    for expected in (ORG, "51220102MJY1234563", "REG-5", "李强", "调查表（更正）.pdf"):
        assert expected in html, expected
    assert letter_hash[:32] in html and letter_hash[32:] in html
    assert "@media print" in c.get("/static/record.css").get_data(as_text=True)
    case_page = c.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'href="/cases/{case_id}/record"' in case_page
    assert "<svg" in case_page and "<ns0:" not in case_page  # WeasyPrint loaded: diagrams intact

    pdf = c.get(f"/cases/{case_id}/record.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == f'attachment; filename="case-{case_id}-record.pdf"'
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    text, image = _pdf_text_and_page1(pdf.data)
    assert ORG in text  # the Chinese renders (and is text, not pictures of it)
    assert letter_hash in "".join(text.split())
    assert image.convert("L").getextrema()[0] < 100, "page 1 is blank"
    if os.environ.get("TONGBU_SCREENSHOTS"):
        image.save(SCREENSHOT)

    issued = tokens.create_token(world.rt.uow(), "wang", "archive").token
    api = c.get(
        f"/api/v1/cases/{case_id}/record.pdf", headers={"Authorization": f"Bearer {issued}"}
    )
    assert api.status_code == 200 and api.data.startswith(b"%PDF-")
    assert api.headers["Content-Disposition"] == pdf.headers["Content-Disposition"]
    assert api.headers["X-Content-Type-Options"] == "nosniff"

    other = app.test_client()
    login(other, "zhao")  # a caseworker of 朝阳区
    assert other.get(f"/cases/{case_id}/record").status_code == 403
    assert other.get(f"/cases/{case_id}/record.pdf").status_code == 403
    theirs = tokens.create_token(world.rt.uow(), "zhao", "archive").token
    refused = c.get(
        f"/api/v1/cases/{case_id}/record.pdf", headers={"Authorization": f"Bearer {theirs}"}
    )
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert c.get(f"/api/v1/cases/{case_id}/record.pdf").status_code == 401


def test_record_page_in_english(world, case_id):
    c = app_for(world).test_client()
    login(c, "wang")
    c.get("/lang/en")
    html = c.get(f"/cases/{case_id}/record").get_data(as_text=True)
    assert '<html lang="en">' in html
    for expected in ("Case record", "Steps taken", "Documents", "Rules cited", "replaced by No. 3"):
        assert expected in html, expected


def test_record_is_described_in_the_openapi_document(world):
    spec = app_for(world).test_client().get("/api/v1/openapi.json").get_json()
    op = spec["paths"]["/api/v1/cases/{case_id}/record.pdf"]["get"]
    assert "application/pdf" in op["responses"]["200"]["content"]
    assert {"401", "403", "404"} <= set(op["responses"])


# ---------------------------------------------------------------- CLI


@pytest.fixture
def tongbu(shared_db, monkeypatch):
    monkeypatch.setenv("TONGBU_DATABASE_URL", shared_db)
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(main, list(args))
        assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{result.output}"
        return result.output

    return run


def test_cli_writes_the_record(world, case_id, tongbu, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    pdf, html = folder / "record.pdf", folder / "record.html"
    out = tongbu(
        "case", "record", str(case_id), "--as", "wang", "--pdf", str(pdf), "--html", str(html)
    )
    assert str(pdf) in out
    assert pdf.read_bytes().startswith(b"%PDF-")
    page = html.read_text(encoding="utf-8")
    assert ORG in page and hashlib.sha256(SURVEY_V2).hexdigest()[:32] in page
    assert "<style>" in page and "/static/" not in page  # one file, readable anywhere
    assert sorted(p.name for p in folder.iterdir()) == ["record.html", "record.pdf"]


def test_cli_arguments_are_checked(world, case_id, tongbu, tmp_path):
    assert "--pdf" in tongbu("case", "record", str(case_id), "--as", "wang", code=2)
    missing = tmp_path / "no-such-folder" / "r.pdf"
    assert "--pdf" in tongbu(
        "case", "record", str(case_id), "--as", "wang", "--pdf", str(missing), code=2
    )
    assert "--html" in tongbu(
        "case", "record", str(case_id), "--as", "wang", "--html", str(tmp_path), code=2
    )
    assert "forbidden" in tongbu(
        "case", "record", str(case_id), "--as", "zhao", "--pdf", str(tmp_path / "r.pdf"), code=5
    )
    assert not (tmp_path / "r.pdf").exists()
    tongbu("case", "record", "0", "--as", "wang", "--pdf", str(tmp_path / "r.pdf"), code=2)
