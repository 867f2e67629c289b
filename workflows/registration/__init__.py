"""P1 — registration with synchronized Party-building review (REG-1 … REG-9)."""

from __future__ import annotations

from engine.registry import Registry
from workflows.registration import actions, demo, guards, materials, references, schemas


def register(registry: Registry) -> None:
    registry.add_schemas(schemas.SCHEMAS)
    registry.add_schemas(materials.SCHEMAS)
    registry.add_guards(guards.GUARDS)
    registry.add_guards(references.REFERENCE_GUARDS)
    registry.add_guards(materials.GUARDS)
    registry.add_actions(actions.ACTIONS)
    registry.add_actions(materials.ACTIONS)
    registry.demo("registration", demo.load)
