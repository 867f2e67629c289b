"""One mapping from domain errors to HTTP answers."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template_string
from marshmallow import ValidationError

from engine.errors import Conflict, Forbidden, NotFound, TransitionRefused

_PAGE = """<!doctype html><meta charset="utf-8"><title>{{ code }}</title>
<h1>{{ code }} — {{ title }}</h1><p>{{ message }}</p><p><a href="/">返回首页 / Back to the start page</a></p>"""


def _answer(code: int, title: str, message: str, extra: dict[str, Any] | None = None) -> Any:
    body = {"status": code, "title": title, "detail": message, **(extra or {})}
    resp = (
        jsonify(body)
        if _wants_json()
        else render_template_string(_PAGE, code=code, title=title, message=message)
    )
    return resp, code


def _wants_json() -> bool:
    from flask import request

    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def init_app(app: Flask) -> None:
    @app.errorhandler(NotFound)
    def _nf(err: NotFound) -> Any:
        return _answer(404, "未找到 / Not found", str(err))

    @app.errorhandler(Forbidden)
    def _fb(err: Forbidden) -> Any:
        return _answer(403, "无权限 / Forbidden", err.message)

    @app.errorhandler(Conflict)
    def _cf(err: Conflict) -> Any:
        return _answer(
            409,
            "冲突 / Conflict",
            str(err),
            {"current_version": err.current_version, "current_state": err.current_state},
        )

    @app.errorhandler(TransitionRefused)
    def _tr(err: TransitionRefused) -> Any:
        r = err.refusal
        return _answer(
            409,
            f"依据 {r.rule} 不予办理 / Refused by {r.rule}",
            f"{r.zh} / {r.en}",
            {"refusal": r.as_dict()},
        )

    @app.errorhandler(ValidationError)
    def _ve(err: ValidationError) -> Any:
        return _answer(422, "输入有误 / Invalid input", "see errors", {"errors": err.messages})
