"""Any list as an XLSX workbook (openpyxl, write-only: rows are streamed, not held).

Supervisors take the overdue record to meetings (ACC-1); the export is the same query as
the page, without the page limit. Text that a spreadsheet would run as a formula is stored
as plain text.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from engine.calendar import SHANGHAI

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@")


def _plain(value: Any) -> Any:
    """A value as a cell may hold it: datetimes in Shanghai time without a zone, anything
    else not a number, date, bool or text as text, text without what XML 1.0 cannot carry
    (a value stored before the input policy, or typed into a system that allowed it, must
    not make the workbook impossible to write for everyone in scope: shown as U+FFFD)."""
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).replace(tzinfo=None)
    if value is not None and not isinstance(value, int | float | date | bool | str):
        value = str(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def _as_text(cell: Any, value: Any) -> None:
    """Text a spreadsheet would run as a formula (a name typed as "=HYPERLINK(…)") is kept
    as the text it is."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell.data_type = "s"


def put(ws: Any, row: int, column: int, value: Any) -> Any:
    """`ws.cell(row, column, value)` for the workbooks laid out cell by cell (the statistics,
    the year-end report), under the same rules as `workbook_bytes`' rows."""
    value = value if isinstance(value, Decimal) else _plain(value)  # money stays a number
    cell = ws.cell(row=row, column=column, value=value)
    _as_text(cell, value)
    return cell


def _cell(ws: Any, value: Any, bold: bool = False) -> WriteOnlyCell:
    value = _plain(value)
    cell = WriteOnlyCell(ws, value=value)
    _as_text(cell, value)
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
