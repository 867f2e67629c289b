"""The charts of the dashboard and the year-end page, from `engine.oversight.history.Trends`:
coverage and overdue over time, and per procedure the time in each step with the slowest step
marked on its diagram. Each chart comes with the rows of its table fallback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from engine.definitions.model import Definitions
from engine.oversight.history import Trends, slowest
from web import charts, diagram
from web.ui.common import lang, lbl
from web.ui.labels import choice_label


@dataclass(frozen=True)
class StepView:
    procedure: str
    label: str
    chart: Markup
    rows: list[dict[str, Any]]
    slowest: str | None
    diagram: Markup


def _day(d: Any) -> str:
    return f"{d:%Y-%m-%d}"


def _tick(d: Any) -> str:
    """An axis label: the month of a month end, the whole date of another day (today)."""
    return f"{d:%Y-%m}" if (d + timedelta(days=1)).day == 1 else f"{d:%Y-%m-%d}"


def trend_charts(t: Trends, prefix: str) -> dict[str, Any]:
    """The coverage and overdue charts (SVG) and the rows of their tables."""
    x = [_day(d) for d in t.days]
    ticks = [_tick(d) for d in t.days]
    keys = ("registered", "party_org", "instructor", "none")
    names = {
        "registered": _("Registered organizations"),
        **{k: lbl(choice_label(k)) for k in keys[1:]},
    }
    coverage = charts.line_chart(
        f"{prefix}-coverage",
        _("Coverage over time (REG-7)"),
        _(
            "Registered organizations and how they were covered at the end of each month, "
            "from %(first)s to %(last)s.",
            first=x[0],
            last=x[-1],
        ),
        ticks,
        [charts.Series(names[k], [p.values[k] for p in t.coverage]) for k in keys],
        _("Month end"),
        _("Organizations"),
    )
    overdue = charts.line_chart(
        f"{prefix}-overdue",
        _("Overdue cases over time (ACC-1)"),
        _(
            "Open cases with a deadline run out, at the end of each month, from %(first)s "
            "to %(last)s.",
            first=x[0],
            last=x[-1],
        ),
        ticks,
        [charts.Series(_("Overdue cases"), [p.values["overdue"] for p in t.overdue])],
        _("Month end"),
        _("Cases"),
    )
    rows = [
        {"day": x[i], **t.coverage[i].values, "overdue": t.overdue[i].values["overdue"]}
        for i in range(len(x))
    ]
    return {"coverage": coverage, "overdue": overdue, "rows": rows, "names": names}


def step_views(t: Trends, defs: Definitions, prefix: str) -> list[StepView]:
    """Per procedure with completed spells: the bar chart, its rows and the newest
    version's diagram with the slowest step marked."""
    out = []
    latest = {d.procedure: d for d in defs.latest()}
    for procedure, times in sorted(t.steps.items()):
        d = latest.get(procedure)
        if d is None:
            continue
        label = lbl(d.label)
        worst = slowest(times)

        def state_name(s: str, d: Any = d) -> str:
            return lbl(d.states[s].label) if s in d.states else s

        bars = [
            charts.Bar(state_name(s.state), s.median_days, s.p90_days, s.spells, s.state == worst)
            for s in times
        ]
        chart = charts.step_chart(
            f"{prefix}-steps-{procedure}",
            _("Days spent in each step: %(procedure)s", procedure=label),
            _(
                "Median (bar) and 90th percentile (tick) of the days cases spent in each step, "
                "for the stays that ended in the period; the slowest step is marked."
            ),
            bars,
            _("Days"),
            _("median"),
            _("90th percentile"),
            _("slowest step"),
        )
        rows = [
            {
                "state": s.state,
                "label": state_name(s.state),
                "spells": s.spells,
                "median": round(s.median_days, 1),
                "p90": round(s.p90_days, 1),
                "slowest": s.state == worst,
            }
            for s in times
        ]
        drawing = diagram.render(d, None, (), lang(), slowest=worst, slowest_note=_("slowest step"))
        out.append(StepView(procedure, label, chart, rows, worst, drawing))
    return out
