"""The yearly tables as XLSX in a fixed layout: the statistics sent upward (INF-1, FUND-1).

A committee copies these numbers into the form it sends on, so every figure sits in the same
cell whatever the unit and year (the test reads them by address): the title in A1, the unit
and year in A2–A3, the table by Party organization kind from row 6, coverage from row 14, the
money from row 21; one line per Party organization on the second sheet. Unlike
`web.export` (write-only streaming of long lists), these are small, styled sheets.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from engine.oversight.statistics import Statistics
from web.export import put

#: The fixed rows of the statistics sheet (1-based): kinds, coverage, money.
KIND_HEADER_ROW, KIND_FIRST_ROW = 6, 7
COVERAGE_HEADER_ROW, COVERAGE_FIRST_ROW = 14, 15
MONEY_HEADER_ROW, MONEY_FIRST_ROW = 21, 22
YUAN = "#,##0.00"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEAD_FILL = PatternFill("solid", fgColor="E5E7EB")
WARN_FILL = PatternFill("solid", fgColor="FDE2E1")


def _money(v: Decimal | None) -> float | None:
    return None if v is None else float(v)


def _head(ws: Worksheet, row: int, labels: Sequence[str]) -> None:
    for col, text in enumerate(labels, 1):
        cell = put(ws, row, col, text)
        cell.font = BOLD
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def statistics_workbook(s: Statistics, choice: Callable[[str], str], unit_name: str) -> bytes:
    """The statistics of one unit and year in the request's language; `choice` names a code,
    `unit_name` is the unit in that language."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("Statistics")[:31]
    ws["A1"] = _("Party-building statistics of social organizations")
    ws["A1"].font = TITLE
    put(ws, 2, 1, _("Unit"))
    put(ws, 2, 2, unit_name)
    ws["A3"], ws["B3"] = _("Year"), s.year
    ws["A4"], ws["B4"] = _("As of"), s.as_of
    ws["B4"].number_format = "yyyy-mm-dd"
    _head(ws, KIND_HEADER_ROW, [
        _("Party organization kind"), _("Party organizations"), _("Formed this year"),
        _("Full members"), _("Probationary members"),
    ])  # fmt: skip
    for i, k in enumerate(s.kinds):
        row = (choice(k.kind), k.party_organizations, k.new_in_year, k.full_members,
               k.probationary_members)  # fmt: skip
        for col, v in enumerate(row, 1):
            put(ws, KIND_FIRST_ROW + i, col, v)
    total_row = KIND_FIRST_ROW + len(s.kinds)
    totals = (_("Total"), s.total_party_organizations, sum(k.new_in_year for k in s.kinds),
              sum(k.full_members for k in s.kinds), sum(k.probationary_members for k in s.kinds))  # fmt: skip
    for col, v in enumerate(totals, 1):
        put(ws, total_row, col, v).font = BOLD
    _head(ws, COVERAGE_HEADER_ROW, [_("Coverage"), _("Organizations"), _("Share (%)")])
    reg = s.coverage["registered"]
    cov_rows = [(_("Registered organizations"), reg, 100.0 if reg else 0.0)] + [
        (choice(k), s.coverage[k], round(100.0 * s.coverage[k] / reg, 1) if reg else 0.0)
        for k in ("party_org", "instructor", "none")
    ]
    for i, row in enumerate(cov_rows):
        for col, v in enumerate(row, 1):
            put(ws, COVERAGE_FIRST_ROW + i, col, v)
    _head(ws, MONEY_HEADER_ROW, [_("Money (yuan)"), _("Amount")])
    per_member = (
        (s.money["funding_received"] / s.members).quantize(Decimal("0.01")) if s.members else None
    )
    money_rows: list[tuple[str, Any]] = [
        (_("Party dues collected"), s.money["dues_collected"]),
        (_("Dues returned for Party work"), s.money["dues_returned"]),
        (_("Funding received"), s.money["funding_received"]),
        (_("Start-up support"), s.money["startup_support"]),
        (_("Funding per member"), per_member),
        (_("Floor per member and year (local default)"), s.floor_yuan),
        (_("Party organizations below the floor"), len(s.below_floor)),
        (_("Party organizations with the year recorded"), s.recorded),
    ]
    for i, (label, v) in enumerate(money_rows):
        put(ws, MONEY_FIRST_ROW + i, 1, label)
        cell = ws.cell(row=MONEY_FIRST_ROW + i, column=2)
        if isinstance(v, Decimal):
            cell.value = _money(v)
            cell.number_format = YUAN
        else:
            cell.value = v
    ws.column_dimensions["A"].width = 34
    for col in "BCDE":
        ws.column_dimensions[col].width = 16
    _party_org_sheet(wb.create_sheet(_("Party organizations")[:31]), s, choice)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


#: The columns of the Party-organization sheet, in order.
def N_(message: str) -> str:
    """Marks a message for the catalogue; translated where it is shown."""
    return message


PARTY_ORG_COLUMNS = (
    N_("Party organization"), N_("Kind"), N_("Organization"), N_("Established on"),
    N_("Members"), N_("Party dues collected"), N_("Dues returned for Party work"),
    N_("Funding received"), N_("Start-up support"), N_("Funding per member"),
    N_("Below the floor"),
)  # fmt: skip


def _party_org_sheet(ws: Worksheet, s: Statistics, choice: Callable[[str], str]) -> None:
    _head(ws, 1, [_(c) for c in PARTY_ORG_COLUMNS])  # marked with N_ where defined
    for r, p in enumerate(s.party_organizations, 2):
        values = (
            p["name"], choice(p["kind"]), p["organization"], p["established_on"], p["members"],
            *(_money(p[k]) for k in ("dues_collected", "dues_returned", "funding_received",
                                     "startup_support", "per_member")),
            _("yes") if p["below_floor"] else (_("no") if p["recorded"] else _("not recorded")),
        )  # fmt: skip
        for col, v in enumerate(values, 1):
            cell = put(ws, r, col, v)
            if 6 <= col <= 10 and v is not None:
                cell.number_format = YUAN
            if col == 4 and v is not None:
                cell.number_format = "yyyy-mm-dd"
        if p["below_floor"]:
            for col in range(1, len(values) + 1):
                ws.cell(row=r, column=col).fill = WARN_FILL
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["C"].width = 30
