"""Time as a dependency: engine code never calls datetime.now() itself."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock tests and `tongbu sweep --now` can set and move."""

    def __init__(self, at: datetime) -> None:
        self.at = at if at.tzinfo else at.replace(tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, **kwargs: float) -> None:
        from datetime import timedelta

        self.at = self.at + timedelta(**kwargs)
