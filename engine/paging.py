"""One page of a list: the one `Page` type every reader returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.store.tables import (
    Case,
    Deadline,
    Instructor,
    Member,
    Organization,
    PartyOfficer,
    PartyOrganization,
    Unit,
    User,
)

cases_t = Case.__table__


deadlines_t = Deadline.__table__


orgs_t = Organization.__table__


units_t = Unit.__table__


users_t = User.__table__


party_t = PartyOrganization.__table__


instructors_t = Instructor.__table__


members_t = Member.__table__


officers_t = PartyOfficer.__table__


#: How overdue a case is, in days past its earliest open deadline: (lower, upper) bounds,
#: upper exclusive, None for open-ended. A presentation grouping for the ACC-1 chart.
AGE_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 7), (7, 30), (30, 90), (90, None))


@dataclass(frozen=True)
class Page:
    """One page of a list, with the total behind it so the pager can say "page 3 of 40"."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_count(total: int, per_page: int, page: int) -> int:
    return max(1, min(page, max(1, -(-total // per_page))))
