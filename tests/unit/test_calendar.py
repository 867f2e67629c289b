"""Legal periods (DOMAIN.md "Time"; PRC Civil Code arts. 200-204) with the official calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from engine.calendar import LegalCalendar, Period, WeekendsOnlyProvider, add_months, end_of_day

cal = LegalCalendar()


def test_month_end_is_clipped_and_adjusted_working_saturday_counts():
    """2026-01-31 + 1 month → 2026-02-28: clipped, and that Saturday is an adjusted working day."""
    d = cal.period_end(date(2026, 1, 31), "P1M")
    assert d.last_day == date(2026, 2, 28)
    assert date(2026, 2, 28).weekday() == 5  # a Saturday …
    assert not d.provisional  # … on which the State Council had people work (调休)


def test_period_ending_on_a_holiday_moves_to_next_working_day():
    """2026-09-01 + 1 month ends on National Day; the period runs to the first working day after."""
    d = cal.period_end(date(2026, 9, 1), "P1M")
    assert d.last_day == date(2026, 10, 8)
    for day in range(1, 8):
        assert not cal.is_workday(date(2026, 10, day))[0]


def test_period_ending_on_an_ordinary_weekend_moves_to_monday():
    d = cal.period_end(date(2026, 2, 7), "P1M")  # 2026-03-07 is a Saturday
    assert d.last_day == date(2026, 3, 9)


def test_start_day_not_counted_for_days():
    """P60D from 2026-03-01: day one is 03-02, day sixty is 04-30."""
    assert cal.period_end(date(2026, 3, 1), "P60D").last_day == date(2026, 4, 30)


@pytest.mark.parametrize(
    ("start", "period", "expected"),
    [
        (date(2024, 1, 31), "P1M", date(2024, 2, 29)),  # leap year: the 29th exists
        (date(2023, 11, 29), "P3M", date(2024, 2, 29)),
        (date(2023, 1, 31), "P1M", date(2023, 2, 28)),  # common year: clipped to the 28th
        (date(2024, 2, 29), "P1Y", date(2025, 2, 28)),  # clipped again a year on
    ],
)
def test_leap_years(start, period, expected):
    assert cal.period_end(start, period).last_day == expected


def test_ends_at_end_of_last_day_shanghai():
    d = cal.period_end(date(2026, 1, 31), "P1M")
    assert d.ends_at == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)  # 24:00 in Shanghai
    assert end_of_day(date(2026, 2, 28)) == d.ends_at


def test_year_not_covered_by_the_calendar_is_provisional_and_counts_weekends():
    d = cal.period_end(date(2026, 12, 2), "P1M")  # 2027-01-02, a Saturday, in an uncovered year
    assert d.provisional
    assert d.last_day == date(2027, 1, 4)


def test_covered_year_is_not_provisional():
    assert not cal.period_end(date(2026, 3, 2), "P1M").provisional


def test_weekends_only_provider_marks_everything_provisional():
    d = LegalCalendar(WeekendsOnlyProvider()).period_end(date(2026, 9, 1), "P1M")
    assert d.provisional and d.last_day == date(2026, 10, 1)  # no holiday data: Thursday stays


@pytest.mark.parametrize("text", ["", "P", "1M", "PT1H", "P1H", "P-1M", "p1m"])
def test_bad_periods_rejected(text):
    with pytest.raises(ValueError):
        Period.parse(text)


def test_period_parse():
    assert Period.parse("P1Y2M3W4D") == Period(years=1, months=2, days=25)


def test_add_months_backwards():
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
