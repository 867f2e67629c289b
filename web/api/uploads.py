"""Multipart uploads on the API: how large a request carrying documents may be, reading each
file bounded, and the parts as `engine.cases.documents.Upload`s.

Every request is held to 2 MB (`web.create_app`); a route that takes documents lets a
multipart request be as large as a case's whole allowance (the local parameter
`document_max_case_mb`) and `UPLOAD_MARGIN` for the framing and the text parts. Beyond that
the answer is the engine's `TooLarge` (413 naming the field and the limit), before the body is
read. Within it each file is read at most one byte past the per-file limit, so an oversize
file is refused (`TooLarge`, 413) without being held in memory. The engine checks both limits
again with the case's documents counted; nothing is stored when either is passed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from flask import Response, request
from marshmallow import ValidationError
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from engine.cases import documents
from engine.cases.documents import MB, TooLarge, Upload
from engine.inputs import MAX_DEPTH, raw_problems
from web.api import schemas
from web.api.casefile_schemas import MATERIAL_ID
from web.api.common import json_body, runtime

MULTIPART = "multipart/form-data"
UPLOAD_MARGIN = 1024 * 1024
"""Room in a request beyond its files: the multipart framing, the note, a step's payload."""


def is_multipart() -> bool:
    return request.mimetype == MULTIPART


def accepts_uploads(view: Callable[..., Response]) -> Callable[..., Response]:
    """Before anything reads the body: a multipart request may carry a case's allowance."""

    @wraps(view)
    def wrapper(*a: Any, **kw: Any) -> Response:
        if not is_multipart():
            return view(*a, **kw)
        per_case = documents.limits(runtime().definitions.parameters)[1]
        limit = per_case + UPLOAD_MARGIN
        if request.content_length is not None and request.content_length > limit:
            raise TooLarge("file", per_case / MB, per_case=True)
        request.max_content_length = limit
        try:
            return view(*a, **kw)
        except RequestEntityTooLarge:
            if request.content_length is not None:
                raise  # a text part past werkzeug's own limit, not the files
            raise TooLarge("file", per_case / MB, per_case=True) from None

    return wrapper


def read_file(part: FileStorage, field: str) -> bytes:
    """The file's bytes, read no further than one byte past the per-file limit."""
    per_file = documents.limits(runtime().definitions.parameters)[0]
    data = part.stream.read(per_file + 1)
    if len(data) > per_file:
        raise TooLarge(field, per_file / MB, per_case=False)
    return data


def form_values() -> dict[str, Any]:
    """The body's parts by name: a text part as its one value (sent twice: refused, 422),
    file parts as a list (the schema that loads them refuses names it does not know)."""
    if not is_multipart():
        raise UnsupportedMediaType("send the documents as multipart/form-data")
    out: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for key in request.form:
        values = request.form.getlist(key)
        if len(values) > 1:
            problems[key] = ["send this part once / 此项只能提交一次"]
        out[key] = values[0]
    for key in request.files:
        if key in out:
            problems[key] = ["sent both as text and as a file / 同名的文本和文件"]
        out[key] = request.files.getlist(key)
    hostile = raw_problems(list(out))
    if hostile:
        raise ValidationError({"_schema": ["a part's name is not acceptable / 字段名无效"]})
    if problems:
        raise ValidationError(problems)
    return out


def uploads(
    parts: Iterable[tuple[str, FileStorage]],
    material: Callable[[str], str | None],
    replaces: int | None = None,
) -> list[Upload]:
    """Each (part name, file) as an Upload named by its part (errors name the part)."""
    return [
        Upload(f.filename or "", read_file(f, name), material(name), replaces, name)
        for name, f in parts
    ]


# ---------------------------------------------------------------- a step's multipart form


def step_body() -> tuple[dict[str, Any], list[Upload]]:
    """A step's request: its JSON body, or a multipart form whose `payload` part is that
    JSON as text and whose files are named by material id (`file`: another document)."""
    if not is_multipart():
        return schemas.Fire().load(json_body()), []
    parts = form_values()
    text = parts.pop("payload", "")
    problems: dict[str, list[str]] = {}
    if not isinstance(text, str):
        problems["payload"] = ["send the payload as a text part (JSON) / payload 应为文本"]
    for name, value in parts.items():
        if not isinstance(value, list):
            problems[name] = [
                "only `payload` is text; files are named by a material id or `file` / "
                "除 payload 外只能上传文件"
            ]
        elif not re.fullmatch(MATERIAL_ID, name):
            problems[name] = ["not a material id / 不是材料标识"]
    if problems:
        raise ValidationError(problems)
    try:
        body = schemas.Fire().load(_payload(text))
    except ValidationError as err:
        raise ValidationError({"payload": err.messages}) from err
    files = [(name, f) for name, fs in parts.items() for f in fs]
    return body, uploads(files, lambda name: None if name == "file" else name)


def _payload(text: str) -> Any:
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except RecursionError:
        raise ValidationError(f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise ValidationError(f"not valid JSON: {exc} / 不是有效的 JSON") from None


def step_error(err: ValidationError, files: list[Upload]) -> ValidationError:
    """The engine's refusal of a step's input, where it sits in the request: a file's under
    its part, the form's under `data` (in a multipart request: `payload.data`).

    The engine reads the form before the files (`engine.cases.service`), and refuses a file
    only in `documents.prepare`: an error raised there is a file's."""
    if files and _raised_in(err, documents.prepare):
        messages = dict(err.messages) if isinstance(err.messages, dict) else {"file": err.messages}
        if "material" in messages:
            named = [u for u in files if u.material is not None]
            said = " ".join(str(m) for m in messages["material"])
            at = next((u.field for u in named if said.startswith(repr(u.material))), "material")
            messages[at] = messages.pop("material")
        return ValidationError(messages)
    if is_multipart():
        return ValidationError({"payload": {"data": err.messages}})
    return ValidationError({"data": err.messages})


def _raised_in(err: BaseException, fn: Callable[..., Any]) -> bool:
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is fn.__code__:
            return True
        tb = tb.tb_next
    return False
