"""The case file in the pages (issue 14), through the Flask test client on SQLite and PostgreSQL:
a step's checklist and its files, the documents panel, download and preview, comments.

The world runs the shipped definitions (P1's `accept` requires the commitment letter and the
member survey, REG-1) with one local parameter lowered — a file may be at most 3 MB — so that
a file past it is cheap to send, and one past the 2 MB every other request is held to still
arrives.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from sqlalchemy import func, select, update

from engine.clock import FixedClock
from engine.definitions.loader import DEFAULT_DIR
from engine.store.tables import Event, User
from engine.store.tables_casefile import Document, DocumentBlob
from tests.conftest import fresh_pg_url
from tests.e2e.ui_support import _password_hash, app_for, csrf_token, login, snapshot
from tests.world import make_world, survey

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML_AS_PDF = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
MAX_FILE_MB = 3


def _pdf(size: int) -> bytes:
    """A PDF of about `size` bytes (libmagic knows a PDF by its header)."""
    return PDF + b"%" + b"x" * max(0, size - len(PDF) - 2) + b"\n"


def _xlsx() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "党员名册"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def definitions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped definitions, a file at most 3 MB (a local parameter)."""
    folder = tmp_path_factory.mktemp("defs") / "definitions"
    shutil.copytree(DEFAULT_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = folder / "parameters.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for p in doc["parameters"]:
        if p["id"] == "document_max_file_mb":
            p["value"] = MAX_FILE_MB
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, definitions: Path
) -> Iterator[Any]:
    """One world per database for the module (building one costs seconds): every test opens
    cases of its own and counts what it stores as a difference."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("casefile") / "tongbu.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        urls: Iterator[str] = iter([f"sqlite:///{path}"])
    else:
        urls = fresh_pg_url(request)
    url = next(urls)
    w = make_world(url, FixedClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC)), definitions)
    with w.rt.uow() as u:
        u.conn.execute(update(User.__table__).values(password_hash=_password_hash()))
        u.commit()
    yield w
    w.rt.engine.dispose()
    next(urls, None)  # drops the PostgreSQL database


@pytest.fixture(scope="module")
def app(world: Any) -> Any:
    return app_for(world)


def _client(app: Any, username: str, lang: str = "zh") -> Any:
    c = app.test_client()
    login(c, username)
    c.set_cookie("tongbu_lang", lang)
    return c


@pytest.fixture
def wang(app: Any) -> Any:
    return _client(app, "wang")


def _stored(world: Any) -> tuple[int, int]:
    with world.rt.engine.connect() as c:
        return (
            c.execute(select(func.count()).select_from(Document.__table__)).scalar_one(),
            c.execute(select(func.count()).select_from(DocumentBlob.__table__)).scalar_one(),
        )


def _token(client: Any, case_id: int) -> str:
    return csrf_token(client.get(f"/cases/{case_id}").get_data(as_text=True))


def _attach(client: Any, case_id: int, files: list[tuple[bytes, str]], **fields: Any) -> Any:
    data: dict[str, Any] = {"csrf_token": _token(client, case_id), **fields}
    data["file"] = [(io.BytesIO(b), name) for b, name in files]
    return client.post(f"/cases/{case_id}/documents", data=data, content_type="multipart/form-data")


def _step(client: Any, world: Any, case_id: int, trigger: str, **files: tuple[bytes, str]) -> Any:
    data: dict[str, Any] = {
        "csrf_token": _token(client, case_id),
        "_version": str(world.case(case_id)["version"]),
    }
    for material, (body, name) in files.items():
        data[f"_doc.{material}"] = (io.BytesIO(body), name)
    return client.post(
        f"/cases/{case_id}/steps/{trigger}", data=data, content_type="multipart/form-data"
    )


def _section(page: str, element: str, ident: str) -> str:
    m = re.search(rf'<{element}[^>]*id="{ident}".*?</{element}>', page, re.S)
    assert m, f"no {element}#{ident} in the page"
    return m.group(0)


def _with_figures(world: Any) -> int:
    """A P1 case whose survey figures are recorded (REG-2): only its documents are missing."""
    case_id = world.open("logistics")
    world.fire(case_id, "record_documents", {"member_survey": survey(4)})
    return case_id


# ---------------------------------------------------------------- the documents panel


def test_a_document_attached_by_the_form_is_listed_with_its_hash_and_event(world, wang):
    case_id = world.open("logistics")
    resp = _attach(
        wang,
        case_id,
        [(PDF, "承诺书（扫描件）.pdf")],
        material="commitment_letter",
        note="申请人现场递交",
    )
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/cases/{case_id}#documents")
    (doc,) = _documents(world, case_id)
    page = wang.get(f"/cases/{case_id}").get_data(as_text=True)
    panel = _section(page, "section", "documents")
    assert "社会组织党建工作承诺书" in panel and "承诺书（扫描件）.pdf" in panel
    assert doc.sha256[:12] in panel and f'title="{doc.sha256}"' in panel
    assert "PDF 文件" in panel and "王芳" in panel and "单独上传" in panel
    assert f'href="/documents/{doc.id}"' in panel
    assert f'src="/documents/{doc.id}/preview"' in panel  # a PDF previews in an iframe
    history = _section(page, "section", "history")
    assert "附加材料" in history and "申请人现场递交" in history
    assert f'href="/documents/{doc.id}"' in history  # under the event that attached it


def _documents(world: Any, case_id: int) -> list[Any]:
    from engine.cases import documents

    return documents.list_documents(
        world.rt.reader(), world.rt.definitions, case_id, actor=world.actors["admin"]
    )


def test_a_new_version_replaces_the_old_one_which_stays_listed(world, wang):
    case_id = world.open("logistics")
    _attach(wang, case_id, [(PDF, "调查表.pdf")], material="member_survey")
    (old,) = _documents(world, case_id)
    resp = _attach(wang, case_id, [(PDF + b"%v2\n", "调查表-更正.pdf")], replaces=str(old.id))
    assert resp.status_code == 303
    old, new = _documents(world, case_id)
    assert new.replaces_id == old.id and new.material == "member_survey"
    page = wang.get(f"/cases/{case_id}").get_data(as_text=True)
    old_item = _section(page, "li", f"document-{old.id}")
    assert "document replaced" in old_item and "调查表-更正.pdf" in old_item
    assert "调查表.pdf" in _section(page, "li", f"document-{new.id}")


def test_download_is_an_attachment_of_the_sniffed_type_with_nosniff(world, wang):
    case_id = world.open("logistics")
    _attach(wang, case_id, [(PDF, "承诺书.html")], material="commitment_letter")
    (doc,) = _documents(world, case_id)
    resp = wang.get(f"/documents/{doc.id}")
    assert resp.status_code == 200 and resp.data == PDF
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # the name it was given, saved as what it is (a PDF named .html is saved as .pdf)
    assert "filename*=UTF-8''%E6%89%BF%E8%AF%BA%E4%B9%A6.html.pdf" in disposition
    assert f'filename="document-{doc.id}.pdf"' in disposition
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert resp.headers["ETag"] == f'"{doc.sha256}"'

    preview = wang.get(f"/documents/{doc.id}/preview")
    assert preview.status_code == 200 and preview.headers["Content-Type"] == "application/pdf"
    assert preview.headers["Content-Disposition"].startswith("inline;")
    assert preview.headers["X-Content-Type-Options"] == "nosniff"
    # framed by the case page only
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert preview.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    page_csp = wang.get(f"/cases/{case_id}").headers["Content-Security-Policy"]
    assert "default-src 'self'" in page_csp and "frame-src" not in page_csp  # self frames


def test_no_preview_but_a_download_for_a_type_a_browser_should_not_render_inline(world, wang):
    case_id = world.open("logistics")
    _attach(wang, case_id, [(_xlsx(), "党员名册.xlsx")])
    (doc,) = _documents(world, case_id)
    assert not doc.previewable
    resp = wang.get(f"/documents/{doc.id}/preview")
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/documents/{doc.id}")
    assert "Content-Disposition" not in resp.headers
    panel = _section(wang.get(f"/cases/{case_id}").get_data(as_text=True), "section", "documents")
    assert "党员名册.xlsx" in panel and "Excel 表格" in panel
    assert f"/documents/{doc.id}/preview" not in panel


def test_another_districts_caseworker_gets_403_by_url_and_stores_nothing(app, world, wang):
    case_id = world.open("logistics")
    _attach(wang, case_id, [(PDF, "承诺书.pdf")], material="commitment_letter")
    (doc,) = _documents(world, case_id)
    zhao = _client(app, "zhao")
    for url in (f"/documents/{doc.id}", f"/documents/{doc.id}/preview", f"/cases/{case_id}"):
        resp = zhao.get(url)
        assert resp.status_code == 403, url
        assert PDF not in resp.data
    token = csrf_token(zhao.get("/cases").get_data(as_text=True))
    before, events = _stored(world), snapshot(world, case_id)
    resp = zhao.post(
        f"/cases/{case_id}/documents",
        data={"csrf_token": token, "file": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 403
    assert (
        zhao.post(
            f"/cases/{case_id}/comments", data={"csrf_token": token, "text": "看一下"}
        ).status_code
        == 403
    )
    assert _stored(world) == before and snapshot(world, case_id) == events


def test_a_file_that_is_html_named_pdf_is_refused_beside_its_field(world, wang):
    case_id = world.open("logistics")
    before = _stored(world)
    resp = _attach(
        wang, case_id, [(HTML_AS_PDF, "承诺书.pdf")], material="commitment_letter", note="备注保留"
    )
    assert resp.status_code == 422
    form = _section(resp.get_data(as_text=True), "details", "attach")
    assert "文件内容为 text/html，案卷不接收此类文件" in form
    assert 'id="attach-file-err"' in form and "备注保留" in form  # typed text kept
    assert "请重新选择" in form
    assert _stored(world) == before


def test_a_comment_is_kept_in_the_history_with_author_and_time(app, world, wang):
    case_id = world.open("logistics")
    resp = wang.post(
        f"/cases/{case_id}/comments",
        data={"csrf_token": _token(wang, case_id), "text": "申请人电话告知：调查表下周补交"},
    )
    assert resp.status_code == 303 and resp.headers["Location"].endswith("#history")
    history = _section(wang.get(f"/cases/{case_id}").get_data(as_text=True), "section", "history")
    row = re.search(r'<tr class="event kind-comment">.*?</tr>', history, re.S)
    assert row, history[:2000]
    assert "申请人电话告知：调查表下周补交" in row.group(0) and "王芳" in row.group(0)
    assert "2026-03-02 10:00" in row.group(0) and "意见" in row.group(0)
    empty = wang.post(
        f"/cases/{case_id}/comments", data={"csrf_token": _token(wang, case_id), "text": "  "}
    )
    assert empty.status_code == 422
    assert "请填写意见" in _section(empty.get_data(as_text=True), "form", "comment")
    en = _client(app, "li", lang="en")
    history = _section(en.get(f"/cases/{case_id}").get_data(as_text=True), "section", "history")
    assert "Comment" in history and "调查表下周补交" in history


def test_forms_without_the_csrf_token_change_nothing(app, world):
    client = app.test_client()
    login(client, "wang")
    case_id = world.open("logistics")
    before, events = _stored(world), snapshot(world, case_id)
    resp = client.post(
        f"/cases/{case_id}/documents",
        data={"file": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    assert client.post(f"/cases/{case_id}/comments", data={"text": "x"}).status_code == 400
    resp = client.post(
        f"/cases/{case_id}/steps/accept",
        data={"_version": "1", "_doc.commitment_letter": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    assert _stored(world) == before and snapshot(world, case_id) == events


# ---------------------------------------------------------------- a step's checklist


def test_reg1_the_step_form_shows_its_checklist_and_takes_the_documents_with_the_step(world, wang):
    case_id = _with_figures(world)
    page = wang.get(f"/cases/{case_id}").get_data(as_text=True)
    step = _section(page, "details", "step-accept")
    assert 'class="action needs-documents"' in step  # refused for its documents alone
    assert "REG-1" in step and "此步骤须先附上材料" in step
    assert 'enctype="multipart/form-data"' in step
    for material in ("commitment_letter", "member_survey"):
        assert f'name="_doc.{material}" multiple accept="' in step
    assert "社会组织党建工作承诺书" in step and "必须提交" in step
    assert ".pdf" in step and "application/pdf" in step  # the accept hint

    # without the documents: refused citing REG-1, nothing moves
    before = snapshot(world, case_id)
    resp = _step(wang, world, case_id, "accept")
    assert resp.status_code == 409 and "REG-1" in resp.get_data(as_text=True)
    assert snapshot(world, case_id) == before

    # the letter attached on its own: ticked with its file name, the survey still missing
    _attach(wang, case_id, [(PDF, "承诺书.pdf")], material="commitment_letter")
    step = _section(wang.get(f"/cases/{case_id}").get_data(as_text=True), "details", "step-accept")
    letter = re.search(r'<li class="material held"[^>]*commitment_letter.*?</li>', step, re.S)
    assert letter and "✓" in letter.group(0) and "承诺书.pdf" in letter.group(0)
    assert 'class="material missing" data-material="member_survey"' in step

    # the survey sent with the step: the step is done and the survey is written with it
    resp = _step(wang, world, case_id, "accept", member_survey=(PDF, "调查表.pdf"))
    assert resp.status_code == 303, resp.get_data(as_text=True)[:1000]
    assert world.case(case_id)["state"] == "charter_review"
    survey_doc = _documents(world, case_id)[-1]
    assert survey_doc.material == "member_survey" and survey_doc.trigger == "accept"
    history = _section(wang.get(f"/cases/{case_id}").get_data(as_text=True), "section", "history")
    accepted = re.search(r'<tr class="event kind-transition">.*?受理申请.*?</tr>', history, re.S)
    assert accepted and "调查表.pdf" in accepted.group(0)


def test_a_refused_file_is_shown_beside_its_input_and_the_step_stores_nothing(app, world, wang):
    case_id = _with_figures(world)
    before, events = _stored(world), snapshot(world, case_id)
    resp = _step(
        wang,
        world,
        case_id,
        "accept",
        commitment_letter=(PDF, "承诺书.pdf"),
        member_survey=(HTML_AS_PDF, "调查表.pdf"),
    )
    assert resp.status_code == 422
    step = _section(resp.get_data(as_text=True), "details", "step-accept")
    assert 'id="f-accept-doc-member_survey-err"' in step
    assert "文件内容为 text/html" in step and "请重新选择" in step
    assert _stored(world) == before and snapshot(world, case_id) == events

    en = _client(app, "wang", lang="en")
    resp = _step(en, world, case_id, "accept", member_survey=(HTML_AS_PDF, "survey.pdf"))
    step = _section(resp.get_data(as_text=True), "details", "step-accept")
    assert (
        "content is text/html, which a case file does not take" in step and "文件内容" not in step
    )


def test_a_file_past_the_limit_is_413_beside_its_input_and_nothing_is_stored(world, wang):
    case_id = _with_figures(world)
    before, events = _stored(world), snapshot(world, case_id)
    big = _pdf(MAX_FILE_MB * 1024 * 1024 + 1024)
    resp = _step(
        wang,
        world,
        case_id,
        "accept",
        member_survey=(big, "调查表.pdf"),
        commitment_letter=(PDF, "承诺书.pdf"),
    )
    assert resp.status_code == 413
    step = _section(resp.get_data(as_text=True), "details", "step-accept")
    assert 'id="f-accept-doc-member_survey-err"' in step and "3 MB" in step
    assert "单个文件不得超过 3 MB，未保存任何内容" in step
    assert _stored(world) == before and snapshot(world, case_id) == events


def test_a_file_larger_than_other_requests_may_be_arrives(world, wang):
    """Every other request is held to 2 MB (web.create_app); a document may be larger."""
    case_id = world.open("logistics")
    resp = _attach(
        wang, case_id, [(_pdf(2_600_000), "调查表（高清扫描）.pdf")], material="member_survey"
    )
    assert resp.status_code == 303
    assert _documents(world, case_id)[0].size >= 2_600_000
    resp = wang.post(
        f"/cases/{case_id}/comments",
        data={"csrf_token": _token(wang, case_id), "text": "x" * 2_600_000},
    )
    assert resp.status_code == 413  # a comment is not a document


def test_every_event_kind_of_the_case_file_reads_in_both_languages(app, world, wang):
    case_id = world.open("logistics")
    _attach(wang, case_id, [(PDF, "a.pdf")])
    wang.post(
        f"/cases/{case_id}/comments", data={"csrf_token": _token(wang, case_id), "text": "好"}
    )
    with world.rt.engine.connect() as c:
        kinds = set(
            c.execute(
                select(Event.__table__.c.kind).where(Event.__table__.c.case_id == case_id)
            ).scalars()
        )
    assert {"document", "comment"} <= kinds
    en = _client(app, "wang", lang="en")
    page = en.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Documents attached" in page and "attached on its own" in page
    assert "Attach documents" in page and "Post comment" in page
