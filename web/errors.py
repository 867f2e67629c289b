"""One mapping from domain errors to HTTP answers: a page that says what to do next, or JSON.

Pages under /api/ (and clients asking for JSON) get JSON; the API blueprint registers its
own problem+json handlers, which Flask prefers over these for its routes. Everyone else
gets a page in their language naming the problem and the way forward: the engine's messages
(a Forbidden's reason, a field's error) through `web.messages`, werkzeug's own pages (404 for
an unknown address, 405, 413) with our words for them.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from engine.cases.documents import TooLarge
from engine.errors import Conflict, Forbidden, NotFound, TransitionRefused
from web.forms import flatten_errors
from web.messages import N_, noun, translate_message

log = logging.getLogger("tongbu.web")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _page(code: int, title: str, message: str, steps: list[str], **extra: Any) -> Any:
    return (
        render_template(
            "error.html", code=code, title=title, message=message, steps=steps, **extra
        ),
        code,
    )


def _answer(
    code: int,
    title: str,
    message: str,
    steps: list[str],
    extra: dict[str, Any] | None = None,
) -> Any:
    if _wants_json():
        body = {"status": code, "title": title, "detail": message, **(extra or {})}
        return jsonify(body), code
    return _page(code, title, message, steps, **(extra or {}))


def init_app(app: Flask) -> None:
    @app.errorhandler(NotFound)
    def _nf(err: NotFound) -> Any:
        return _answer(
            404,
            _("Not found"),
            _("There is no %(what)s %(key)s.", what=noun(err.what), key=err.key),
            [
                _("Check the number in the address, or search for it in the case list."),
                _("It may have been entered in another installation or deleted."),
            ],
        )

    @app.errorhandler(Forbidden)
    def _fb(err: Forbidden) -> Any:
        return _answer(
            403,
            _("Not allowed"),
            translate_message(err.message),
            [
                _("You see and act on the cases of your own unit and the units below it."),
                _("If this case should be yours, ask a supervisor or the administrator."),
                _("Steps need the role the procedure names; ask a colleague who has it."),
            ],
        )

    @app.errorhandler(Conflict)
    def _cf(err: Conflict) -> Any:
        return _answer(
            409,
            _("Someone else changed this case"),
            _(
                "Case %(id)s is now at version %(now)s, not the version %(seen)s you saw: someone "
                "else changed it meanwhile. Nothing you sent was saved.",
                id=err.case_id,
                now=err.current_version,
                seen=err.expected_version,
            ),
            [_("Open the case again: it shows what changed; then repeat your step if needed.")],
            {"current_version": err.current_version, "current_state": err.current_state},
        )

    @app.errorhandler(TransitionRefused)
    def _tr(err: TransitionRefused) -> Any:
        r = err.refusal
        return _answer(
            409,
            _("Refused by rule %(rule)s", rule=r.rule),
            r.message("en" if _lang() == "en" else "zh"),
            [_("Do what the rule asks first; the case page lists what is missing.")],
            {"refusal": r.as_dict()},
        )

    @app.errorhandler(TooLarge)
    def _tl(err: TooLarge) -> Any:
        said = err.zh if _lang() == "zh" else str(err)
        return _answer(
            413,
            _("Too large"),
            said,
            [
                _(
                    "Send a smaller file (a scan at a lower resolution, or the document in "
                    "parts); the documents already in the case count towards its limit."
                )
            ],
            {"errors": {err.field: [said]}, "limit_mb": err.limit_mb},
        )

    @app.errorhandler(ValidationError)
    def _ve(err: ValidationError) -> Any:
        return _answer(
            422,
            _("Invalid input"),
            _("Some values are not acceptable."),
            [_("Correct the values named below and try again.")],
            {"errors": err.messages if _wants_json() else _field_errors(err.messages)},
        )

    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError) -> Any:
        return _answer(
            400,
            _("The form has expired"),
            _("The form was not sent from this site, or your session ended: nothing was changed."),
            [
                _("Go back, reload the page and send the form again."),
                _("If you were signed out, sign in again first."),
            ],
        )

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> Any:
        code = err.code or 500
        steps = [_("Go back to the start page and try again.")]
        if code == 404:
            steps = [_("Check the address; use the menu to find the page.")]
        elif code == 405:
            steps = [_("Use the buttons on the page rather than typing the address.")]
        title, description = _HTTP_WORDS.get(code, (err.name, None))
        if err.description and err.description != type(err).description:
            description = translate_message(err.description)  # a view's own words
        return _answer(code, _(title), _(description) if description else "", steps)

    @app.errorhandler(Exception)
    def _crash(err: Exception) -> Any:
        ref = uuid.uuid4().hex[:10]
        log.exception("unhandled error (reference %s)", ref)
        return _answer(
            500,
            _("Something went wrong on our side"),
            _("Nothing you did caused this. Reference: %(ref)s", ref=ref),
            [
                _("Try again in a minute; a step either happened completely or not at all."),
                _("If it keeps happening, give the reference to the administrator."),
            ],
            {"reference": ref},
        )


#: werkzeug's pages in our words (its own are English only).
_HTTP_WORDS: dict[int, tuple[str, str]] = {
    400: (N_("Bad request"), N_("The request could not be understood; nothing was changed.")),
    401: (N_("Not signed in"), N_("Sign in to see this page.")),
    403: (N_("Not allowed"), N_("You may not see this page.")),
    404: (
        N_("Page not found"),
        N_("There is no page at this address. If you typed it, check the spelling."),
    ),
    405: (N_("Not possible here"), N_("This address does not accept that kind of request.")),
    408: (N_("Too slow"), N_("The request took too long to arrive; nothing was changed.")),
    413: (N_("Too large"), N_("What was sent is larger than this site accepts.")),
    414: (N_("Address too long"), N_("The address is longer than this site accepts.")),
    415: (N_("Unsupported format"), N_("What was sent is in a format this site does not read.")),
    429: (N_("Too many requests"), N_("Wait a moment, then try again.")),
    503: (N_("Not available"), N_("The service is not available just now; try again later.")),
}


def _field_errors(messages: Any) -> dict[str, str]:
    """marshmallow's messages for an error page: one line per field, in the page's language."""
    flat = flatten_errors(messages, translate=translate_message)
    return {path: " ".join(msgs) for path, msgs in flat.items()}


def _lang() -> str:
    from web.ui.common import lang

    return lang()
