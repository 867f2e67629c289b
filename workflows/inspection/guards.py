"""Guards of the annual inspection: why a step is not allowed, with the rule."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from engine.rules import Refusal
from engine.snapshot import CaseView
from workflows.common import as_date, party_org
from workflows.inspection.checklist import checklist


def unmet_requirements(case: CaseView) -> list[str]:
    """The decisive checklist items the organization fails now: answered "not met" in the
    self-check and not rectified since, and `party_org_set_up` whenever the organization has
    neither a Party organization nor an instructor (coverage none)."""
    answers = case.data.get("self_check") or {}
    rectified = {r["item"] for r in case.data.get("rectifications", ()) if r.get("completed_on")}
    unmet = [i for i in checklist().decisive if answers.get(i) == "not_met" and i not in rectified]
    if case.organization.get("coverage", "none") == "none" and "party_org_set_up" not in unmet:
        unmet.insert(0, "party_org_set_up")
    return unmet


def party_requirements_met(case: CaseView, payload: Mapping[str, Any] | None) -> Refusal | None:
    """INS-1: an organization that did not set up a Party organization or carry out Party
    work as required is not rated qualified (generally unqualified, with the reason)."""
    unmet = unmet_requirements(case)
    if not unmet:
        return None
    items = [checklist().item(i) for i in unmet]
    return Refusal(
        "INS-1",
        zh="不按要求建立党组织、开展党建工作的，年检结果一般认定为不合格："
        + "；".join(i.zh for i in items),
        en="An organization that did not set up a Party organization or carry out Party work "
        "as required is generally rated unqualified: " + "; ".join(i.en for i in items),
        details={"unmet": unmet},
    )


def _years_between(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def dormant_as_defined(case: CaseView, payload: Mapping[str, Any] | None) -> Refusal | None:
    """SUP-1: only a long-dormant ("zombie") organization is listed for deregistration — no
    activity for years, and unreachable through its registered address, its recorded
    responsible person and its supervisory unit alike."""
    if payload is None:
        return None
    years = int(case.params["sup_dormant_years"])
    unreachable = (
        payload["unreachable_at_address"],
        payload["unreachable_responsible_person"],
        payload["unreachable_supervisory_unit"],
    )
    if not all(unreachable):
        return Refusal(
            "SUP-1",
            zh="须通过登记住所、备案负责人和业务主管单位均无法取得联系，方可认定为“僵尸”社会组织",
            en="A long-dormant organization is unreachable through its registered address, its "
            "responsible person and its supervisory unit alike",
        )
    since = as_date(payload["inactive_since"])
    decided = as_date(payload["decided_on"])
    if since is None or decided is None or _years_between(since, decided) < years:
        return Refusal(
            "SUP-1",
            zh=f"常年不开展活动：须至少{years}年未开展活动（地方默认值）",
            en=f"Dormant for years: no activity for at least {years} years (local default)",
            details={"years": years},
        )
    po = party_org(case, payload["party_organization_id"])
    if po is None or po.get("status") != "active":
        return Refusal(
            "SUP-1",
            zh="移送注销须指明该组织现有的党组织（其调整按注销途径进行）",
            en="Name the organization's active Party organization: its adjustment on "
            "deregistration starts with the referral",
        )
    return None


GUARDS = {
    "inspection.party_requirements_met": party_requirements_met,
    "inspection.dormant_as_defined": dormant_as_defined,
}
