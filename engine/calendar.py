"""Legal periods as DOMAIN.md "Time" defines them (PRC Civil Code arts. 200-204).

- the day of the starting event is not counted;
- a period in months or years ends on the corresponding day, clipped to the month's last day;
- a period ending on a statutory rest day moves to the next working day, with the State
  Council's adjusted working days (调休) honoured;
- the period ends at the end of its last day, Asia/Shanghai.

Holiday data comes from a maintained library behind `HolidayProvider`, so a new year's
official notice is a library (or provider) update, not a code change. A date the provider
does not cover is judged on weekends alone and the result is flagged provisional.
"""

from __future__ import annotations

import calendar as _cal
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_PERIOD = re.compile(r"^P(?:(?P<y>\d+)Y)?(?:(?P<m>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?$")


@dataclass(frozen=True)
class Period:
    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse the date part of an ISO-8601 duration (PnYnMnWnD); times make no sense here."""
        m = _PERIOD.match(text or "")
        if not m or text == "P":
            raise ValueError(f"not an ISO-8601 period of years/months/weeks/days: {text!r}")
        return cls(
            years=int(m["y"] or 0),
            months=int(m["m"] or 0),
            days=int(m["d"] or 0) + 7 * int(m["w"] or 0),
        )

    def is_zero(self) -> bool:
        return not (self.years or self.months or self.days)

    def isoformat(self) -> str:
        """Back to ISO-8601 (`P1Y2M3D`; weeks come out as days, zero as `P0D`)."""
        text = "".join(
            f"{n}{u}" for n, u in ((self.years, "Y"), (self.months, "M"), (self.days, "D")) if n
        )
        return "P" + (text or "0D")


class HolidayProvider(Protocol):
    def is_workday(self, day: date) -> bool | None:
        """True/False for a covered date; None where the official calendar is not known."""
        ...


class ChineseCalendarProvider:
    """Official State Council schedule via the `chinesecalendar` package."""

    def __init__(self) -> None:
        import chinese_calendar

        self._cc = chinese_calendar

    def is_workday(self, day: date) -> bool | None:
        try:
            return bool(self._cc.is_workday(day))
        except NotImplementedError:
            return None


class WeekendsOnlyProvider:
    """No holiday data at all: everything is provisional. Useful for tests of that path."""

    def is_workday(self, day: date) -> bool | None:
        return None


@dataclass(frozen=True)
class Deadline:
    """The last day of a period, when it ends (aware UTC), and whether the calendar covered it."""

    last_day: date
    ends_at: datetime
    provisional: bool


def add_months(day: date, months: int) -> date:
    """The corresponding day `months` later, clipped to the last day of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


def end_of_day(day: date) -> datetime:
    """The instant a period ending on `day` runs out: midnight after it, Shanghai time, in UTC."""
    return datetime.combine(day + timedelta(days=1), time.min, SHANGHAI).astimezone(UTC)


def local_date(at: datetime) -> date:
    """The Shanghai calendar day an instant falls on (events are anchored to their local day)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(SHANGHAI).date()


class LegalCalendar:
    def __init__(self, provider: HolidayProvider | None = None) -> None:
        self.provider = provider if provider is not None else ChineseCalendarProvider()

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """(is a working day, known from the official calendar)."""
        known = self.provider.is_workday(day)
        if known is None:
            return day.weekday() < 5, False
        return known, True

    def period_end(self, start: date, period: Period | str) -> Deadline:
        """Last day of a period that starts with the event on `start` (that day not counted)."""
        if isinstance(period, str):
            period = Period.parse(period)
        last = add_months(start, period.years * 12 + period.months) + timedelta(days=period.days)
        provisional = False
        while True:
            working, known = self.is_workday(last)
            provisional = provisional or not known
            if working:
                break
            last += timedelta(days=1)
        return Deadline(last_day=last, ends_at=end_of_day(last), provisional=provisional)

    @staticmethod
    def subtract(day: date, period: Period | str) -> date:
        """Calendar arithmetic backwards (for reminder windows, which are not legal periods)."""
        if isinstance(period, str):
            period = Period.parse(period)
        return add_months(day, -(period.years * 12 + period.months)) - timedelta(days=period.days)

    @staticmethod
    def add(day: date, period: Period | str) -> date:
        if isinstance(period, str):
            period = Period.parse(period)
        return add_months(day, period.years * 12 + period.months) + timedelta(days=period.days)


def escalation_due(due_at: datetime, after: Period) -> datetime:
    """A level falls due `after` the deadline ran out, counted on the Shanghai calendar."""
    local = due_at.astimezone(SHANGHAI)
    day = LegalCalendar.add(local.date(), after)
    return datetime.combine(day, local.timetz()).astimezone(due_at.tzinfo)
