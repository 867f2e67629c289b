"""One page of a list: the one `Page` type every reader returns, and the one way to read it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, func, select


@dataclass(frozen=True)
class Page:
    """One page of a list, with the total behind it so the pager can say "page 3 of 40".

    The pages' UI counts in pages; the API counts in rows (`offset`, `next_offset`). Both are
    views of the same page: `start` is kept only when a caller asked for an offset that is
    not the start of a page.
    """

    rows: list[dict[str, Any]]
    total: int
    page: int
    per_page: int
    start: int | None = None

    @property
    def offset(self) -> int:
        """How many rows of the list come before this page."""
        return (self.page - 1) * self.per_page if self.start is None else self.start

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts; None on the last page."""
        following = self.offset + len(self.rows)
        return following if self.rows and following < self.total else None

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
    """`page`, clamped to the pages there are (a page past the end shows the last one)."""
    return max(1, min(page, max(1, -(-total // per_page))))


def read_page(
    conn: Connection,
    ids: Select,
    rows: Callable[[list[Any]], list[dict[str, Any]]],
    *,
    page: int = 1,
    per_page: int = 25,
    offset: int | None = None,
) -> Page:
    """Count the ordered ids of a list, read the ids of one page, then `rows(ids)` of that page.

    Counting and paging over ids alone keeps the paging on indexed columns, and the rows are
    read in one statement whatever the page size (no query per row). `offset` (the API's)
    is taken as asked; a `page` number (the UI's) past the end is clamped to the last page.
    """
    total = conn.execute(
        select(func.count()).select_from(ids.order_by(None).subquery())
    ).scalar_one()
    if offset is None:
        page = page_count(total, per_page, page)
        start, kept = (page - 1) * per_page, None
    else:
        page, start, kept = offset // per_page + 1, offset, offset
    page_ids: Sequence[Any] = conn.execute(ids.limit(per_page).offset(start)).scalars().all()
    return Page(rows(list(page_ids)) if page_ids else [], total, page, per_page, kept)


def in_order(ids: Sequence[Any], rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`rows` (mappings with an `id`, read with `id IN ids`) as dicts, in the order of `ids`."""
    by_id = {row["id"]: dict(row) for row in rows}
    return [by_id[i] for i in ids if i in by_id]
