"""Actions: they return intents (here: facts kept on the case); the engine applies them inside
the step's transaction, so an action never writes anything itself."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.snapshot import CaseView, Intent, SetData


def record_request(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    yield SetData("request", dict(payload))


def record_inspection(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """TOY-1/TOY-2: what the inspection found, for the approval to check."""
    yield SetData("inspection", dict(payload))


def record_approval(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    yield SetData("approval", dict(payload))


ACTIONS = {
    "activity_room.record_request": record_request,
    "activity_room.record_inspection": record_inspection,
    "activity_room.record_approval": record_approval,
}
