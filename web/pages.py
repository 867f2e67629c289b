"""A minimal read-only overview page; the caseworker UI is a later capability."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from engine import services

bp = Blueprint("pages", __name__)


def runtime() -> Any:
    return current_app.extensions["tongbu"]


@bp.get("/")
def index() -> str:
    rt = runtime()
    cases = services.list_cases(rt.reader(), actor=services.SYSTEM, status="open", limit=100)
    return render_template("index.html", cases=cases, definitions=rt.definitions.latest())


@bp.get("/cases/<int:case_id>")
def case(case_id: int) -> str:
    rt = runtime()
    c = services.get_case(rt.reader(), rt.definitions, case_id, actor=services.SYSTEM)
    hist = services.history(rt.reader(), case_id, actor=services.SYSTEM)
    return render_template("case.html", case=c, history=hist)


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
