"""The case file on the API (issue 14), on SQLite and PostgreSQL: documents by content, limits
that store nothing, scope, downloads that never render, comments, and a step's documents sent
with the step as multipart/form-data."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pytest

from engine.cases.documents import TooLarge
from engine.store.blobs import BlobStores
from tests.casefile_support import (
    EXECUTABLE,
    HTML,
    PDF,
    PNG,
    applied_case,
    definitions_folder,
    pdf_of,
    stored,
)
from tests.world import make_world

API = "/api/v1"


@pytest.fixture
def limits() -> dict[str, float]:
    return {}


@pytest.fixture
def storage() -> str:
    return "database"


@pytest.fixture
def world(db_url, clock, tmp_path, limits, storage):
    w = make_world(db_url, clock, definitions_dir=definitions_folder(tmp_path, **limits))
    if storage == "directory":
        w.rt.blobs = BlobStores("directory", tmp_path / "documents")
    return w


def folder(world) -> Any:
    return world.rt.blobs.directory.root if world.rt.blobs.directory else None


def send(
    api,
    path: str,
    files: list[tuple[str, bytes, str]],
    *,
    user: str = "wang",
    headers: dict[str, str] | None = None,
    **fields: str,
) -> Any:
    """POST multipart/form-data: (part name, bytes, filename) files and text fields, each
    file declared `application/pdf` whatever it is (the client's header decides nothing)."""
    data: dict[str, Any] = dict(fields)
    for name, content, filename in files:
        data.setdefault(name, []).append((io.BytesIO(content), filename, "application/pdf"))
    return api.client.post(
        path,
        data=data,
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {api.tokens[user]}", **(headers or {})},
    )


def attach(api, case_id: int, *files: tuple[bytes, str], user: str = "wang", **fields: str):
    return send(
        api,
        f"{API}/cases/{case_id}/documents",
        [("file", content, name) for content, name in files],
        user=user,
        **fields,
    )


# ---------------------------------------------------------------- what a file is


@pytest.mark.parametrize("content", [EXECUTABLE, HTML], ids=["executable", "html"])
def test_a_file_named_pdf_whose_content_is_not_is_refused_naming_the_field(api, world, content):
    case_id = applied_case(world)
    resp = attach(api, case_id, (content, "承诺书.pdf"), material="commitment_letter")
    assert resp.status_code == 422, resp.get_json()
    body = resp.get_json()
    assert body["type"].endswith("#problem-validation")
    assert "a case file does not take" in body["errors"]["file"][0]
    # With a step: the part that carried it is named.
    step = send(
        api,
        f"{API}/cases/{case_id}/fire/accept",
        [("commitment_letter", content, "letter.pdf"), ("member_survey", PDF, "survey.pdf")],
        headers={"If-Match": '"2"'},
    )
    assert step.status_code == 422
    assert list(step.get_json()["errors"]) == ["commitment_letter"]
    assert stored(world.rt.engine) == {"documents": 0, "blobs": 0}
    assert world.case(case_id)["version"] == 2


# ---------------------------------------------------------------- limits


@pytest.mark.parametrize("storage", ["database", "directory"])
@pytest.mark.parametrize("limits", [{"max_file_mb": 1 / 64, "max_case_mb": 1 / 32}])
def test_an_oversize_file_is_refused_413_and_nothing_is_stored(api, world, storage):
    case_id = applied_case(world)
    per_file = 16 * 1024  # 1/64 MB
    too_big = attach(api, case_id, (pdf_of(per_file + 1), "big.pdf"))
    assert too_big.status_code == 413
    body = too_big.get_json()
    assert body["type"].endswith("#problem-too-large")
    assert (body["limit_mb"], body["per_case"]) == (1 / 64, False)
    assert "0.015625 MB" in body["errors"]["file"][0]
    # Each file within its limit, the three together past the case's: none is kept.
    three = attach(api, case_id, *[(pdf_of(12_000), f"{n}.pdf") for n in range(3)])
    assert three.status_code == 413 and three.get_json()["per_case"] is True
    # Past what the route reads at all (the case's allowance and 1 MB): refused unread.
    huge = attach(api, case_id, (pdf_of(1_200_000), "huge.pdf"))
    assert huge.status_code == 413 and "file" in huge.get_json()["errors"]
    # A step's part too: named by its material.
    step = send(
        api,
        f"{API}/cases/{case_id}/fire/accept",
        [("commitment_letter", pdf_of(per_file + 1), "l.pdf"), ("member_survey", PDF, "s.pdf")],
        headers={"If-Match": '"2"'},
    )
    assert step.status_code == 413 and list(step.get_json()["errors"]) == ["commitment_letter"]
    empty = {"documents": 0, "blobs": 0}
    if storage == "directory":
        empty |= {"staged": [], "placed": []}
    assert stored(world.rt.engine, folder(world)) == empty
    # What fits is taken: the refusals were about size, not the files.
    assert attach(api, case_id, (pdf_of(per_file), "fits.pdf")).status_code == 201


# ---------------------------------------------------------------- scope


def test_a_caseworker_of_another_district_gets_403_on_every_route(api, world):
    case_id = applied_case(world)
    doc = attach(api, case_id, (PDF, "承诺书.pdf"), material="commitment_letter").get_json()
    doc_id = doc["documents"][0]["id"]
    for path in (
        f"{API}/documents/{doc_id}",
        f"{API}/documents/{doc_id}/content",
        f"{API}/cases/{case_id}/documents",
        f"{API}/cases/{case_id}/comments",
    ):
        resp = api.get(path, user="zhao")
        assert resp.status_code == 403, path
        assert resp.mimetype == "application/problem+json"
    assert attach(api, case_id, (PDF, "x.pdf"), user="zhao").status_code == 403
    assert (
        api.post(f"{API}/cases/{case_id}/comments", {"text": "x"}, user="zhao").status_code == 403
    )
    # Above both districts, the city's supervisor reads it.
    assert api.get(f"{API}/documents/{doc_id}/content", user="chen").status_code == 200
    assert stored(world.rt.engine)["documents"] == 1


# ---------------------------------------------------------------- the record


def test_two_uploads_of_the_same_content_are_two_documents_with_one_hash(api, world):
    case_id = applied_case(world)
    first = attach(api, case_id, (PDF, "a.pdf"), note="原件").get_json()["documents"]
    second = attach(api, case_id, (PDF, "b.pdf")).get_json()["documents"]
    listed = api.get(f"{API}/cases/{case_id}/documents").get_json()["documents"]
    assert [d["id"] for d in listed] == [first[0]["id"], second[0]["id"]]
    assert {d["sha256"] for d in listed} == {hashlib.sha256(PDF).hexdigest()}
    assert [d["filename"] for d in listed] == ["a.pdf", "b.pdf"]
    assert listed[0]["event_id"] != listed[1]["event_id"]  # two `document` events
    assert stored(world.rt.engine) == {"documents": 2, "blobs": 2}


def test_a_document_record_says_what_who_when_which_step_and_its_versions(api, world):
    case_id = applied_case(world)
    old = attach(api, case_id, (PDF, "承诺书.pdf"), material="commitment_letter").get_json()
    old_id = old["documents"][0]["id"]
    new = attach(api, case_id, (PDF + b"%v2\n", "承诺书（新）.pdf"), replaces=str(old_id))
    assert new.status_code == 201
    new_doc = new.get_json()["documents"][0]
    assert new_doc["material"] == "commitment_letter"  # taken from the one it replaces
    assert new_doc["material_label"] == {"zh": "党建工作承诺书", "en": "Commitment letter"}
    assert (new_doc["replaces"], new_doc["current"], new_doc["step"]) == (old_id, True, None)
    record = api.get(f"{API}/documents/{old_id}").get_json()
    assert (record["replaced_by"], record["current"]) == (new_doc["id"], False)
    assert record["uploaded_by"] == "王芳" and record["uploaded_at"].startswith("2026-03-02")
    assert record["links"]["content"] == f"{API}/documents/{old_id}/content"
    two_for_one = attach(api, case_id, (PDF, "a.pdf"), (PDF, "b.pdf"), replaces=str(old_id))
    assert list(two_for_one.get_json()["errors"]) == ["replaces"]
    other_case = api.get(f"{API}/cases/{case_id}").get_json()["id"] + 1000
    assert api.get(f"{API}/cases/{other_case}/documents").status_code == 404
    assert api.get(f"{API}/documents/999999").status_code == 404


def test_a_download_is_an_attachment_of_its_sniffed_type_never_sniffed_by_the_browser(api, world):
    case_id = applied_case(world)
    docs = attach(api, case_id, (PDF, "承诺书"), (PNG, "scan.html")).get_json()["documents"]
    pdf, png = (api.get(f"{API}/documents/{d['id']}/content") for d in docs)
    assert pdf.status_code == 200 and pdf.data == PDF
    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == (
        f'attachment; filename="document-{docs[0]["id"]}.pdf"; '
        "filename*=UTF-8''%E6%89%BF%E8%AF%BA%E4%B9%A6.pdf"
    )
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    assert pdf.headers["ETag"] == f'"{hashlib.sha256(PDF).hexdigest()}"'
    assert png.mimetype == "image/png"  # named .html, served as what it is
    assert png.headers["Content-Disposition"].startswith('attachment; filename="scan.html.png"')
    assert "sandbox" in png.headers["Content-Security-Policy"]
    again = api.get(
        f"{API}/documents/{docs[0]['id']}/content", headers={"If-None-Match": pdf.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""


# ---------------------------------------------------------------- comments


def test_comments_are_listed_in_order_with_author_and_time_and_are_in_the_history(
    api, world, clock
):
    from datetime import timedelta

    case_id = applied_case(world)
    first = api.post(f"{API}/cases/{case_id}/comments", {"text": "申请材料已核对"})
    assert first.status_code == 201
    clock.at = clock.at + timedelta(hours=1)
    api.post(f"{API}/cases/{case_id}/comments", {"text": "请补充章程"}, user="li")
    comments = api.get(f"{API}/cases/{case_id}/comments").get_json()["comments"]
    assert [(c["text"], c["author"]) for c in comments] == [
        ("申请材料已核对", "王芳"),
        ("请补充章程", "李强"),
    ]
    assert comments[0]["at"] < comments[1]["at"]
    assert first.get_json() == comments[0]
    events = api.get(f"{API}/cases/{case_id}/history").get_json()["events"]
    said = [(e["kind"], e["comment"], e["actor_name"]) for e in events if e["kind"] == "comment"]
    assert said == [("comment", "申请材料已核对", "王芳"), ("comment", "请补充章程", "李强")]
    assert api.get(f"{API}/cases/{case_id}").get_json()["version"] == 2  # nothing moved
    for bad in ({"text": ""}, {"text": "   "}, {"text": "x" * 4001}, {}, {"text": "a\x00b"}):
        resp = api.post(f"{API}/cases/{case_id}/comments", bad)
        assert resp.status_code == 422 and "text" in resp.get_json()["errors"], bad


# ---------------------------------------------------------------- a step with its documents


def test_a_step_with_its_required_documents_as_multipart_is_taken_where_it_was_refused(api, world):
    case_id = applied_case(world)
    refused = api.post(f"{API}/cases/{case_id}/fire/accept", headers={"If-Match": '"2"'})
    assert refused.status_code == 409
    assert refused.get_json()["refusal"]["rule"] == "REG-1"
    assert refused.get_json()["refusal"]["details"]["missing_materials"] == [
        "commitment_letter",
        "member_survey",
    ]
    payload = json.dumps({"data": {}, "comment": "材料齐全，予以受理"})
    files = [("commitment_letter", PDF, "承诺书.pdf"), ("member_survey", PNG, "调查表.png")]
    stale = send(
        api,
        f"{API}/cases/{case_id}/fire/accept",
        files,
        headers={"If-Match": '"1"'},
        payload=payload,
    )
    assert stale.status_code == 412
    assert stored(world.rt.engine) == {"documents": 0, "blobs": 0}  # a refused step keeps none
    taken = send(
        api,
        f"{API}/cases/{case_id}/fire/accept",
        files,
        headers={"If-Match": '"2"'},
        payload=payload,
    )
    assert taken.status_code == 200, taken.get_json()
    assert (taken.get_json()["state"], taken.headers["ETag"]) == ("charter_review", '"3"')
    docs = api.get(f"{API}/cases/{case_id}/documents").get_json()["documents"]
    assert [(d["material"], d["step"], d["content_type"]) for d in docs] == [
        ("commitment_letter", "accept", "application/pdf"),
        ("member_survey", "accept", "image/png"),
    ]
    step = api.get(f"{API}/cases/{case_id}/history").get_json()["events"][-1]
    assert (step["trigger"], step["comment"]) == ("accept", "材料齐全，予以受理")
    assert {d["event_id"] for d in docs} == {step["id"]}


def test_a_multipart_step_names_what_it_refuses_where_it_was_sent(api, world):
    case_id = applied_case(world)
    path = f"{API}/cases/{case_id}/fire/record_documents"
    etag = {"If-Match": '"2"'}
    bad_json = send(api, path, [], headers=etag, payload="{not json")
    assert list(bad_json.get_json()["errors"]) == ["payload"]
    form = send(api, path, [], headers=etag, payload=json.dumps({"data": {"member_survey": 3}}))
    assert form.status_code == 422
    assert "member_survey" in form.get_json()["errors"]["payload"]["data"]
    untaken = send(
        api,
        f"{API}/cases/{case_id}/fire/accept",
        [("commitment_letter", PDF, "l.pdf"), ("charter", PDF, "c.pdf")],
        headers=etag,
    )
    assert untaken.status_code == 422
    assert list(untaken.get_json()["errors"]) == ["charter"]
    text_part = send(api, path, [], headers=etag, member_survey="not a file")
    assert list(text_part.get_json()["errors"]) == ["member_survey"]
    assert stored(world.rt.engine) == {"documents": 0, "blobs": 0}
    assert world.case(case_id)["version"] == 2


def test_a_multipart_retry_with_the_same_idempotency_key_is_answered_once(api, world):
    case_id = applied_case(world)
    key = {"Idempotency-Key": "attach-1"}
    first = send(api, f"{API}/cases/{case_id}/documents", [("file", PDF, "a.pdf")], headers=key)
    again = send(api, f"{API}/cases/{case_id}/documents", [("file", PDF, "a.pdf")], headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    other = send(api, f"{API}/cases/{case_id}/documents", [("file", PNG, "a.png")], headers=key)
    assert other.status_code == 422 and other.get_json()["type"].endswith("key-reused")
    assert stored(world.rt.engine)["documents"] == 1


def test_the_description_has_every_case_file_operation_with_binary_parts(api):
    spec = api.get(f"{API}/openapi.json", user=None).get_json()
    paths = spec["paths"]
    attach_op = paths[f"{API}/cases/{{case_id}}/documents"]["post"]
    form = attach_op["requestBody"]["content"]["multipart/form-data"]["schema"]
    schema = spec["components"]["schemas"][form["$ref"].rsplit("/", 1)[-1]]
    assert schema["properties"]["file"]["items"] == {"type": "string", "format": "binary"}
    assert {"413", "422"} <= set(attach_op["responses"])
    accept = paths[f"{API}/cases/{{case_id}}/fire/accept"]["post"]["requestBody"]["content"]
    parts = accept["multipart/form-data"]["schema"]["properties"]
    assert {"payload", "file", "commitment_letter", "member_survey"} <= set(parts)
    assert parts["commitment_letter"]["items"]["format"] == "binary"
    content = paths[f"{API}/documents/{{document_id}}/content"]["get"]["responses"]["200"]
    assert {"application/pdf", "image/png", "image/jpeg"} <= set(content["content"])
    for path in (f"{API}/documents/{{document_id}}", f"{API}/cases/{{case_id}}/comments"):
        assert path in paths


def test_an_id_no_table_can_hold_names_nothing_whatever_the_method(api):
    for method in ("get", "post"):
        for path in ("/cases/2147483648/comments", "/cases/2147483648/documents"):
            resp = getattr(api, method)(API + path)
            assert resp.status_code == 404, (method, path, resp.status_code)


def test_too_large_outside_the_api_is_a_413_page_in_the_pages_language(app):
    def refuse() -> None:
        raise TooLarge("file", 20, per_case=False)

    app.add_url_rule("/test-too-large", view_func=refuse)
    client = app.test_client()
    zh = client.get("/test-too-large", headers={"Accept-Language": "zh"})
    assert zh.status_code == 413
    page = zh.get_data(as_text=True)
    assert "单个文件不得超过 20 MB" in page and "请上传较小的文件" in page
    en = client.get("/test-too-large", headers={"Accept-Language": "en"})
    assert "one file may be at most 20 MB" in en.get_data(as_text=True)
    as_json = client.get("/test-too-large", headers={"Accept": "application/json"})
    assert as_json.status_code == 413 and as_json.get_json()["errors"]["file"]
