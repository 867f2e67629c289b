"""The inbox as an XLSX workbook: the same rows, filters and scope as the page."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from engine.cases import listing as case_lists
from web.export import xlsx_response
from web.ui.common import (
    actor,
    moment,
    procedure_label,
    runtime,
    state_label,
    today,
    unit_name,
)


def export_cases(filt: case_lists.CaseFilter) -> Any:
    """Every case the filter selects (not one page), one row each."""
    rt = runtime()
    headers = [
        _("Case"),
        _("Organization"),
        _("Credit code"),
        _("Procedure"),
        _("Current step"),
        _("Unit"),
        _("Assignee"),
        _("Opened"),
        _("Last change"),
        _("Next deadline"),
        _("Provisional"),
    ]
    rows = (
        (
            r["id"],
            r["organization"],
            r["credit_code"],
            procedure_label(r["procedure"], r["definition_version"]),
            state_label(r["procedure"], r["definition_version"], r["state"]),
            unit_name(r),
            r["assignee"],
            r["opened_at"],
            r["updated_at"],
            r["next_due"],
            bool(r["provisional"]),
        )
        for r in case_lists.iter_cases(rt.reader(), actor(), filt, moment())
    )
    return xlsx_response(
        f"tongbu-cases-{filt.view}-{today():%Y%m%d}", [(_("Cases"), headers, rows)]
    )
