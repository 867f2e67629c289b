"""Left only for `web/cli/escalation.py`, which names users through `list_users(uow)`.

Delete this module once that caller reads `engine.directory.read.list_users(uow, SYSTEM)`
(a `Page` of dicts) like every other adapter; nothing else imports it.
"""

from __future__ import annotations

from types import SimpleNamespace

from engine.access.actor import SYSTEM
from engine.directory import read
from engine.store.unit_of_work import UnitOfWork


def list_users(uow: UnitOfWork) -> list[SimpleNamespace]:
    """Every user, as `read.list_users` pages them for the system actor (attribute access)."""
    out: list[SimpleNamespace] = []
    offset: int | None = 0
    while offset is not None:
        page = read.list_users(uow, SYSTEM, per_page=500, offset=offset)
        out += [SimpleNamespace(**row) for row in page.rows]
        offset = page.next_offset
    return out
