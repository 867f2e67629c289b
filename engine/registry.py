"""Name -> callable/schema registry that definition files refer to.

Definitions name guards, actions and schemas as plain strings; the loader resolves each
name here, never through `transitions`' dotted-path import (slow, and an injection risk
for files read from a folder). Procedure packages are found through the
`tongbu.workflows` entry-point group, so the engine never imports `workflows`.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from marshmallow import Schema

from engine.snapshot import Action, Guard

ENTRY_POINT_GROUP = "tongbu.workflows"


class Registry:
    def __init__(self) -> None:
        self.guards: dict[str, Guard] = {}
        self.actions: dict[str, Action] = {}
        self.schemas: dict[str, type[Schema]] = {}
        self._schema_instances: dict[str, Schema] = {}

    def _put(self, table: dict, kind: str, name: str, value: Any) -> None:
        if name in table and table[name] is not value:
            raise ValueError(f"{kind} {name!r} registered twice")
        table[name] = value

    def guard(self, name: str) -> Callable[[Guard], Guard]:
        def deco(fn: Guard) -> Guard:
            self._put(self.guards, "guard", name, fn)
            return fn

        return deco

    def action(self, name: str) -> Callable[[Action], Action]:
        def deco(fn: Action) -> Action:
            self._put(self.actions, "action", name, fn)
            return fn

        return deco

    def add_guards(self, mapping: dict[str, Guard]) -> None:
        for name, fn in mapping.items():
            self._put(self.guards, "guard", name, fn)

    def add_actions(self, mapping: dict[str, Action]) -> None:
        for name, fn in mapping.items():
            self._put(self.actions, "action", name, fn)

    def add_schemas(self, mapping: dict[str, type[Schema]]) -> None:
        for name, cls in mapping.items():
            self._put(self.schemas, "schema", name, cls)

    def schema(self, name: str) -> Schema:
        """One schema instance per name, built once (marshmallow schemas are reusable)."""
        inst = self._schema_instances.get(name)
        if inst is None:
            inst = self._schema_instances[name] = self.schemas[name]()
        return inst


def load_registry() -> Registry:
    """Fill a registry from every installed procedure package."""
    registry = Registry()
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        register = ep.load()
        register(registry)
    return registry
