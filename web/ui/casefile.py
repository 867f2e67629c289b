"""The case file's pages: attach documents, download and preview one, comment on a case.

Each view is one call of `engine.cases.documents` with the signed-in user, so a document
follows its case's scope (a caseworker of another district gets the case page's 403). A
download is served as the type its bytes were sniffed as, as an attachment, with
`nosniff`; only PDF, JPEG and PNG are ever shown inline (the preview), never HTML or SVG —
a case file does not take them, and a preview of anything else is its download.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, request
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from engine.cases import documents
from engine.cases.documents import DocumentInfo, Upload
from engine.inputs import InputSchema
from web import forms
from web.downloads import document_response
from web.ui.case_documents import ATTACH, COMMENT, too_large_errors, upload_limit
from web.ui.case_page import Posted, render_case
from web.ui.common import actor, runtime, see_other

bp = Blueprint("casefile", __name__)

#: The views that read uploaded files: their requests may be as large as a case's allowance.
UPLOADING = frozenset({"casefile.attach", "cases.fire"})


class AttachForm(InputSchema):
    """The attach form's inputs besides the files."""

    material = fields.String(load_default=None, validate=validate.Length(max=60), allow_none=True)
    replaces = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1)
    )
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


def allow_uploads() -> None:
    """Before CSRF reads the form: a request that carries documents may be larger than the
    2 MB every other request is held to (`web.create_app`)."""
    if request.endpoint in UPLOADING:
        request.max_content_length = upload_limit()


@bp.post("/cases/<int:case_id>/documents")
def attach(case_id: int) -> Any:
    """Attach documents on their own (before the step that needs them, or later evidence):
    `documents.attach` checks the scope, the material, the type by content and the limits."""
    state = forms.FormState(values=MultiDict(request.form))
    try:
        raw = {k: v for k, v in request.form.items() if k in ("material", "replaces", "note")}
        ctl = AttachForm().load({k: v for k, v in raw.items() if v.strip() != ""})
        files = [f for f in request.files.getlist("file") if f.filename]
        uploads = [
            Upload(f.filename or "", f.read(), ctl["material"], ctl["replaces"], "file")
            for f in files
        ]
        ids = documents.attach(
            runtime().uow(),
            runtime().definitions,
            case_id,
            uploads,
            actor=actor(),
            note=ctl["note"],
        )
    except ValidationError as err:
        state.errors = forms.flatten_errors(err.messages, translate=forms.translate_message)
        return render_case(case_id, Posted(ATTACH, state), 422)
    except documents.TooLarge as err:
        state.errors = too_large_errors(err)
        return render_case(case_id, Posted(ATTACH, state), 413)
    flash(_("%(n)s document(s) attached to the case file.", n=len(ids)), "success")
    return see_other("cases.show", case_id=case_id, _anchor="documents")


@bp.post("/cases/<int:case_id>/comments")
def comment(case_id: int) -> Any:
    """A comment on the case, outside any step: an audited event shown in the history."""
    state = forms.FormState(values=MultiDict(request.form))
    try:
        documents.add_comment(runtime().uow(), case_id, request.form.get("text", ""), actor=actor())
    except ValidationError as err:
        state.errors = forms.flatten_errors(err.messages, translate=forms.translate_message)
        return render_case(case_id, Posted(COMMENT, state), 422)
    flash(_("Comment added to the history."), "success")
    return see_other("cases.show", case_id=case_id, _anchor="history")


def _open(document_id: int) -> tuple[DocumentInfo, bytes]:
    rt = runtime()
    return documents.open_document(rt.reader(), rt.definitions, document_id, actor=actor())


@bp.get("/documents/<int:document_id>")
def download(document_id: int) -> Any:
    """The document as stored, to save: its sniffed type, never shown in the page."""
    info, data = _open(document_id)
    return document_response(info, data, request)


@bp.get("/documents/<int:document_id>/preview")
def preview(document_id: int) -> Any:
    """PDF, JPEG and PNG inside the case page (framed by this site only); any other type is
    its download, so nothing but those three is ever rendered by the browser from a file."""
    info, data = _open(document_id)
    if not info.previewable:
        return see_other("casefile.download", document_id=document_id)
    resp = document_response(info, data, request, inline=True)
    # The case page frames it; no other site may (the pages' default is DENY / 'none').
    resp.headers["X-Frame-Options"] = "SAMEORIGIN"
    resp.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
    return resp
