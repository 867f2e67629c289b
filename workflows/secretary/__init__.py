"""P4 — secretary appointment and the duties of the post (SEC-1 … SEC-9)."""

from __future__ import annotations

from engine.registry import Registry
from workflows.secretary import actions, demo, guards, schemas


def register(registry: Registry) -> None:
    registry.add_schemas(schemas.SCHEMAS)
    registry.add_guards(guards.GUARDS)
    registry.add_actions(actions.ACTIONS)
    registry.demo("secretary", demo.load)
