"""Your notifications, and the ACC-1 accountability report (who is late, per unit)."""

from __future__ import annotations

from flask import Response

from engine.oversight import accountability as reports
from engine.oversight import notifications
from engine.oversight.figures import Moment
from web.api import bp, resources, schemas
from web.api.common import (
    actor,
    args,
    idempotent,
    json_body,
    json_response,
    operation,
    page,
    runtime,
)


@bp.get("/notifications")
@operation(
    summary="Your notifications",
    description="Reminders and escalations addressed to the token's user, newest first.",
    tags=["notifications"],
    args=schemas.NotificationArgs,
    responses={200: (resources.NotificationPage, "a page of notifications")},
)
def list_notifications() -> Response:
    a = args(schemas.NotificationArgs)
    rt, who = runtime(), actor()
    rows = notifications.list_for_user(
        rt.reader(), who.id, unread_only=a["unread"], limit=a["limit"] + 1, offset=a["offset"]
    )
    body = page(rows, a["limit"], a["offset"])
    body["unread_count"] = notifications.unread_count(rt.reader(), who.id)
    return json_response(resources.NotificationPage().dump(body))


@bp.post("/notifications/read")
@operation(
    summary="Mark notifications read",
    description="Marks the given ids (or all unread) of your own notifications read; "
    "an id that is not yours is 404.",
    tags=["notifications"],
    body=schemas.MarkRead,
    body_required=False,
    errors=((404, "not-found"),),
    responses={200: (resources.MarkedRead, "how many were marked, and how many stay unread")},
)
@idempotent
def mark_read() -> Response:
    body = schemas.MarkRead().load(json_body())
    rt, who = runtime(), actor()
    marked = notifications.mark_read(rt.uow(), who.id, body["ids"])
    return json_response(
        resources.MarkedRead().dump(
            {"marked": marked, "unread_count": notifications.unread_count(rt.reader(), who.id)}
        )
    )


def _moment() -> Moment:
    """The request's one instant, with the stall threshold (`engine.oversight.figures`)."""
    rt = runtime()
    return Moment.of(rt.definitions, rt.clock.now())


@bp.get("/reports/accountability")
@operation(
    summary="ACC-1 accountability report",
    description="Supervisors and administrators only (as the dashboard). "
    "Per responsible unit in your scope: open, overdue, escalated and stalled "
    "cases, and the longest-overdue deadline; worst first. Overdue: a deadline whose period "
    "has run out (at its end instant inclusive); stalled: no step for `stalled_after_days`.",
    tags=["reports"],
    errors=((403, "forbidden"),),
    responses={200: (resources.Accountability, "report rows and totals")},
)
def accountability() -> Response:
    reports.require_supervising(actor())
    rt = runtime()
    rows = reports.accountability(rt.reader(), actor(), _moment())
    return json_response(
        resources.Accountability().dump({"rows": rows, "totals": reports.totals(rows)})
    )


@bp.get("/reports/accountability/cases")
@operation(
    summary="The cases behind a number of the ACC-1 report",
    tags=["reports"],
    args=schemas.ReportCaseArgs,
    errors=((403, "forbidden"), (404, "not-found")),
    responses={200: (resources.ReportCasePage, "a page of cases")},
)
def accountability_cases() -> Response:
    reports.require_supervising(actor())
    a = args(schemas.ReportCaseArgs)
    rows = reports.LISTS[a["measure"]](
        runtime().reader(),
        actor(),
        _moment(),
        unit_id=a["unit_id"],
        limit=a["limit"] + 1,
        offset=a["offset"],
    )
    return json_response(resources.ReportCasePage().dump(page(rows, a["limit"], a["offset"])))
