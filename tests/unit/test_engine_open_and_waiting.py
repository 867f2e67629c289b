"""Issue 13, the definition format: deadlines opened with the case (`opens_on: ["@open"]`),
anchors on the step's input (`payload.<path>`), and waiting states (`waiting: true`).

Bad uses are load errors naming file and path; the shipped v2 definitions use them where
DOMAIN.md gives the first duty a period (TRF-2, SEC-8) and where a state waits by design
(SEC-7/SEC-9 in office, DEC-3 monitoring).
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from engine.calendar import LegalCalendar
from engine.cases.deadlines import deadline_rows
from engine.definitions.loader import DEFAULT_DIR, collect, load_definitions
from engine.definitions.model import OPEN_TRIGGER
from engine.oversight.figures import Moment
from engine.registry import load_registry

REGISTRY = load_registry()
DEFS = load_definitions(DEFAULT_DIR, REGISTRY)
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def broken(tmp_path: Path, name: str, mutate) -> list[tuple[str, str, str]]:
    folder = tmp_path / "defs"
    shutil.copytree(DEFAULT_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    doc = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
    mutate(doc)
    (folder / name).write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    _, problems = collect(folder, REGISTRY)
    return [(p.file, p.path, p.problem) for p in problems]


def _deadline(doc: dict, key: str) -> dict:
    return next(d for d in doc["deadlines"] if d["id"] == key)


def _state(doc: dict, sid: str) -> dict:
    return next(s for s in doc["states"] if s["id"] == sid)


BAD = [
    (
        "misspelt opening",
        "adjustment.v2.yaml",
        lambda d: _deadline(d, "contact_receiving").update(opens_on=["@opened"]),
        "deadlines.0.opens_on.0",
        "'@open' (when the case opens)",
    ),
    (
        "opening cannot meet a deadline",
        "adjustment.v2.yaml",
        lambda d: _deadline(d, "contact_receiving").update(closes_on=["@open"]),
        "deadlines.0.closes_on.0",
        "lower_snake_case",
    ),
    (
        "unknown anchor source",
        "secretary.v2.yaml",
        lambda d: _deadline(d, "fill_vacancy").update(anchor="form.reported_on"),
        "deadlines.2.anchor",
        "'payload.<field>'",
    ),
    (
        "empty anchor path",
        "secretary.v2.yaml",
        lambda d: _deadline(d, "fill_vacancy").update(anchor="payload."),
        "deadlines.2.anchor",
        "'payload.<field>'",
    ),
    (
        "waiting is a yes or no",
        "secretary.v2.yaml",
        lambda d: _state(d, "in_office").update(waiting="sometimes"),
        "states.3.waiting",
        "Not a valid boolean",
    ),
    (
        "a terminal state does not wait",
        "decoupling.v2.yaml",
        lambda d: _state(d, "normal").update(waiting=True),
        "states.4.waiting",
        "cannot be waiting",
    ),
]


@pytest.mark.parametrize(
    ("title", "name", "mutate", "path", "problem"), BAD, ids=[b[0] for b in BAD]
)
def test_a_bad_opening_anchor_or_waiting_state_names_file_and_path(
    tmp_path, title, name, mutate, path, problem
):
    problems = broken(tmp_path, name, mutate)
    assert any(f == name and p == path and problem in text for f, p, text in problems), problems


def test_trf_v2_opens_the_contact_period_with_the_case_and_v1_keeps_its_meaning():
    """TRF-2: adjustment v2 counts from the report, from the opening; v1 is unchanged."""
    v1, v2 = DEFS.get("adjustment", 1), DEFS.get("adjustment", 2)
    assert DEFS.get("adjustment").version >= 2  # later versions keep it (v3: TRF-4 reaction)
    assert DEFS.get("adjustment").deadline("contact_receiving").opens_on == (OPEN_TRIGGER,)
    assert v1.deadline("contact_receiving").opens_on == ("accept_report",)
    assert v2.deadline("contact_receiving").opens_on == (OPEN_TRIGGER,)
    assert [d.id for d in v2.deadlines_opened_by(OPEN_TRIGGER)] == ["contact_receiving"]
    assert v1.deadlines_opened_by(OPEN_TRIGGER) == []


def test_sec_v2_opens_the_vacancy_period_with_the_case_and_waits_in_office():
    """SEC-8: the period to fill the post opens with the case; SEC-7/SEC-9: in office waits."""
    v1, v2 = DEFS.get("secretary", 1), DEFS.get("secretary", 2)
    assert v2.deadline("fill_vacancy").opens_on == (OPEN_TRIGGER, "report_secretary_change")
    assert v2.waiting_states == ("in_office",)
    assert v1.waiting_states == ()


def test_dec_v2_waits_while_monitoring():
    """DEC-3: the 3 months under the new body are a wait; handing over is work."""
    assert DEFS.get("decoupling", 2).waiting_states == ("monitoring",)
    assert DEFS.get("decoupling", 1).waiting_states == ()


def test_the_stall_figure_knows_every_waiting_state_of_every_version():
    at = Moment.of(DEFS, NOW)
    assert {("secretary", 2, "in_office"), ("decoupling", 2, "monitoring")} <= at.waiting
    # the four first procedures learnt waiting states in their version 2; a procedure that
    # came later (the inspection, coverage) may have them from its first version
    first = ("registration", "adjustment", "decoupling", "secretary")
    assert not any(version == 1 for procedure, version, _ in at.waiting if procedure in first)


def test_sec_anchor_on_the_opening_input_falls_back_to_the_opening_day():
    """SEC-8: `payload.position_change.reported_on` — the reported day when there is one, the
    day the vacancy is opened otherwise."""
    sec = DEFS.get("secretary", 2)
    cal = LegalCalendar()
    reported = {"position_change": {"reported_on": date(2026, 2, 12)}}
    (row,) = deadline_rows(sec, OPEN_TRIGGER, 7, {}, NOW, 1, cal, reported)
    assert (row["key"], row["anchor_date"], row["due_date"]) == (
        "fill_vacancy",
        date(2026, 2, 12),
        date(2026, 5, 12),
    )
    (row,) = deadline_rows(sec, OPEN_TRIGGER, 7, {}, NOW, 1, cal, {"vacancy": "new_organization"})
    assert row["anchor_date"] == date(2026, 3, 2)
