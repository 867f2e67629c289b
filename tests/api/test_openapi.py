"""The OpenAPI description is complete, generated from the code, and readable offline."""

from __future__ import annotations

import re

from web.api.problems import PROBLEM_TYPES


def test_every_api_route_is_described(app, api):
    spec = api.get("/api/v1/openapi.json", user=None).get_json()
    assert spec["openapi"].startswith("3.1")
    described = {
        (re.sub(r"/fire/[a-z_]+$", "/fire/{trigger}", path), method.upper())
        for path, item in spec["paths"].items()
        for method in item
    }
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == described


def test_step_bodies_come_from_the_procedures_schemas(api, world):
    spec = api.get("/api/v1/openapi.json", user=None).get_json()
    schemas = spec["components"]["schemas"]
    for d in world.rt.definitions:
        for t in d.transitions:
            op = spec["paths"][f"/api/v1/cases/{{case_id}}/fire/{t.trigger}"]["post"]
            body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            data = schemas[body.rsplit("/", 1)[-1]]["properties"]["data"]
            refs = [v.get("$ref") for v in data.get("anyOf", [data])]
            if t.schema:
                assert f"#/components/schemas/{t.schema}" in refs
                assert schemas[t.schema]["properties"]  # the registry schema is there
            assert {"409", "412", "422", "428"} <= set(op["responses"])
    survey = schemas["registration.documents"]["properties"]["member_survey"]
    # The survey's schema is REG-7 routing's, shared by P1 and the coverage procedure.
    assert survey["anyOf"][0]["$ref"] == "#/components/schemas/routing.MemberSurvey"
    assert "surveyed_on" in schemas["coverage.survey"]["properties"]
    opening = spec["paths"]["/api/v1/cases"]["post"]["requestBody"]["content"]
    mapping = opening["application/json"]["schema"]["discriminator"]["mapping"]
    assert set(mapping) == {d.procedure for d in world.rt.definitions.latest()}
    registration = schemas["OpenCase.registration"]["properties"]
    assert registration["procedure"]["enum"] == ["registration"]
    assert registration["data"]["$ref"] == "#/components/schemas/registration.application"


def test_problem_and_security_are_declared(api):
    spec = api.get("/api/v1/openapi.json", user=None).get_json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    get_case = spec["paths"]["/api/v1/cases/{case_id}"]["get"]
    assert "application/problem+json" in get_case["responses"]["404"]["content"]
    assert get_case["responses"]["200"]["headers"]["ETag"]["required"] is True
    assert spec["paths"]["/api/v1/openapi.json"]["get"]["security"] == []


def test_docs_page_is_self_contained(api):
    page = api.get("/api/v1/docs", user=None)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing from elsewhere
    assert "<script" not in html
    for slug in PROBLEM_TYPES:
        assert f'id="problem-{slug}"' in html
    assert 'id="schema-registration.documents"' in html
    assert "/api/v1/cases/{case_id}/fire/accept" in html
