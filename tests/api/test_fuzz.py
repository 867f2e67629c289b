"""The API half of the fuzz gate (issue 18 item 4): no request answers 5xx, on SQLite and
PostgreSQL, and a refused request changes nothing.

One app per database over the demo world (tests/fuzz_support.py: cases of every shipped
procedure in many states), shared by the tests of this module.

`test_api_conforms_to_its_description`: schemathesis over the whole OpenAPI description, every
phase the CLI runs but the stateful one: the description's examples, the coverage phase (each
schema's boundaries and the values just past them), the fuzzing phase; both generation modes
(positive, and negative: values the description forbids), NUL allowed in strings; every check.
Half the generated case ids, organization ids and procedures are real ones, and If-Match is
sometimes a real ETag, so the fuzzer reaches the services (and their 409/412/422 answers)
instead of stopping at 404. The steps only a supervisor takes, hand-overs and the reports go
with a supervisor's token, the rest with a caseworker's (a role check comes before a step's
input is read). Bounded: MAX_EXAMPLES per operation and mode in the fuzzing phase; the
coverage phase for every operation but the fire operations, of which it takes the one with
the largest body of each procedure (`_other_steps`).

`test_hostile_values_reach_every_parameter_and_field`: the hostile values of
tests/fuzz_support.py, which schemathesis does not make (NUL, control characters, lone
surrogates as \\ud800 escapes, 10,000-deep JSON, 2^31 and 2^63, 9999-12-31 and 0001-01-01,
100,000 characters, `%` and `_` in the searches), in every path and query parameter of every
GET and in every place of every body, one place at a time, the rest plausible
(tests/api/fuzz_bodies.py); hostile If-Match and Idempotency-Key headers and raw bodies on
every POST but the steps after the first ENVELOPE_FOR (the same code for every step). Each
step's body goes to a case where the step is offered, with the case's ETag, as a user who may
take it, so the values reach the step's schema and the engine. A refused request must leave
the database as it was (row counts; a checksum of cases, organizations, events and
deadlines); a GET must change nothing.

Through the WSGI app (the object gunicorn serves), not a socket: half the time, and werkzeug's
development server, which a socket would add, is not what production runs. Schemathesis's
`ignored_auth` check cannot probe a WSGI app in the installed version (its probe hands
`max_redirects` to werkzeug's EnvironBuilder), so `test_every_operation_needs_a_token` does its
work: every operation without a token, or with a wrong one, is 401.

`positive_data_acceptance` is off on purpose: a body can match the JSON Schema and still be
refused by a rule the schema cannot express (a credit code's GB 32100 check character, REG-2's
"full-time members cannot exceed members", a guard's 409), and that refusal is correct.

Error feedback (schemathesis narrowing its generator from our 422 messages) is off in the
fuzzing phase: a fire body is `anyOf` the step schemas of every procedure using that trigger,
and feedback learnt from one procedure's fields ("party_organization_id is required") gets
applied to all branches, which makes the body impossible to generate.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import schemathesis
import schemathesis.engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events
from sqlalchemy import select

from engine.access import tokens
from engine.store.tables import Case, Organization
from tests.api.fuzz_bodies import Bodies, multipart, places, put
from tests.fuzz_support import (
    CASEWORKER,
    DEEP_JSON,
    DEEP_OBJECT,
    HOSTILE_DATES,
    HOSTILE_INTEGERS,
    LONE_SURROGATES,
    SUPERVISOR,
    Database,
    Turns,
    Watch,
    demo_database,
    demo_runtime,
    hostile_json,
    hostile_strings,
    short,
)
from web import create_app
from web.runtime import Runtime

MAX_EXAMPLES = 5
# Invalid input is turned away with one of these. 412 too: If-Match is checked before the body
# is read, so a stale one is 412 whatever the body says.
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428", "429"]
API = "/api/v1"


@dataclass
class ApiWorld:
    app: Any
    rt: Runtime
    tokens: dict[str, str]
    document: dict[str, Any]
    supervisor_paths: re.Pattern

    def rows(self, column: Any) -> list[Any]:
        with self.rt.reader() as r:
            return list(r.conn.execute(select(column).order_by(column)).scalars())


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def api_world(request, tmp_path_factory):
    databases = demo_database(request.param, request, tmp_path_factory)
    rt = demo_runtime(next(databases))
    issued = {u: tokens.create_token(rt.uow(), u, "fuzz").token for u in (CASEWORKER, SUPERVISOR)}
    app = create_app(runtime=rt)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    document = app.test_client().get(f"{API}/openapi.json").get_json()
    yield ApiWorld(app, rt, issued, document, _supervisor_paths(rt))
    rt.engine.dispose()
    next(databases, None)


def _supervisor_paths(rt: Runtime) -> re.Pattern:
    """The paths a caseworker's token is refused on before their input is read: steps no
    caseworker may take, hand-overs, assignments and corrections, the reports (the
    supervisors')."""
    roles: dict[str, set[str]] = {}
    for d in rt.definitions:
        for t in d.transitions:
            roles.setdefault(t.trigger, set()).update(t.roles)
    theirs = sorted(t for t, r in roles.items() if "caseworker" not in r)
    corrections = "assign|step-back|cancel|suspend|resume"
    return re.compile(rf"/reports/|/hand-over$|/({corrections})$|/fire/({'|'.join(theirs)})$")


# ---------------------------------------------------------------- schemathesis


def _other_steps(document: Mapping[str, Any]) -> str:
    """The fire operations the coverage phase leaves out: all but, for each procedure, the
    one whose step body has the most places. The coverage phase makes ~90 cases per fire
    operation, most of them the same If-Match, Idempotency-Key and case id variants through
    the same code; every step keeps the fuzzing phase, and every place of every step body
    gets the hostile values of the test below."""
    bodies = Bodies(document)
    richest: dict[str, tuple[int, str]] = {}
    for path, item in document["paths"].items():
        if "/fire/" not in path:
            continue
        data = bodies.resolve(item["post"]["requestBody"]["content"]["application/json"]["schema"])
        data = data["properties"]["data"]
        for ref in [s["$ref"] for s in data.get("anyOf", [data]) if "$ref" in s]:
            procedure = ref.rsplit("/", 1)[-1].split(".")[0]
            size = len(list(places(bodies.example({"$ref": ref}, {}))))
            richest[procedure] = max(richest.get(procedure, (0, "")), (size, path))
    kept = "|".join(re.escape(path.rsplit("/", 1)[-1]) for _, path in richest.values())
    return rf"/fire/(?!({kept})$)"


@pytest.mark.slow
def test_api_conforms_to_its_description(api_world):
    """Every phase the CLI runs (examples, coverage, fuzzing), with its checks; any failed
    check or engine error fails the test with the reproduction (a curl line)."""
    w = api_world
    config = SchemathesisConfig.from_dict(
        {
            "headers": {"Authorization": f"Bearer {w.tokens[CASEWORKER]}"},
            "operations": [
                {
                    "include-path-regex": w.supervisor_paths.pattern,
                    "headers": {"Authorization": f"Bearer {w.tokens[SUPERVISOR]}"},
                },
                {
                    "include-path-regex": _other_steps(w.document),
                    "phases": {"coverage": {"enabled": False}},
                },
            ],
            # Hermetic: deterministic, and nothing remembered between runs in the work tree.
            "generation": {
                "mode": "all",
                "allow-x00": True,
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            "cache": {"enabled": False},
            "phases": {
                "stateful": {"enabled": False},
                "fuzzing": {"error-feedback": {"enabled": False}},
            },
            "checks": {
                "positive_data_acceptance": {"enabled": False},
                # Its probe breaks on the WSGI transport (see above);
                # `test_every_operation_needs_a_token` checks the same thing.
                "ignored_auth": {"enabled": False},
                "negative_data_rejection": {"expected-statuses": REJECTIONS},
                # A fire without If-Match is 428 Precondition Required (RFC 6585).
                "missing_required_header": {"expected-statuses": [*REJECTIONS, "428"]},
            },
            "dictionaries": {
                "cases": {"values": w.rows(Case.__table__.c.id)},
                "organizations": {"values": w.rows(Organization.__table__.c.id)},
                "procedures": {"values": sorted({d.procedure for d in w.rt.definitions})},
                "etags": {"values": [f'"{v}"' for v in range(1, 9)]},
            },
            "parameters": {
                "path.case_id": {"dictionary": "cases", "probability": 0.5},
                "path.organization_id": {"dictionary": "organizations", "probability": 0.5},
                "path.procedure": {"dictionary": "procedures", "probability": 0.5},
                "body.organization_id": {"dictionary": "organizations", "probability": 0.5},
                "header.If-Match": {"dictionary": "etags", "probability": 0.3},
            },
        }
    )
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", w.app, config=config)
    problems: list[str] = []
    operations: set[str] = set()
    cases: Counter = Counter()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            operations.add(event.recorder.label)
            cases[event.phase.name] += len(event.recorder.cases)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        info = check.failure_info
                        problems.append(
                            f"{event.recorder.label}: {check.name}: "
                            f"{info.failure.title}\n{info.failure.message}\n{info.code_sample}"
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            problems.append(f"engine error: {event.info.format()}\n{event.info.traceback}")
    assert not problems, "\n\n".join(dict.fromkeys(problems))
    assert cases["COVERAGE"] >= 1000 and cases["FUZZING"] >= 200, cases  # the phases ran
    described = {
        f"{method.upper()} {path}"
        for path, item in schema.raw_schema["paths"].items()
        for method in item
        if path != f"{API}/openapi.json"  # the description itself is what is loaded
    }
    assert described <= operations, described - operations


def test_every_operation_needs_a_token(api_world):
    client = api_world.app.test_client()
    for method, path, _ in operations(api_world.document):
        if path == f"{API}/docs":
            continue
        ids = {
            "case_id": 1, "organization_id": 1, "procedure": "registration", "document_id": 1,
            "party_organization_id": 1, "year": 2025, "entry_id": 1, "campaign_id": 1,
            "instructor_id": 1,
        }  # fmt: skip
        url = real_path(path, ids)
        for headers in ({}, {"Authorization": "Bearer tbk_not-a-token"}, {"Authorization": "x"}):
            resp = client.open(url, method=method, headers=headers)
            assert resp.status_code == 401, (method, url, headers, resp.status_code)


# ---------------------------------------------------------------- hostile values


#: Values for a place of each JSON type: those a client of the description would not send
#: there, and those that pass a type check and must be stopped by a range or a length.
KIND_VALUES: dict[str, tuple[Any, ...]] = {
    "integer": (*HOSTILE_INTEGERS, 1.5, 1e308, "1", True, "9" * 5000),
    "number": (*HOSTILE_INTEGERS, 1e308, -0.0, "NaN"),
    "date": (*HOSTILE_DATES, 20260511),
    "date-time": (*HOSTILE_DATES, "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-12:00"),
    "string": ("x" * 100_000, "中" * 10_001, "%", "_", *LONE_SURROGATES, "a\x00b"),
    "boolean": ("true", 1, 2**31, None),
    "array": ([], ["a\x00b"], [None], [[[[[["deep"]]]]]], ["x"] * 1000),
    "object": ({}, {"a\x00b": 1}, {"\ud800": 1}, [], "a\x00b"),
    "null": (0, "a\x00b"),
}
#: Query and path parameters (text): ids past INTEGER and BIGINT, and ones no route reads.
HOSTILE_IDS = ("2147483648", "9223372036854775808", "9" * 30, "0", "-1", "１", "1e3", "%00")
QUERY_KIND: dict[str, tuple[str, ...]] = {
    "integer": (*(str(n) for n in HOSTILE_INTEGERS), *HOSTILE_IDS, "9" * 5000),
    "date": HOSTILE_DATES,
    "boolean": ("2", "yes\x00", "TRUE ", "null"),
    "string": ("x" * 100_000, "%", "_", "%_%", "a\x00b"),
}
#: Raw bodies: nesting deeper than any parser's stack, numbers JSON cannot hold, lone
#: surrogates as escapes, duplicate keys, bytes that are not UTF-8, a byte-order mark, JSON
#: that is not an object, JSON cut short.
RAW_BODIES: tuple[str | bytes, ...] = (
    DEEP_JSON,
    DEEP_OBJECT,
    '{"data": ' + DEEP_JSON + "}",
    '{"data": {"a": NaN}, "comment": Infinity}',
    '{"data": {"a": 1e400}, "comment": -1e400}',
    '{"data": {"a": ' + "9" * 5000 + "}}",
    '{"data": {"\\ud800": "\\udfff"}, "comment": "\\ud83d"}',
    '{"data": {}, "data": "x"}',
    b'{"data": {}, "comment": "\xff\xfe"}',
    "\ufeff{}",
    "null",
    "[]",
    '"x"',
    "2147483648",
    '{"data": {',
)
#: If-Match and Idempotency-Key values (text a header can carry: no line break).
HOSTILE_HEADERS = (
    "\x00",
    '"2147483648"',
    '"9223372036854775808"',
    '"-1"',
    'W/"1"',
    '"1", "2"',
    "*",
    '"' + "9" * 1000 + '"',
    "x" * 10_000,
    "é\x7f",
)
TEXT = hostile_strings()
PER_PLACE = 1  # values of the whole list per place (and one of the place's kind)


@dataclass
class Api:
    """The test client with each user's token; every answer judged by the watch."""

    world: ApiWorld
    watch: Watch
    turns: Turns = field(default_factory=Turns)
    general: Sequence[Any] = field(default_factory=hostile_json)

    def __post_init__(self) -> None:
        self.client = self.world.app.test_client()

    def user_for(self, path: str) -> str:
        return SUPERVISOR if self.world.supervisor_paths.search(path) else CASEWORKER

    def send(
        self,
        method: str,
        path: str,
        *,
        query: Sequence[tuple[str, Any]] = (),
        body: Any = None,
        raw: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        data = raw if raw is not None else None if body is None else json.dumps(body)
        what = f"{method} {path}?{_encode(query)}" if query else f"{method} {path}"
        what = f"{short(what, 200)} body={short(data, 300)} headers={short(headers, 200)}"
        token = self.world.tokens[self.user_for(path)]
        resp = self.client.open(
            path,
            method=method,
            query_string=_encode(query),
            data=data,
            headers={"Authorization": f"Bearer {token}", **(headers or {})},
            content_type=None if data is None or _has_type(headers) else "application/json",
        )
        self.watch.saw(what, resp.status_code, read=method == "GET")
        return resp

    def values(self, kind: str, table: Mapping[str, Sequence[Any]], n: int = PER_PLACE) -> list:
        mine = table.get(kind, table["string"])
        return self.turns.take(kind, mine) + self.turns.take("general", self.general, n)


def _has_type(headers: Mapping[str, str] | None) -> bool:
    return any(k.lower() == "content-type" for k in headers or {})


def _encode(pairs: Sequence[tuple[str, Any]]) -> str:
    return urlencode(list(pairs), encoding="utf-8", errors="surrogatepass")


def operations(document: Mapping[str, Any]) -> list[tuple[str, str, Mapping[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if path != f"{API}/openapi.json"
    ]


def real_path(path: str, ids: Mapping[str, Any]) -> str:
    """`path` with its parameters filled in (percent signs kept: `%00` is a NUL in a path)."""

    def value(m: re.Match) -> str:
        return quote(str(ids[m.group(1)]), safe="%", errors="surrogatepass")

    return re.sub(r"\{(\w+)\}", value, path)


def fuzz_reads(api: Api, ids: Mapping[str, Any]) -> None:
    """Every query and path parameter of every GET, one at a time; unknown parameters."""
    for method, path, op in operations(api.world.document):
        if method != "GET":
            continue
        params = op.get("parameters", [])
        for p in params:
            kind = _param_kind(p)
            if p["in"] == "query":
                mine = QUERY_KIND.get(kind, QUERY_KIND["string"])
                values = api.turns.take(kind, mine, 2) + api.turns.take("text", TEXT, 4)
                for v in values:
                    api.send("GET", real_path(path, ids), query=[(p["name"], v)])
            elif p["in"] == "path":
                for v in [*HOSTILE_IDS, *api.turns.take("text", TEXT, 3)]:
                    api.send("GET", real_path(path, {**ids, p["name"]: v}))
        api.send("GET", real_path(path, ids), query=[("\x00", "1"), ("limit", "1"), ("limit", "x")])
    api.watch.reads_changed_nothing("the GETs")


def _param_kind(p: Mapping[str, Any]) -> str:
    s = p.get("schema", {})
    t = s.get("type", "string")
    t = next((x for x in t if x != "null"), "string") if isinstance(t, list) else t
    return "date" if s.get("format") == "date" else t


#: Steps whose envelope is fuzzed too (the whole body, `comment`, If-Match, Idempotency-Key,
#: raw bodies): the Fire schema and the headers are the same for every step.
ENVELOPE_FOR = 4


@dataclass
class Post:
    """One request of a body's fuzzing: a body, or raw text, and headers of its own."""

    body: Any = None
    raw: str | bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def body_posts(api: Api, body: Any, kinds: Mapping, *, envelope: bool) -> list[Post]:
    """Each place of `body` with hostile values, one place at a time (with `envelope`: the
    whole body and its `comment`, hostile If-Match and Idempotency-Key, raw bodies too)."""
    out = []
    for at in [(), *places(body)]:
        if not envelope and at in ((), ("comment",)):
            continue
        for value in api.values(kinds.get(at, "string"), KIND_VALUES):
            out.append(Post(body=put(body, at, value)))
    if envelope:
        for name in ("If-Match", "Idempotency-Key"):
            for value in api.turns.take(name, HOSTILE_HEADERS, 2):
                out.append(Post(body=body, headers={name: value}))
        out += [Post(raw=raw) for raw in api.turns.take("raw", RAW_BODIES, 3)]
    return out


def offered_steps(world: ApiWorld) -> dict[tuple[str, str | None], list[int]]:
    """(trigger, its schema) -> the open cases whose state offers it (from the definitions:
    a step's input is read after the role check and before its guards, so a case where the
    step is offered is where hostile input reaches the step's schema)."""
    cases = Case.__table__.c
    query = select(cases.id, cases.procedure, cases.definition_version, cases.state)
    out: dict[tuple[str, str | None], list[int]] = {}
    with world.rt.reader() as r:
        rows = r.conn.execute(query.where(cases.status == "open").order_by(cases.id)).all()
    for cid, procedure, version, state in rows:
        definition = world.rt.definitions.get(procedure, version)
        for trigger, branches in definition.triggers_from(state).items():
            out.setdefault((trigger, branches[0].schema), []).append(cid)
    return out


def version_of(world: ApiWorld, case_id: int) -> int:
    cases = Case.__table__.c
    with world.rt.reader() as r:
        return r.conn.execute(select(cases.version).where(cases.id == case_id)).scalar_one()


def fuzz_steps(api: Api, bodies: Bodies) -> dict[str, int]:
    """Every step's body, to a case where it is offered, with its ETag, as a user whose role
    may take it. After a post that was accepted (the step was taken), the next case where
    the step is offered takes the rest, but not a case where a step still to come is offered
    (unless it has no other). Returns, for each step, how many of its posts were left unsent
    when no case was left for it."""
    steps = []
    for (trigger, schema), cases in offered_steps(api.world).items():
        kinds: dict = {(): "object"}
        data = bodies.example({"$ref": f"#/{schema}"}, kinds, ("data",)) if schema else {}
        steps.append((trigger, cases, {"data": data, "comment": "fuzz"}, kinds))
    # Bodies with more places first: a step with few is taken (accepted) by almost any value.
    steps.sort(key=lambda step: (-len(step[3]), step[0]))
    left = {}
    for n, (trigger, cases, body, kinds) in enumerate(steps):
        reserved = {c for _, later, _, _ in steps[n + 1 :] for c in later}
        posts = body_posts(api, body, kinds, envelope=n < ENVELOPE_FOR)
        for cid in [c for c in cases if c not in reserved] or cases[:1]:
            path = f"{API}/cases/{cid}/fire/{trigger}"
            etag = {"If-Match": f'"{version_of(api.world, cid)}"'}
            while posts:
                p = posts.pop(0)
                resp = api.send("POST", path, body=p.body, raw=p.raw, headers={**etag, **p.headers})
                if resp.status_code < 400:
                    break
        left[trigger] = len(posts)
    return left


def fuzz_other_posts(api: Api, bodies: Bodies, ids: Mapping[str, Any]) -> None:
    """Opening a case (each procedure's body), recording an organization, a hand-over,
    marking notifications read: each place of each body, the envelope too."""
    for method, path, op in operations(api.world.document):
        if method != "POST" or "/fire/" in path:
            continue
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            fuzz_forms(api, real_path(path, ids), content["multipart/form-data"]["schema"], bodies)
            continue
        schema = content["application/json"]
        for branch in bodies.branches(schema["schema"]):
            kinds: dict = {}
            body = bodies.example(branch, kinds)
            body.update({k: ids[k] for k in ("organization_id", "expected_version") if k in body})
            for p in body_posts(api, body, kinds, envelope=True):
                api.send("POST", real_path(path, ids), body=p.body, raw=p.raw, headers=p.headers)


#: What a file part may hold: not what its name and Content-Type say, empty, NUL bytes.
HOSTILE_FILES: tuple[bytes, ...] = (
    b"<!DOCTYPE html><script>alert(1)</script>",
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    b"\x7fELF\x02\x01\x01" + b"\x00" * 57,
    b"",
    b"\x00" * 64,
)
#: Part names and file names: NUL, a lone surrogate's bytes, paths, control characters.
HOSTILE_NAMES: tuple[bytes, ...] = (
    b"a\x00b",
    b"\xed\xa0\x80",
    b"../../etc/passwd",
    b"\x1b[2J",
    b"x" * 10_000,
    b"",
)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def fuzz_forms(api: Api, path: str, schema: Mapping[str, Any], bodies: Bodies) -> None:
    """A multipart operation (documents): each text part with hostile values, one at a time,
    the file part with hostile contents and names, hostile part names; a plausible PDF
    beside them, so that what is refused is the hostile place."""
    props = bodies.resolve(schema).get("properties", {})
    text = [n for n, s in props.items() if s.get("type") != "array"]
    plain = [("file", "a.pdf", PDF_BYTES)]
    forms: list[list[tuple[str | bytes, str | bytes | None, bytes]]] = []
    for name in text:
        kind = _param_kind({"schema": props[name]})
        for value in api.turns.take(kind, QUERY_KIND.get(kind, QUERY_KIND["string"]), 2) + (
            api.turns.take("text", TEXT, 4)
        ):
            raw = value.encode("utf-8", "surrogatepass")
            forms.append([*plain, (name, None, raw)])
    forms += [[("file", "a.pdf", content)] for content in HOSTILE_FILES]
    forms += [[("file", name, PDF_BYTES)] for name in HOSTILE_NAMES]
    forms += [[*plain, (name, None, b"1")] for name in HOSTILE_NAMES]
    forms += [[("file", None, PDF_BYTES)], [("payload", None, b"{}")], []]
    for parts in forms:
        body, content_type = multipart(parts)
        api.send("POST", path, raw=body, headers={"Content-Type": content_type})


@pytest.mark.slow
def test_hostile_values_reach_every_parameter_and_field(api_world):
    w = api_world
    bodies = Bodies(w.document)
    case_ids = w.rows(Case.__table__.c.id)
    with Watch(Database(w.rt.engine)) as watch:
        api = Api(w, watch)
        for wildcard in ("%", "_"):  # literal, not LIKE patterns (issue 18)
            found = api.send("GET", f"{API}/organizations", query=[("search", wildcard)])
            assert found.status_code == 200 and found.get_json()["items"] == [], wildcard
        case = api.send("GET", f"{API}/cases/{case_ids[0]}").get_json()
        ids = {
            "case_id": case_ids[0],
            "organization_id": w.rows(Organization.__table__.c.id)[0],
            "procedure": "registration",
            "document_id": 1,
            "expected_version": case["version"],
            "party_organization_id": 1,
            "year": 2025,
            "entry_id": 1,
            "campaign_id": 1,
            "instructor_id": 1,
        }
        fuzz_reads(api, ids)
        steps = fuzz_steps(api, bodies)
        fuzz_other_posts(api, bodies, ids)
    assert not watch.problems, watch.report()
    unsent = {t: n for t, n in steps.items() if n}
    assert len(steps) >= 30 and watch.refusals_checked >= 500, (unsent, watch.report())
