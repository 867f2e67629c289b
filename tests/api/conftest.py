"""An app over a small world (tests/world.py), with an API token per user."""

from __future__ import annotations

from typing import Any

import pytest

from engine.access import tokens
from tests.world import make_world
from web import create_app


class Api:
    """The Flask test client with a user's bearer token, speaking JSON."""

    def __init__(self, client: Any, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    def _headers(self, user: str | None, headers: dict[str, str] | None) -> dict[str, str]:
        out = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        return {**out, **(headers or {})}

    def get(self, path: str, user: str | None = "wang", **kw: Any) -> Any:
        return self.client.get(path, headers=self._headers(user, kw.pop("headers", None)), **kw)

    def post(self, path: str, body: Any = None, user: str | None = "wang", **kw: Any) -> Any:
        return self.client.post(
            path, json=body, headers=self._headers(user, kw.pop("headers", None)), **kw
        )


@pytest.fixture
def world(db_url, clock):
    return make_world(db_url, clock)


@pytest.fixture
def app(world):
    app = create_app(runtime=world.rt)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def api(app, world) -> Api:
    issued = {
        user: tokens.create_token(world.rt.uow(), user, "tests").token for user in world.actors
    }
    return Api(app.test_client(), issued)
