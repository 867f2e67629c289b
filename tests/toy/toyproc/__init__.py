"""A toy procedure package, installed the way a province would install its own: it declares
`activity_room = toyproc:register` in the `tongbu.workflows` entry-point group, and nothing in
tongbu's engine/ or web/ names it (tests/integration/test_toy_procedure.py proves it works
everywhere; docs/adding-a-procedure.md walks through it).
"""

from __future__ import annotations

from pathlib import Path

from engine.registry import Registry
from toyproc import actions, demo, guards, schemas


def register(registry: Registry) -> None:
    """Fill tongbu's registry: the package's definitions folder (its YAML, rules and parameter)
    and the names activity_room.v1.yaml refers to."""
    registry.definitions(Path(__file__).resolve().parent / "definitions")
    registry.add_schemas(schemas.SCHEMAS)
    registry.add_guards(guards.GUARDS)
    registry.add_actions(actions.ACTIONS)
    registry.demo("activity_room", demo.load)
