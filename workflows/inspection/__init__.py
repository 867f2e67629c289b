"""INS-1 — the annual inspection with its Party-building checklist (and SUP-1's referrals)."""

from __future__ import annotations

from engine.registry import Registry
from workflows.inspection import actions, demo, guards, schemas


def register(registry: Registry) -> None:
    registry.add_schemas(schemas.SCHEMAS)
    registry.add_guards(guards.GUARDS)
    registry.add_actions(actions.ACTIONS)
    registry.demo("inspection", demo.load)
