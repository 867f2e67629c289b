"""Coverage of an existing organization (COV-1, REG-7, REG-10, INS-2, REG-9): the survey, REG-7's
routing (P1's code), formation or an instructor of the register; the kinds of drive."""

from __future__ import annotations

from pathlib import Path

from engine.registry import Registry
from workflows.coverage import actions, campaigns, demo, schemas


def register(registry: Registry) -> None:
    registry.add_schemas(schemas.SCHEMAS)
    registry.add_guards(actions.GUARDS)
    registry.add_actions(actions.ACTIONS)
    for kind in campaigns.KINDS:
        registry.campaign(kind)
    registry.definitions(Path(__file__).parent / "definitions")
    registry.demo("coverage", demo.load)
