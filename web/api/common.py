"""What every API view shares: the runtime, the actor behind the token, JSON in and out,
query arguments, ETag / If-Match, Idempotency-Key, and the OpenAPI note on each view.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, current_app, g, json, request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from engine.access import idempotency, tokens
from engine.access.actor import Actor
from engine.access.tokens import InvalidToken
from engine.inputs import MAX_DEPTH, raw_problems
from web.api.problems import BadHeader, PreconditionRequired
from web.runtime import Runtime

# ---------------------------------------------------------------- runtime and actor


def runtime() -> Runtime:
    return current_app.extensions["tongbu"]


def actor() -> Actor:
    return g.api_actor


def authenticate() -> None:
    """Bearer auth (RFC 6750): the token stands for its user, with the user's role and unit."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise InvalidToken("send Authorization: Bearer <token> (tongbu token create)")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("the Authorization header must be: Bearer <token>")
    g.api_actor = tokens.authenticate(runtime().uow(), token.strip())


# ---------------------------------------------------------------- JSON in and out


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    resp = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json"
    )
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def json_body() -> Any:
    """The request body as JSON; an empty body is an empty object (steps without input)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if not request.is_json:
        raise UnsupportedMediaType("send the body as application/json")
    try:
        body = json.loads(raw)
    except RecursionError:
        raise BadRequest(f"the body is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    problems = raw_problems(body)
    if problems:
        # A lone surrogate or a control character anywhere, or too deep: the policy of
        # engine.inputs, applied to the whole body before any schema (a 422 naming the field).
        raise ValidationError(problems)
    return body


def args(schema: type[Schema]) -> dict[str, Any]:
    """Query arguments through a marshmallow schema (422 with the field on bad input)."""
    raw = request.args.to_dict()
    problems = raw_problems(raw)
    if problems:
        raise ValidationError(problems)
    return schema().load(raw)


def page(items: list[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    """One page; callers fetch limit + 1 rows so we know whether there is a next page."""
    more = len(items) > limit
    return {
        "items": items[:limit],
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if more else None,
    }


# ---------------------------------------------------------------- ETag and If-Match

_ENTITY_TAG = re.compile(r'^(W/)?"([\x21\x23-\x7e\x80-\xff]*)"$')


def etag(version: int) -> str:
    """The case version as a strong entity tag: it is what optimistic locking compares."""
    return f'"{version}"'


def expected_version() -> int:
    """The case version named by If-Match (required on a fire, RFC 9110 §13.1.1).

    A strong tag "N" is version N. A weak tag or any other tag can never match under the
    strong comparison If-Match uses, so it is passed as version 0 (no case has it) and the
    service answers with the current version: 412 with the current state.
    """
    raw = request.headers.get("If-Match")
    if raw is None or not raw.strip():
        raise PreconditionRequired(
            'firing a step needs If-Match: "<version>", the ETag of the case as you read it'
        )
    raw = raw.strip()
    g.if_match_raw = raw
    if raw == "*":
        raise PreconditionRequired(
            'If-Match: * would fire on whatever the case has become; send the ETag you read, e.g. "3"'
        )
    tags = [t.strip() for t in raw.split(",")]
    if len(tags) != 1:
        raise BadHeader("If-Match must carry exactly one entity tag, the case's ETag")
    m = _ENTITY_TAG.match(tags[0])
    if m is None:
        raise BadHeader(f'If-Match {raw!r} is not an entity tag; send it as received, e.g. "3"')
    weak, opaque = m.groups()
    if weak or not opaque.isdigit() or len(opaque) > 9:
        return 0
    return int(opaque)


# ---------------------------------------------------------------- Idempotency-Key

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_REPLAYED_HEADERS = ("ETag", "Location", "Content-Type")


def _fingerprint() -> str:
    body: Any
    if request.mimetype == "multipart/form-data":
        body = _form_fingerprint()
    else:
        try:
            body = json.loads(request.get_data(cache=True) or b"null")
        except (ValueError, RecursionError):
            body = request.get_data(cache=True).hex()
    canonical = json.dumps(
        [
            request.method,
            request.path,
            sorted(request.args.items(multi=True)),
            body,
            request.headers.get("If-Match"),
        ],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _form_fingerprint() -> list[Any]:
    """A multipart body by what it says, not how it was framed: a retry's random boundary
    differs, its parts do not (each file by its name and SHA-256; the stream is rewound)."""
    files = []
    for name, part in request.files.items(multi=True):
        digest = hashlib.file_digest(part.stream, "sha256").hexdigest()  # type: ignore[arg-type]
        part.stream.seek(0)
        files.append([name, part.filename or "", digest])
    return [sorted(request.form.items(multi=True)), sorted(files)]


def idempotent(view: Callable[..., Response]) -> Callable[..., Response]:
    """Honour `Idempotency-Key` on a POST: the first run's 2xx answer is replayed to retries.

    A 4xx or 5xx answer changed nothing (every service is all-or-nothing), so the key is
    released and a corrected retry may use it again.
    """

    @wraps(view)
    def wrapper(*a: Any, **kw: Any) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*a, **kw)
        if not _KEY.match(key):
            raise ValidationError(
                {"Idempotency-Key": ["1 to 255 visible ASCII characters (a UUID is a good key)"]}
            )
        rt, user_id = runtime(), actor().id
        stored = idempotency.reserve(
            rt.uow(), user_id, key, _fingerprint(), request.method, request.path
        )
        if stored is not None:
            resp = json_response(stored.body, stored.status, stored.headers)
            resp.headers["Idempotent-Replayed"] = "true"
            return resp
        try:
            resp = view(*a, **kw)
        except BaseException:
            _release(rt, user_id, key)
            raise
        if 200 <= resp.status_code < 300:
            idempotency.complete(
                rt.uow(),
                user_id,
                key,
                idempotency.StoredResponse(
                    resp.status_code,
                    resp.get_json(),
                    {h: resp.headers[h] for h in _REPLAYED_HEADERS if h in resp.headers},
                ),
            )
        else:
            _release(rt, user_id, key)
        return resp

    return wrapper


def _release(rt: Runtime, user_id: int, key: str) -> None:
    try:
        idempotency.release(rt.uow(), user_id, key)
    except Exception:  # the original error matters more; the key then reads "in progress"
        current_app.logger.exception("could not release Idempotency-Key %r", key)


# ---------------------------------------------------------------- OpenAPI notes on views


def operation(**spec: Any) -> Callable[[Callable], Callable]:
    """Attach this view's OpenAPI operation (summary, tags, args, body, responses...).

    `web.api.openapi` walks the URL map and reads these notes, so every route is described
    and a route without a note fails the test that checks the description is complete.
    """

    def deco(fn: Callable) -> Callable:
        fn.openapi = spec  # type: ignore[attr-defined]
        return fn

    return deco
