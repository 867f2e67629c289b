"""Schemathesis against the live app (a real HTTP server on a free port): no 5xx, every answer as the OpenAPI description says.

Bounded so `make test` stays fast: a few examples per operation and phase, SQLite only (the
fuzzing is about HTTP and the description; storage is covered on both databases elsewhere).
Half the generated case ids, organization ids and procedures are real ones, and If-Match is
sometimes the case's real ETag, so the fuzzer reaches the services (and their 409/412/422
answers) instead of stopping at 404.

`positive_data_acceptance` is off on purpose: a body can match the JSON Schema and still be
refused by a rule the schema cannot express (a credit code's GB 32100 check character, REG-2's
"full-time members cannot exceed members", a guard's 409), and that refusal is correct.

Error feedback (schemathesis narrowing its generator from our 422 messages) is off in the
fuzzing phase: a fire body is `anyOf` the step schemas of every procedure using that trigger,
and feedback learnt from one procedure's fields ("party_organization_id is required") gets
applied to all branches, which makes the body impossible to generate.
"""

from __future__ import annotations

import logging
import shutil
import threading

import pytest
import schemathesis
import schemathesis.engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events
from werkzeug.serving import make_server

from engine.access import tokens
from tests.world import make_world
from web import create_app

MAX_EXAMPLES = 5
# Invalid input is turned away with one of these. 412 too: If-Match is checked before the body
# is read, so a stale one is 412 whatever the body says.
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428", "429"]


@pytest.fixture
def api_schema(sqlite_template, tmp_path, clock):
    path = tmp_path / "fuzz.db"
    shutil.copy(sqlite_template, path)
    world = make_world(f"sqlite:///{path}", clock)
    case_id = world.open("logistics")
    token = tokens.create_token(world.rt.uow(), "wang", "fuzz").token
    app = create_app(runtime=world.rt)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    config = SchemathesisConfig.from_dict(
        {
            "headers": {"Authorization": f"Bearer {token}"},
            # Hermetic: deterministic, and nothing remembered between runs in the work tree.
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
            "cache": {"enabled": False},
            "phases": {
                "stateful": {"enabled": False},
                "fuzzing": {"error-feedback": {"enabled": False}},
            },
            "checks": {
                "positive_data_acceptance": {"enabled": False},
                "negative_data_rejection": {"expected-statuses": REJECTIONS},
                # A fire without If-Match is 428 Precondition Required (RFC 6585).
                "missing_required_header": {"expected-statuses": [*REJECTIONS, "428"]},
            },
            "dictionaries": {
                "cases": {"values": [case_id]},
                "organizations": {"values": list(world.orgs.values())},
                "procedures": {"values": sorted({d.procedure for d in world.rt.definitions})},
                "etags": {"values": ['"1"', '"2"']},
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
    try:
        yield schemathesis.openapi.from_url(
            f"http://127.0.0.1:{server.server_port}/api/v1/openapi.json", config=config
        )
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.mark.slow
def test_api_conforms_to_its_description(api_schema):
    """Every phase the CLI runs (examples, coverage, fuzzing), with its checks; any failed
    check or engine error fails the test with the reproduction (a curl line)."""
    problems: list[str] = []
    operations: set[str] = set()
    for event in schemathesis.engine.from_schema(api_schema).execute():
        if isinstance(event, events.ScenarioFinished):
            operations.add(event.recorder.label)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        info = check.failure_info
                        problems.append(
                            f"{event.recorder.label}: {check.name}: "
                            f"{info.failure.title}\n{info.failure.message}\n{info.code_sample}"
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            problems.append(f"engine error: {event!r}")
    assert not problems, "\n\n".join(dict.fromkeys(problems))
    described = {
        f"{method.upper()} {path}"
        for path, item in api_schema.raw_schema["paths"].items()
        for method in item
        if path != "/api/v1/openapi.json"  # the description itself is what is loaded
    }
    assert described <= operations, described - operations
