"""The workbooks laid out cell by cell (statistics, year-end report) write through
`web.export.put`, under the same rules as the tabular exports: text a user typed that a
spreadsheet would run as a formula stays text, characters XML cannot carry do not break the
file, money stays a number."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from web.export import put


def test_typed_text_is_never_a_formula_and_money_stays_a_number():
    wb = Workbook()
    ws = wb.active
    put(ws, 1, 1, '=HYPERLINK("http://example.com","点此")')
    put(ws, 1, 2, "@SUM(A1)")
    put(ws, 2, 1, "南关区\x01协会")
    put(ws, 2, 2, Decimal("200.50"))
    put(ws, 3, 1, 7)
    buf = io.BytesIO()
    wb.save(buf)
    back = load_workbook(io.BytesIO(buf.getvalue())).active
    assert back.cell(1, 1).data_type == "s"
    assert back.cell(1, 1).value == '=HYPERLINK("http://example.com","点此")'
    assert back.cell(1, 2).data_type == "s" and back.cell(1, 2).value == "@SUM(A1)"
    assert back.cell(2, 1).value == "南关区\ufffd协会"
    assert back.cell(2, 2).value == 200.5 and back.cell(3, 1).value == 7
