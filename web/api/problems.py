"""Errors as `application/problem+json` (RFC 9457), registered on the API blueprint only.

Each domain error maps to one status here, once. The `type` of a problem is a URI reference
to its explanation on the API's docs page (`/api/v1/docs#problem-<slug>`), so a client
developer who meets one can read what it means and what to do.

| error                              | status | type slug              |
|------------------------------------|--------|------------------------|
| missing / invalid bearer token     | 401    | unauthorized           |
| Forbidden (role, unit scope)       | 403    | forbidden              |
| NotFound, unknown route            | 404    | not-found              |
| TransitionRefused (a guard's rule) | 409    | transition-refused     |
| Idempotency-Key still in progress  | 409    | idempotency-in-progress|
| Conflict (stale `expected_version`)| 409    | version-conflict       |
| Conflict (stale If-Match)          | 412    | precondition-failed    |
| ValidationError (marshmallow)      | 422    | validation             |
| Idempotency-Key reused, new body   | 422    | idempotency-key-reused |
| a migration plan that does not fit | 422    | plan-refused           |
| If-Match missing on a fire         | 428    | precondition-required  |
| TooLarge (a file, a case's files)  | 413    | too-large              |
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, g, json, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from engine.access.idempotency import KeyInProgress, KeyReused
from engine.access.tokens import InvalidToken
from engine.cases.documents import TooLarge
from engine.errors import Conflict, Forbidden, NotFound, TransitionRefused

PROBLEM_JSON = "application/problem+json"
DOCS = "/api/v1/docs"
log = logging.getLogger(__name__)

# slug -> (status, title zh / en, what it means): the docs page lists these.
PROBLEM_TYPES: dict[str, tuple[int, str, str]] = {
    "bad-request": (
        400,
        "请求格式有误 / Bad request",
        "The body is not JSON or a header is malformed.",
    ),
    "unauthorized": (
        401,
        "未认证 / Unauthorized",
        "No bearer token, or it is unknown, revoked, or its user is inactive. "
        "Create one with `tongbu token create --user NAME`.",
    ),
    "forbidden": (
        403,
        "无权限 / Forbidden",
        "Your role cannot take this step, or the resource belongs to a unit outside yours.",
    ),
    "not-found": (404, "未找到 / Not found", "No such resource (or route)."),
    "method-not-allowed": (405, "方法不允许 / Method not allowed", "See the Allow header."),
    "transition-refused": (
        409,
        "不予办理 / Transition refused",
        "A rule of the procedure refuses the step now; `refusal` names the rule "
        "(DOMAIN.md ID) and says why in Chinese and English. The case is unchanged.",
    ),
    "idempotency-in-progress": (
        409,
        "请求处理中 / Request in progress",
        "A request with this Idempotency-Key has not finished. Retry later.",
    ),
    "version-conflict": (
        409,
        "版本已变化 / Version conflict",
        "`expected_version` in the body is not the case's current version: someone changed "
        "the case. Nothing was done; `current_version` and `current_state` say where it is "
        "now. Read it again and decide on the current state.",
    ),
    "precondition-failed": (
        412,
        "版本已变化 / Precondition failed",
        "If-Match does not name the case's current version: someone changed it. "
        "`current_version` and `current_state` say where it is now; the ETag header carries it.",
    ),
    "too-large": (
        413,
        "文件过大 / Too large",
        "A file is larger than one document may be (local parameter `document_max_file_mb`), "
        "or the case's documents together would pass `document_max_case_mb`; `errors` names "
        "the field, `limit_mb` the limit. Nothing was stored. (A request body past what the "
        "route reads at all is 413 too.)",
    ),
    "unsupported-media-type": (
        415,
        "不支持的内容类型 / Unsupported media type",
        "Send the body as application/json.",
    ),
    "validation": (
        422,
        "输入有误 / Invalid input",
        "`errors` maps each field (dotted into nested objects) to messages naming the rule.",
    ),
    "plan-refused": (
        422,
        "迁移方案不予执行 / Migration plan refused",
        "The migration plan does not fit the definitions or some open case: `report` is the "
        "dry run, with the plan's problems and, per case, what refuses it. Nothing was written.",
    ),
    "idempotency-key-reused": (
        422,
        "幂等键已用于其他请求 / Idempotency-Key reused",
        "The Idempotency-Key was first used with a different request (method, path, body "
        "or If-Match). Use a new key for a new request.",
    ),
    "precondition-required": (
        428,
        "缺少 If-Match / Precondition required",
        'Firing a step needs If-Match with the ETag you read (e.g. If-Match: "3").',
    ),
    "server-error": (500, "服务器错误 / Server error", "A bug; the request changed nothing."),
}


class PreconditionRequired(Exception):
    """RFC 6585: the request must be conditional (If-Match) and is not."""


class BadHeader(Exception):
    """A header is present but malformed."""


def problem(
    slug: str,
    detail: str,
    *,
    status: int | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    code, title, _ = PROBLEM_TYPES[slug]
    body = {
        "type": f"{DOCS}#problem-{slug}",
        "title": title,
        "status": status or code,
        "detail": detail,
        "instance": request.path,
        **{k: v for k, v in extensions.items() if v is not None},
    }
    resp = Response(
        json.dumps(body, ensure_ascii=False), status=status or code, mimetype=PROBLEM_JSON
    )
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def _not_found(err: NotFound) -> Response:
    return problem("not-found", str(err))


def _forbidden(err: Forbidden) -> Response:
    return problem("forbidden", err.message)


def _refused(err: TransitionRefused) -> Response:
    r = err.refusal
    resp = problem(
        "transition-refused",
        f"[{r.rule}] {r.zh} / {r.en}",
        refusal=r.as_dict(),
        trigger=err.trigger,
    )
    return resp


def _stale(err: Conflict) -> Response:
    sent = g.get("if_match_raw") or f'"{err.expected_version}"'
    return problem(
        "precondition-failed",
        f"If-Match {sent} does not match the case's current ETag "
        f'"{err.current_version}" (state {err.current_state!r}): someone else changed it; '
        "read the case again and decide on the current state",
        headers={"ETag": f'"{err.current_version}"'},
        current_version=err.current_version,
        current_state=err.current_state,
    )


def version_conflict(err: Conflict) -> Response:
    """A stale `expected_version` sent in a body (no If-Match): 409, with where the case is."""
    return problem(
        "version-conflict",
        f"expected_version {err.expected_version} is not the case's current version "
        f"{err.current_version} (state {err.current_state!r}): someone else changed it; "
        "read the case again and decide on the current state",
        headers={"ETag": f'"{err.current_version}"'},
        current_version=err.current_version,
        current_state=err.current_state,
    )


def _invalid(err: ValidationError) -> Response:
    messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
    return problem("validation", "see `errors`: field → messages", errors=messages)


def _too_large(err: TooLarge) -> Response:
    said = f"{err} / {err.zh}"
    return problem(
        "too-large", said, errors={err.field: [said]}, limit_mb=err.limit_mb, per_case=err.per_case
    )


def _unauthorized(err: InvalidToken) -> Response:
    return problem(
        "unauthorized",
        str(err),
        headers={"WWW-Authenticate": 'Bearer realm="tongbu", error="invalid_token"'},
    )


def _precondition_required(err: PreconditionRequired) -> Response:
    return problem("precondition-required", str(err))


def _bad_header(err: BadHeader) -> Response:
    return problem("bad-request", str(err))


def _key_reused(err: KeyReused) -> Response:
    return problem("idempotency-key-reused", str(err))


def _key_in_progress(err: KeyInProgress) -> Response:
    return problem("idempotency-in-progress", str(err), headers={"Retry-After": "1"})


_HTTP_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "too-large",
    415: "unsupported-media-type",
}


def http_problem(err: HTTPException) -> Response:
    """A werkzeug HTTP error (bad JSON, 404, 405...) as a problem; 405 keeps its Allow."""
    code = err.code or 500
    slug = _HTTP_SLUGS.get(code)
    if slug is None:
        resp = problem("server-error", err.description or err.name, status=code)
    else:
        resp = problem(slug, err.description or err.name)
    if code == 405:
        valid = getattr(err, "valid_methods", None) or ()
        resp.headers["Allow"] = ", ".join(sorted(valid))
    return resp


def _crash(err: Exception) -> Response:
    log.exception("unhandled error in %s %s", request.method, request.path)
    return problem("server-error", f"{type(err).__name__}: the request changed nothing")


def register(bp: Blueprint) -> None:
    """Blueprint-level handlers: they answer for the API's routes only."""
    bp.register_error_handler(NotFound, _not_found)
    bp.register_error_handler(Forbidden, _forbidden)
    bp.register_error_handler(TransitionRefused, _refused)
    bp.register_error_handler(Conflict, _stale)
    bp.register_error_handler(ValidationError, _invalid)
    bp.register_error_handler(TooLarge, _too_large)
    bp.register_error_handler(InvalidToken, _unauthorized)
    bp.register_error_handler(PreconditionRequired, _precondition_required)
    bp.register_error_handler(BadHeader, _bad_header)
    bp.register_error_handler(KeyReused, _key_reused)
    bp.register_error_handler(KeyInProgress, _key_in_progress)
    bp.register_error_handler(HTTPException, http_problem)
    bp.register_error_handler(Exception, _crash)
