"""Deadlines in your units: coming due, and overdue (ACC-1 needs the overdue record)."""

from __future__ import annotations

from flask import Response

from engine.oversight import deadlines as deadline_lists
from engine.oversight.figures import Moment
from web.api import bp, resources, schemas
from web.api.common import actor, args, json_response, operation, page, runtime


@bp.get("/deadlines/due")
@operation(
    summary="Deadlines coming due",
    description="Open deadlines not yet overdue, soonest first: those inside the reminder "
    "window their definition sets (`remind_before`), or with `until`, all due by that date.",
    tags=["deadlines"],
    args=schemas.DueArgs,
    responses={200: (resources.DeadlinePage, "a page of open deadlines")},
)
def due() -> Response:
    a = args(schemas.DueArgs)
    rt = runtime()
    rows = deadline_lists.due_deadlines(
        rt.reader(),
        rt.definitions,
        Moment.of(rt.definitions, rt.clock.now()),
        actor=actor(),
        until=a["until"],
        limit=a["limit"] + 1,
        offset=a["offset"],
    )
    return json_response(resources.DeadlinePage().dump(page(rows, a["limit"], a["offset"])))


@bp.get("/deadlines/overdue")
@operation(
    summary="Overdue deadlines",
    description="Open deadlines whose period has run out, oldest first, with the case, its "
    "organization and unit, and how far escalation has gone.",
    tags=["deadlines"],
    args=schemas.Page,
    responses={200: (resources.DeadlinePage, "a page of overdue deadlines")},
)
def overdue() -> Response:
    a = args(schemas.Page)
    rt = runtime()
    rows = deadline_lists.overdue_deadlines(
        rt.reader(),
        rt.definitions,
        Moment.of(rt.definitions, rt.clock.now()),
        actor=actor(),
        limit=a["limit"] + 1,
        offset=a["offset"],
    )
    return json_response(resources.DeadlinePage().dump(page(rows, a["limit"], a["offset"])))
