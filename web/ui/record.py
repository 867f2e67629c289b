"""The printable case record (案卷, issue 14): the page to print and its PDF.

Both read `engine.cases.record.case_record` with the signed-in user, so a user outside the
case's units gets the same 403 as on the case page; the layout is `web.case_record`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from engine.cases.record import CaseRecord, case_record
from web import case_record as layout
from web.ui.common import actor, now, runtime

bp = Blueprint("record", __name__)


def _record(case_id: int) -> CaseRecord:
    rt = runtime()
    return case_record(rt.reader(), rt.definitions, case_id, actor=actor(), now=now())


@bp.get("/cases/<int:case_id>/record")
def page(case_id: int) -> Any:
    """The record as a page: readable on screen, laid out for A4 when printed."""
    return layout.render_html(_record(case_id))


@bp.get("/cases/<int:case_id>/record.pdf")
def pdf(case_id: int) -> Any:
    """The same record as a PDF download (WeasyPrint)."""
    return layout.pdf_response(_record(case_id))
