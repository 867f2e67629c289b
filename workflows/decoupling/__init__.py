"""P3 — decoupling handover within 3 months (DEC-1 … DEC-4)."""

from __future__ import annotations

from engine.registry import Registry
from workflows.decoupling import actions, demo, guards, schemas


def register(registry: Registry) -> None:
    registry.add_schemas(schemas.SCHEMAS)
    registry.add_guards(guards.GUARDS)
    registry.add_actions(actions.ACTIONS)
    registry.demo("decoupling", demo.load)
