"""Guards of P2. Each returns why not (a Refusal citing its rule), or None when allowed.

With payload=None (listing actions before a form is filled in) a guard judges only what the
case already knows: e.g. which members still have no destination (TRF-3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.rules import Refusal
from engine.snapshot import CaseView
from workflows.common import party_org

Payload = Mapping[str, Any] | None
NAMES_SHOWN = 20


def attached_members(case: CaseView) -> list[Mapping[str, Any]]:
    """Members whose organizational relation still sits in the Party organization (TRF-3)."""
    pid = case.data.get("party_organization_id")
    return [m for m in case.organization.get("members", ()) if m["party_organization_id"] == pid]


def names(members: Sequence[Mapping[str, Any]], sep: str) -> str:
    shown = [f"{m['name']}(#{m['id']})" for m in members[:NAMES_SHOWN]]
    more = len(members) - len(shown)
    return sep.join(shown) + (f" … (+{more})" if more > 0 else "")


def party_org_active(case: CaseView, payload: Payload) -> Refusal | None:
    """TRF-1: the report concerns an existing, active Party organization of this organization."""
    po = party_org(case)
    if po is None or po["status"] != "active":
        return Refusal(
            "TRF-1",
            zh="本案所涉党组织不存在或已撤销，无法办理调整",
            en="The Party organization of this case does not exist or is no longer active",
            details={"party_organization_id": case.data.get("party_organization_id")},
        )
    return None


def receiving_contacted(case: CaseView, payload: Payload) -> Refusal | None:
    """TRF-2: the receiving Party organization is another one than the one adjusted (the dates
    of the contact and the assignment are judged by the step's fact-date table)."""
    if payload is None:
        return None
    po = party_org(case) or {}
    same = [r["name"] for r in payload["receiving_party_orgs"] if r["name"] == po.get("name")]
    if same:
        return Refusal(
            "TRF-2",
            zh="接收单位党组织不能是被调整的党组织本身",
            en="The receiving Party organization cannot be the one being adjusted",
        )
    return None


def destinations_valid(case: CaseView, payload: Payload) -> Refusal | None:
    """TRF-3: destinations are given for members of this Party organization; a deregistering
    organization's members cannot stay, since its Party organization will be revoked."""
    if payload is None:
        return None
    attached = {m["id"]: m for m in attached_members(case)}
    unknown = [d["member_id"] for d in payload["destinations"] if d["member_id"] not in attached]
    if unknown:
        return Refusal(
            "TRF-3",
            zh=f"以下党员的组织关系不在本党组织：{'、'.join(f'#{i}' for i in unknown)}",
            en=f"Not members of this Party organization: {', '.join(f'#{i}' for i in unknown)}",
            details={"member_ids": unknown},
        )
    if case.data.get("change_kind") == "deregistration":
        staying = [
            attached[d["member_id"]] for d in payload["destinations"] if d["kind"] == "remain"
        ]
        if staying:
            return Refusal(
                "TRF-3",
                zh="社会组织注销，其党组织将被撤销，党员不能留在原党组织："
                + names(staying, "、")
                + "。请转移组织关系，或保留关系并参加其他党组织的组织生活",
                en="The organization is deregistering and its Party organization will be revoked; "
                f"these members cannot remain: {names(staying, ', ')}. "
                "Transfer their relation, or keep it elsewhere with organizational life elsewhere",
                details={"member_ids": [m["id"] for m in staying]},
            )
    return None


def every_member_has_destination(case: CaseView, payload: Payload) -> Refusal | None:
    """TRF-3: no member may be left without a destination — name those still without one."""
    remain = {
        int(k) for k, d in case.data.get("destinations", {}).items() if d.get("kind") == "remain"
    }
    missing = [m for m in attached_members(case) if m["id"] not in remain]
    if missing:
        return Refusal(
            "TRF-3",
            zh=f"尚有{len(missing)}名党员没有去向（转移组织关系、保留关系参加他处组织生活或留在本党组织）："
            + names(missing, "、"),
            en=f"{len(missing)} member(s) still have no destination (transfer, keep the relation with "
            f"organizational life elsewhere, or remain): {names(missing, ', ')}",
            details={"member_ids": [m["id"] for m in missing]},
        )
    return None


def change_allowed(case: CaseView, payload: Payload) -> Refusal | None:
    """TRF-4: a deregistering organization's Party organization is revoked, not changed."""
    if case.data.get("change_kind") == "deregistration":
        return Refusal(
            "TRF-4",
            zh="社会组织注销的，上级党组织应撤销其党组织，不能作调整决定",
            en="The organization is deregistering: its Party organization is revoked, not changed",
        )
    return None


def nobody_remains(case: CaseView, payload: Payload) -> Refusal | None:
    """TRF-3/TRF-4: revoking a Party organization that members still belong to would leave them
    without a destination."""
    staying = attached_members(case)
    if staying:
        return Refusal(
            "TRF-3",
            zh="以下党员的组织关系仍在本党组织，撤销前须为其办理转移或保留关系参加他处组织生活："
            + names(staying, "、"),
            en="These members still belong to the Party organization; give them another "
            f"destination before revoking it: {names(staying, ', ')}",
            details={"member_ids": [m["id"] for m in staying]},
        )
    return None


def decided_not_in_future(case: CaseView, payload: Payload) -> Refusal | None:
    """TRF-4: a decision is recorded once it has been made. Its date is judged, with the field
    named, by the step's fact-date table (`adjustment.schemas.FACT_DATES`, checked by
    `workflows.common.dated`); this guard stays because the definitions name it."""
    return None


GUARDS = {
    "adjustment.party_org_active": party_org_active,
    "adjustment.receiving_contacted": receiving_contacted,
    "adjustment.destinations_valid": destinations_valid,
    "adjustment.every_member_has_destination": every_member_has_destination,
    "adjustment.change_allowed": change_allowed,
    "adjustment.nobody_remains": nobody_remains,
    "adjustment.decided_not_in_future": decided_not_in_future,
}
