"""Guards: each returns why not — a `Refusal` citing its rule, in Chinese and English — or None.

With `payload=None` (the case page and `tongbu case actions` list the steps before a form is
filled in) a guard judges only what the case already knows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.rules import Refusal
from engine.snapshot import CaseView

Payload = Mapping[str, Any] | None


def large_enough(case: CaseView, payload: Payload) -> Refusal | None:
    """TOY-1: the measured area is at least the local minimum (parameter `toy_min_area_m2`)."""
    if payload is None:
        return None
    minimum = int(case.params["toy_min_area_m2"])
    if payload["measured_area_m2"] < minimum:
        return Refusal(
            "TOY-1",
            zh=f"活动室面积不足{minimum}平方米",
            en=f"The room is smaller than {minimum} m²",
            details={"minimum": minimum},
        )
    return None


def sign_displayed(case: CaseView, payload: Payload) -> Refusal | None:
    """TOY-2: the inspection found the Party flag and the organization's sign displayed."""
    if not case.data.get("inspection", {}).get("sign_displayed"):
        return Refusal(
            "TOY-2",
            zh="检查时未见党旗和党组织标识",
            en="The inspection found no flag and sign displayed",
        )
    return None


GUARDS = {
    "activity_room.large_enough": large_enough,
    "activity_room.sign_displayed": sign_displayed,
}
