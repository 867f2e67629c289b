"""The case file on the API (issue 14): a case's documents and comments.

Each view parses (marshmallow; multipart for files), calls one service of
`engine.cases.documents`, renders. Whether the caller may see or add to the case file, what a
file is (by its content), and the limits are decided there, for the API as for the UI and the
CLI. A document's bytes go out with the headers `web.downloads` decides.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for

from engine.cases import documents
from engine.cases.documents import DocumentInfo
from engine.cases.filetypes import ACCEPTED
from web.api import bp
from web.api.casefile_schemas import (
    AttachDocuments,
    Comment,
    CommentList,
    Document,
    DocumentList,
    NewComment,
)
from web.api.common import actor, idempotent, json_body, json_response, operation, runtime
from web.api.uploads import accepts_uploads, form_values, uploads
from web.downloads import document_response

BINARY = {"type": "string", "format": "binary"}


def document_body(info: DocumentInfo) -> dict[str, Any]:
    label = (
        {"zh": info.material_label_zh, "en": info.material_label_en}
        if info.material_label_zh is not None
        else None
    )
    return {
        "id": info.id,
        "case_id": info.case_id,
        "material": info.material,
        "material_label": label,
        "filename": info.filename,
        "content_type": info.content_type,
        "size": info.size,
        "sha256": info.sha256,
        "uploaded_by": info.uploaded_by_name,
        "uploaded_at": info.uploaded_at,
        "replaces": info.replaces_id,
        "replaced_by": info.replaced_by_id,
        "current": info.current,
        "step": info.trigger,
        "event_id": info.event_id,
        "previewable": info.previewable,
        "links": {
            "self": url_for("api.get_document", document_id=info.id),
            "content": url_for("api.document_content", document_id=info.id),
            "case": url_for("api.get_case", case_id=info.case_id),
        },
    }


def _documents(case_id: int, infos: list[DocumentInfo]) -> dict[str, Any]:
    return DocumentList().dump({"case_id": case_id, "documents": [document_body(i) for i in infos]})


@bp.get("/cases/<int:case_id>/documents")
@operation(
    summary="The case file's documents",
    description="Every document of the case, oldest first; a new version names the one it "
    "replaces (`replaces`, `replaced_by`), and both stay. Each links to its bytes.",
    tags=["case file"],
    scoped=True,
    responses={200: (DocumentList, "the documents, oldest first")},
)
def list_documents(case_id: int) -> Response:
    rt = runtime()
    infos = documents.list_documents(rt.reader(), rt.definitions, case_id, actor=actor())
    return json_response(_documents(case_id, infos))


@bp.post("/cases/<int:case_id>/documents")
@operation(
    summary="Attach documents to a case",
    description="multipart/form-data: one `file` part per document, with `material` (what "
    "they are: a material id of the case's definition), `replaces` (a document of the case "
    "the one file is a new version of) and `note`. The type is decided by the content (PDF, "
    "JPEG, PNG, Office); anything else is 422 naming the field. A file past "
    "`document_max_file_mb`, or the case's documents past `document_max_case_mb` (local "
    "parameters), is 413; nothing is stored then. Caseworkers and supervisors of the case's "
    "units, while the case is open. One `document` event in the history.",
    tags=["case file"],
    multipart=AttachDocuments,
    scoped=True,
    responses={201: (DocumentList, "the documents attached")},
)
@accepts_uploads
@idempotent
def attach_documents(case_id: int) -> Response:
    form = AttachDocuments().load(form_values())
    files = uploads(
        [("file", f) for f in form["file"]], lambda _: form["material"], form["replaces"]
    )
    rt = runtime()
    ids = documents.attach(
        rt.uow(), rt.definitions, case_id, files, actor=actor(), note=form["note"]
    )
    infos = documents.list_documents(rt.reader(), rt.definitions, case_id, actor=actor())
    return json_response(_documents(case_id, [i for i in infos if i.id in set(ids)]), 201)


@bp.get("/documents/<int:document_id>")
@operation(
    summary="A document's record",
    description="What the case file records of one document (not its bytes: "
    "`links.content`). 403 when its case is outside your units.",
    tags=["case file"],
    scoped=True,
    responses={200: (Document, "the document")},
)
def get_document(document_id: int) -> Response:
    rt = runtime()
    info, _ = documents.open_document(rt.reader(), rt.definitions, document_id, actor=actor())
    return json_response(Document().dump(document_body(info)))


@bp.get("/documents/<int:document_id>/content")
@operation(
    summary="A document's bytes",
    description="The file as uploaded, under the type its content was found to be, always "
    "as an attachment (`Content-Disposition: attachment; filename*=UTF-8''…`: the uploader's "
    "name ending in the extension of that type), with `X-Content-Type-Options: nosniff`. "
    "`ETag` is the SHA-256 (`If-None-Match` → 304). 403 when its case is outside your units.",
    tags=["case file"],
    scoped=True,
    media=tuple(ACCEPTED),
    responses={
        200: (BINARY, "the bytes"),
        304: (None, "unchanged since the ETag you sent"),
    },
)
def document_content(document_id: int) -> Response:
    rt = runtime()
    info, data = documents.open_document(rt.reader(), rt.definitions, document_id, actor=actor())
    return document_response(info, data, request)


@bp.get("/cases/<int:case_id>/comments")
@operation(
    summary="The case's comments",
    description="Comments written outside any step, oldest first, each with its author and "
    "time; each is also a `comment` event of the history.",
    tags=["case file"],
    scoped=True,
    responses={200: (CommentList, "the comments, oldest first")},
)
def list_comments(case_id: int) -> Response:
    found = documents.list_comments(runtime().reader(), case_id, actor=actor())
    return json_response(
        CommentList().dump({"case_id": case_id, "comments": [vars(c) for c in found]})
    )


@bp.post("/cases/<int:case_id>/comments")
@operation(
    summary="Comment on a case",
    description="A comment outside any step (caseworkers and supervisors of the case's "
    "units): audited as a `comment` event; the case's state and version do not change.",
    tags=["case file"],
    body=NewComment,
    scoped=True,
    responses={201: (Comment, "the comment")},
)
@idempotent
def add_comment(case_id: int) -> Response:
    body = NewComment().load(json_body())
    rt = runtime()
    event_id = documents.add_comment(rt.uow(), case_id, body["text"], actor=actor())
    found = documents.list_comments(rt.reader(), case_id, actor=actor())
    comment = next(c for c in found if c.event_id == event_id)
    return json_response(Comment().dump(vars(comment)), 201)
