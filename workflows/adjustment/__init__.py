"""P2 — Party-organization adjustment on change, merger, split or deregistration (TRF-1 … TRF-5)."""

from __future__ import annotations

from engine.registry import Registry
from workflows.adjustment import actions, demo, guards, schemas


def register(registry: Registry) -> None:
    registry.add_schemas(schemas.SCHEMAS)
    registry.add_guards(guards.GUARDS)
    registry.add_actions(actions.ACTIONS)
    registry.demo("adjustment", demo.load)
