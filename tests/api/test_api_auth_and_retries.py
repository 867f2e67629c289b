"""Bearer tokens (hashed at rest, revocable, acting with their user's role and units) and the
retry rules of Idempotency-Key and If-Match."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.access import idempotency, tokens
from engine.store.tables_access import ApiToken
from tests.world import survey
from web.cli import core as cli

PROBLEM = "application/problem+json"


def test_no_token_is_401_with_a_bearer_challenge(api):
    r = api.get("/api/v1/cases", user=None)
    assert r.status_code == 401
    assert r.content_type == PROBLEM
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert (
        api.get("/api/v1/cases", user=None, headers={"Authorization": "Basic eDp5"}).status_code
        == 401
    )
    wrong = {"Authorization": "Bearer tbk_not-a-real-token"}
    assert api.get("/api/v1/cases", user=None, headers=wrong).status_code == 401


def test_token_is_stored_only_as_its_hash_and_revocation_is_immediate(api, world):
    issued = tokens.create_token(world.rt.uow(), "wang", "registration-system")
    with world.rt.engine.connect() as conn:
        stored = conn.execute(
            select(ApiToken.__table__).where(ApiToken.__table__.c.id == issued.id)
        ).one()
    assert stored.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in stored  # no column holds the secret
    auth = {"Authorization": f"Bearer {issued.token}"}
    assert api.get("/api/v1/cases", user=None, headers=auth).status_code == 200
    assert tokens.revoke_token(world.rt.uow(), issued.id) is True
    assert api.get("/api/v1/cases", user=None, headers=auth).status_code == 401
    assert tokens.revoke_token(world.rt.uow(), issued.id) is False


def test_token_cli_create_list_revoke(world, db_url, monkeypatch):
    monkeypatch.setenv("TONGBU_DATABASE_URL", db_url)
    runner = CliRunner()
    created = runner.invoke(cli.main, ["token", "create", "--user", "li", "--name", "report-tool"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[0]
    assert token.startswith("tbk_") and len(token) > 40
    assert tokens.authenticate(world.rt.uow(), token).username == "li"
    listed = runner.invoke(cli.main, ["token", "list", "--user", "li"])
    assert listed.exit_code == 0
    assert "report-tool" in listed.output and token not in listed.output
    token_id = tokens.list_tokens(world.rt.uow(), "li")[0]["id"]
    revoked = runner.invoke(cli.main, ["token", "revoke", str(token_id)])
    assert revoked.exit_code == 0, revoked.output
    with pytest.raises(tokens.InvalidToken):
        tokens.authenticate(world.rt.uow(), token)
    assert runner.invoke(cli.main, ["token", "create", "--user", "nobody"]).exit_code == 6


def test_inactive_users_tokens_stop_working(api, world):
    from sqlalchemy import update

    from engine.store.tables import User

    with world.rt.engine.begin() as conn:
        conn.execute(
            update(User.__table__).where(User.__table__.c.username == "zhao").values(active=False)
        )
    assert api.get("/api/v1/cases", user="zhao").status_code == 401


def test_unit_scope_is_the_uis(api, world):
    """zhao (朝阳区) sees neither 南关区 organizations nor their cases; admin sees all."""
    world.open("logistics")
    names = [o["name"] for o in api.get("/api/v1/organizations", user="zhao").get_json()["items"]]
    assert names == ["朝阳区青少年科技创新协会"]
    assert api.get("/api/v1/cases", user="zhao").get_json()["items"] == []
    assert len(api.get("/api/v1/cases", user="admin").get_json()["items"]) == 1
    other = api.get(f"/api/v1/organizations/{world.orgs['logistics']}", user="zhao")
    assert other.status_code == 403
    opening = {
        "procedure": "registration",
        "organization_id": world.orgs["logistics"],
        "data": {"applied_on": "2026-03-01", "founders": ["张伟"]},
    }
    assert api.post("/api/v1/cases", opening, user="zhao").status_code == 403
    assert api.post("/api/v1/cases", opening, user="li").status_code == 403  # not a caseworker


def test_pagination_and_filters(api, world):
    ids = [world.open(org) for org in ("logistics", "health", "community")]
    first = api.get("/api/v1/cases?limit=2").get_json()
    assert len(first["items"]) == 2 and first["next_offset"] == 2
    rest = api.get("/api/v1/cases?limit=2&offset=2").get_json()
    assert len(rest["items"]) == 1 and rest["next_offset"] is None
    assert sorted(c["id"] for c in first["items"] + rest["items"]) == sorted(ids)
    assert api.get("/api/v1/cases?status=closed").get_json()["items"] == []
    bad = api.get("/api/v1/cases?limit=0&status=half")
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"limit", "status"}


def test_failed_request_releases_its_idempotency_key(api, world):
    """A 4xx changed nothing, so the corrected retry may use the same key."""
    case_id = world.open("logistics")
    path = f"/api/v1/cases/{case_id}/fire/record_documents"
    headers = {"If-Match": '"1"', "Idempotency-Key": "docs-1"}
    assert api.post(path, {"data": {}}, headers=headers).status_code == 422
    ok = api.post(path, {"data": {"member_survey": survey(4)}}, headers=headers)
    assert ok.status_code == 200, ok.get_json()
    assert "Idempotent-Replayed" not in ok.headers


def test_key_still_in_progress_is_409(api, world, monkeypatch):
    import web.api.common as common

    monkeypatch.setattr(common, "_fingerprint", lambda: "f" * 64)
    idempotency.reserve(
        world.rt.uow(), world.actors["wang"].id, "busy", "f" * 64, "POST", "/api/v1/cases"
    )
    r = api.post("/api/v1/cases", {}, headers={"Idempotency-Key": "busy"})
    assert r.status_code == 409
    assert r.get_json()["type"].endswith("#problem-idempotency-in-progress")


def test_if_match_forms(api, world):
    case_id = world.open("logistics")
    path = f"/api/v1/cases/{case_id}/fire/record_documents"
    body = {"data": {"member_survey": survey(4)}}
    assert api.post(path, body, headers={"If-Match": "*"}).status_code == 428
    assert api.post(path, body, headers={"If-Match": "1"}).status_code == 400
    assert api.post(path, body, headers={"If-Match": '"1", "2"'}).status_code == 400
    weak = api.post(path, body, headers={"If-Match": 'W/"1"'})
    assert weak.status_code == 412  # weak tags never match If-Match (RFC 9110 §13.1.1)
    assert weak.get_json()["current_version"] == 1
    assert api.post(path, body, headers={"If-Match": '"1"'}).status_code == 200


def test_malformed_bodies_are_problems_not_crashes(api, world):
    case_id = world.open("logistics")
    path = f"/api/v1/cases/{case_id}/fire/record_documents"
    headers = {"If-Match": '"1"', "Authorization": f"Bearer {api.tokens['wang']}"}
    broken = api.client.post(path, data="{", content_type="application/json", headers=headers)
    assert broken.status_code == 400 and broken.content_type == PROBLEM
    text = api.client.post(path, data="x=1", content_type="text/plain", headers=headers)
    assert text.status_code == 415
    listy = api.post(path, [1, 2], headers={"If-Match": '"1"'})
    assert listy.status_code == 422
    assert api.post("/api/v1/organizations", [1]).status_code == 422


def test_unknown_routes_and_methods_are_problems(api):
    missing = api.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.content_type == PROBLEM
    wrong = api.client.delete("/api/v1/cases")
    assert wrong.status_code == 405 and wrong.content_type == PROBLEM
    assert set(wrong.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_idempotency_key_may_be_reused_after_its_retention(world):
    wang = world.actors["wang"].id
    uow = world.rt.uow
    assert idempotency.reserve(uow(), wang, "k", "a" * 64, "POST", "/x") is None
    idempotency.complete(uow(), wang, "k", idempotency.StoredResponse(201, {"id": 1}, {}))
    replay = idempotency.reserve(uow(), wang, "k", "a" * 64, "POST", "/x")
    assert replay == idempotency.StoredResponse(201, {"id": 1}, {})
    with pytest.raises(idempotency.KeyReused):
        idempotency.reserve(uow(), wang, "k", "b" * 64, "POST", "/x")
    # Another user's key of the same name is another key.
    assert idempotency.reserve(uow(), world.actors["li"].id, "k", "b" * 64, "POST", "/x") is None
    world.clock.advance(seconds=idempotency.RETENTION.total_seconds())
    assert idempotency.reserve(uow(), wang, "k", "b" * 64, "POST", "/x") is None
