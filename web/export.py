"""Any list as an XLSX workbook (openpyxl, write-only: rows are streamed, not held).

Supervisors take the overdue record to meetings (ACC-1); the export is the same query as
the page, without the page limit. Text that a spreadsheet would run as a formula is stored
as plain text.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from engine.calendar import SHANGHAI

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@")


def _cell(ws: Any, value: Any, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, datetime):
        value = value.astimezone(SHANGHAI).replace(tzinfo=None)
    elif value is not None and not isinstance(value, int | float | date | bool | str):
        value = str(value)
    if isinstance(value, str):
        # A value stored before the input policy (or typed into a system that allowed it) must
        # not make the workbook impossible to write for everyone in scope: XML 1.0 cannot
        # carry these characters, so they are shown as U+FFFD.
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell.data_type = "s"
    if isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    if bold:
        cell.font = Font(bold=True)
    return cell


def workbook_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """Sheets of (title, headers, rows) as the bytes of an .xlsx file."""
    wb = Workbook(write_only=True)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title=title[:31])
        ws.append([_cell(ws, h, bold=True) for h in headers])
        for row in rows:
            ws.append([_cell(ws, v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(
    filename: str, sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]
) -> Response:
    """A download of the workbook; the file name is ASCII so every browser keeps it."""
    resp = Response(workbook_bytes(sheets), mimetype=XLSX_MIME)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return resp
