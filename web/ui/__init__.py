"""The caseworkers' and supervisors' pages, one blueprint per area, all behind sign-in."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request

from engine.access.actor import Actor
from engine.directory import service as directory_service
from engine.oversight import notifications
from web.ui import (
    admin,
    annual,
    campaigns,
    case_control,
    casefile,
    cases,
    common,
    dashboard,
    directory,
    pick,
    procedures,
    record,
    year_end,
    yearly,
)
from web.ui.labels import ABNORMAL_STATUS, CHOICES, choice_label, field_label

BLUEPRINTS = (
    cases.bp,
    casefile.bp,
    case_control.bp,
    dashboard.bp,
    directory.bp,
    procedures.bp,
    record.bp,
    admin.bp,
    pick.bp,
    yearly.bp,
    year_end.bp,
    campaigns.bp,
    annual.bp,
)


def _template_helpers() -> dict[str, Any]:
    return {
        "lbl": common.lbl,
        "lang": common.lang,
        "local_time": common.local_time,
        "url_with": common.url_with,
        "unit_name": common.unit_name,
        "choice": lambda v: common.lbl(choice_label(str(v))) if v is not None else "",
        "field_name": lambda k: common.lbl(field_label(k)),
        "procedure_label": common.procedure_label,
        "state_label": common.state_label,
        "choice_or_raw": _choice_or_raw,
        "abnormal_status": lambda s: common.lbl(ABNORMAL_STATUS[s]) if s in ABNORMAL_STATUS else s,
        "can_create_organizations": _can_create_organizations,
        "unread_notifications": _unread,
        "current_actor": g.get("actor"),
        "current_path": request.full_path.rstrip("?") if request else "/",
    }


def _choice_or_raw(value: str) -> str:
    """A stored code shown by its label where the glossary knows it, else as typed."""
    return common.lbl(CHOICES[value]) if value in CHOICES else value


def _can_create_organizations(who: Actor | None) -> bool:
    """Whether `who` may record an organization: the role rule `create_organization` applies,
    so the page offers the button only to those the form will accept."""
    return directory_service.may_create_organizations(who)


def _unread() -> int:
    who = g.get("actor")
    if who is None or who.id is None:
        return 0
    return notifications.unread_count(common.runtime().reader(), who.id)


def register_ui(app: Flask) -> None:
    from web.auth import require_login

    names = {bp.name for bp in BLUEPRINTS}

    @app.before_request
    def _signed_in_only() -> Any:
        """Every page of these blueprints needs a signed-in user."""
        if request.blueprint in names:
            return require_login()
        return None

    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    app.context_processor(_template_helpers)
