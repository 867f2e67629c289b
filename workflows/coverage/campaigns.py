"""What the coverage drives target (REG-10, INS-2): the kinds of campaign this package offers.

The engine opens the cases (engine/cases/campaigns.py); this says which organizations and
which procedure, as data. "Full members" is counted as the local parameter
`reg_standalone_count` says (among the full-time staff by default, REG-2), as P1 counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.registry import CampaignKind, Criterion
from workflows.routing import STANDALONE_MIN


def _count_field(params: Mapping[str, Any]) -> str:
    basis = params.get("reg_standalone_count", "full_time_full_members")
    return "full_members" if basis == "all_full_members" else "full_time_full_members"


def drive(params: Mapping[str, Any]) -> Sequence[Criterion]:
    """REG-10: uncovered organizations with three or more full members among the full-time
    staff — standalone formation is the drive's way."""
    return (
        Criterion("coverage", "eq", "none"),
        Criterion(_count_field(params), "gte", STANDALONE_MIN),
    )


def uncovered(params: Mapping[str, Any]) -> Sequence[Criterion]:
    """COV-1: every uncovered organization (survey and cover the whole stock)."""
    return (Criterion("coverage", "eq", "none"),)


def matured(params: Mapping[str, Any]) -> Sequence[Criterion]:
    """INS-2: covered by an instructor and now with three or more full members."""
    return (
        Criterion("coverage", "eq", "instructor"),
        Criterion(_count_field(params), "gte", STANDALONE_MIN),
    )


KINDS = (
    CampaignKind(
        "formation_drive",
        "coverage",
        "REG-10",
        "“奋战60天，集中抓组建”：3名以上正式党员的未覆盖社会组织",
        "60-day formation drive: uncovered organizations with three or more full members",
        drive,
    ),
    CampaignKind(
        "all_uncovered",
        "coverage",
        "COV-1",
        "存量社会组织覆盖：全部未覆盖的社会组织",
        "Coverage of the existing stock: every uncovered organization",
        uncovered,
    ),
    CampaignKind(
        "conditions_matured",
        "coverage",
        "INS-2",
        "条件成熟时及时建立党组织（指导员所在组织达到3名正式党员）",
        "Conditions matured: an instructor-covered organization reached three full members",
        matured,
        automatic=True,
    ),
)
