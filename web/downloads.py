"""How a document's bytes are sent to whoever may read them: the one place that decides the
headers, for any adapter that serves a document.

A case file takes only what content sniffing accepted (`engine.cases.filetypes`), so no HTML
or SVG is ever stored; still, a served file must never be something a browser runs: it goes
out under its sniffed type with `X-Content-Type-Options: nosniff`, a sandboxing
Content-Security-Policy (attachments), and as an attachment unless it is one of the types a page may show
(PDF, JPEG, PNG) and the caller asked for it inline. Its name is the uploader's, for display,
ending in the extension of what the file is (RFC 6266 / RFC 5987: an ASCII fallback, and the
real name in UTF-8).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Request, Response

from engine.cases.documents import DocumentInfo
from engine.cases.filetypes import ACCEPTED, PREVIEWABLE

_PLAIN_NAME = re.compile(r"[A-Za-z0-9._ ()-]{1,200}")


def extension(info: DocumentInfo) -> str:
    return ACCEPTED.get(info.content_type, ("bin",))[0]


def download_name(info: DocumentInfo) -> str:
    """The uploader's name, ending in the extension of what the file is: a PDF uploaded as
    "scan" or "letter.html" is saved as a .pdf, so the computer opens it as one."""
    ext = extension(info)
    name = info.filename
    have = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    same = {"jpg", "jpeg"} if ext == "jpg" else {ext}
    return name if have in same else f"{name}.{ext}"


def content_disposition(info: DocumentInfo, *, inline: bool = False) -> str:
    """`attachment` (or `inline` for a previewable type only), with both name forms."""
    kind = "inline" if inline and info.content_type in PREVIEWABLE else "attachment"
    name = download_name(info)
    fallback = name if _PLAIN_NAME.fullmatch(name) else f"document-{info.id}.{extension(info)}"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def document_response(
    info: DocumentInfo, data: bytes, request: Request, *, inline: bool = False
) -> Response:
    """The bytes with their headers; `ETag` is the SHA-256, so a client that has them gets
    304 Not Modified (`If-None-Match`)."""
    resp = Response(data, mimetype=info.content_type)
    disposition = content_disposition(info, inline=inline)
    resp.headers["Content-Disposition"] = disposition
    resp.headers["X-Content-Type-Options"] = "nosniff"
    if disposition.startswith("attachment"):
        # Opened anyway (typed into the address bar): nothing in it may run or load.
        # Not on an inline preview: a browser's PDF viewer does not work sandboxed.
        resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cache-Control"] = "private, no-cache"
    resp.set_etag(info.sha256)
    return resp.make_conditional(request)
