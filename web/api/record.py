"""The printable case record as a PDF (issue 14): what the UI's "PDF" button gives, for the
systems that archive case files.

The same reader as the UI (`engine.cases.record.case_record`, scoped by the token's user) and
the same layout (`web.case_record`); the language follows `Accept-Language` (Chinese unless
English is asked for).
"""

from __future__ import annotations

from flask import Response

from engine.cases.record import case_record
from web import case_record as layout
from web.api import bp
from web.api.common import actor, operation, runtime


@bp.get("/cases/<int:case_id>/record.pdf")
@operation(
    summary="The case record as a PDF",
    description="One A4 document per case, as printed for the archive: the organization, the "
    "procedure, every step with who took it, when, what they recorded and the rule it cites, "
    "the deadlines and how each ended, and the documents with their SHA-256. Chinese unless "
    "`Accept-Language` asks for English. Sent as an attachment "
    '(`Content-Disposition: attachment; filename="case-<id>-record.pdf"`).',
    tags=["cases"],
    scoped=True,
    media="application/pdf",
    responses={200: ({"type": "string", "format": "binary"}, "the record (application/pdf)")},
)
def case_record_pdf(case_id: int) -> Response:
    rt = runtime()
    record = case_record(rt.reader(), rt.definitions, case_id, actor=actor(), now=rt.clock.now())
    return layout.pdf_response(record)
