"""What the case file's API routes read and answer (issue 14): documents and comments.

The inputs derive from `engine.inputs.InputSchema` like every API input, so the one input
policy applies to the text parts of a multipart upload as to a JSON body; the files are
`FilePart`s, described in OpenAPI as binary parts. The OpenAPI description is generated from
these classes (`web.api.openapi`).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from werkzeug.datastructures import FileStorage

from engine.cases.documents import COMMENT_MAX
from engine.inputs import INT_MAX, InputSchema
from web.api.schemas import Label

MATERIAL_ID = r"^[a-z][a-z0-9_]{0,59}$"
"""A material id of a definition (`materials:`); also a part name of a step's upload."""
MAX_FILES = 50
"""Files per request: an input bound like a page's `limit`; the sizes are the parameters'."""
BINARY = {"type": "string", "format": "binary"}


class FilePart(fields.Field):
    """A file part of a multipart/form-data body (werkzeug's FileStorage), read later, bounded."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {**BINARY, **kwargs["metadata"]}
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> FileStorage:
        if not isinstance(value, FileStorage):
            raise ValidationError("send a file here (a part with a filename) / 此处应上传文件")
        return value


# ---------------------------------------------------------------- inputs


class AttachDocuments(InputSchema):
    """Attach documents to a case on their own (before the step that requires them, or later
    evidence): multipart/form-data, one `file` part per document."""

    file = fields.List(
        FilePart(),
        required=True,
        validate=validate.Length(min=1, max=MAX_FILES),
        metadata={
            "description": "the documents (PDF, JPEG, PNG, Office); their type is decided by "
            "their content, not by the name or the part's Content-Type"
        },
    )
    material = fields.String(
        load_default=None,
        validate=validate.Regexp(MATERIAL_ID),
        metadata={
            "description": "what the documents are: a material id of the case's definition "
            "(`GET /definitions/{procedure}`: a step's `materials`); omitted: another document"
        },
    )
    replaces = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=INT_MAX),
        metadata={
            "description": "a document of this case the (one) file is a new version of; the "
            "old one stays in the case file, marked replaced"
        },
    )
    note = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "shown with the `document` event in the case's history"},
    )

    @validates_schema
    def _one_file_replaces_one(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("replaces") is not None and len(data.get("file") or ()) > 1:
            raise ValidationError(
                "a new version replaces one document: send one file / 新版本只能替换一份材料",
                "replaces",
            )


class NewComment(InputSchema):
    """A comment on the case, outside any step (issue 14 item 4)."""

    text = fields.String(required=True, validate=validate.Length(min=1, max=COMMENT_MAX))


# ---------------------------------------------------------------- answers


class Document(Schema):
    """A document of a case file: the record of it, never its bytes (`links.content`)."""

    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    material = fields.String(
        required=True, allow_none=True, metadata={"description": "material id; null: other"}
    )
    material_label = fields.Nested(Label, required=True, allow_none=True)
    filename = fields.String(
        required=True, metadata={"description": "as uploaded, for display only"}
    )
    content_type = fields.String(
        required=True, metadata={"description": "decided by the content when it was uploaded"}
    )
    size = fields.Integer(required=True, metadata={"description": "bytes"})
    sha256 = fields.String(required=True, metadata={"description": "hex; also the content's ETag"})
    uploaded_by = fields.String(required=True)
    uploaded_at = fields.AwareDateTime(required=True)
    replaces = fields.Integer(
        required=True, allow_none=True, metadata={"description": "the earlier version"}
    )
    replaced_by = fields.Integer(
        required=True, allow_none=True, metadata={"description": "the newer version"}
    )
    current = fields.Boolean(required=True, metadata={"description": "not replaced"})
    step = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "trigger of the step that attached it; null: attached alone"},
    )
    event_id = fields.Integer(
        required=True, metadata={"description": "the event of the case's history that attached it"}
    )
    previewable = fields.Boolean(
        required=True, metadata={"description": "PDF, JPEG or PNG (the UI shows it in the page)"}
    )
    links = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "`self` (this record), `content` (the bytes), `case`"},
    )


class DocumentList(Schema):
    case_id = fields.Integer(required=True)
    documents = fields.List(fields.Nested(Document), required=True)


class Comment(Schema):
    event_id = fields.Integer(required=True, metadata={"description": "its event in the history"})
    case_id = fields.Integer(required=True)
    author = fields.String(required=True)
    at = fields.AwareDateTime(required=True)
    text = fields.String(required=True)


class CommentList(Schema):
    case_id = fields.Integer(required=True)
    comments = fields.List(fields.Nested(Comment), required=True)
