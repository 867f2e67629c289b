"""Helpers the procedures share: reading case facts and the refusals and intents they all use.

Pure functions over `CaseView` (no SQL, no Flask), like the guards and actions that call them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from marshmallow import ValidationError

from engine.rules import Refusal
from engine.snapshot import CaseView, Intent, SetData


def as_date(value: Any) -> date | None:
    """Case facts are stored as JSON: dates come back as ISO strings."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def party_org(case: CaseView, party_organization_id: Any = None) -> Mapping[str, Any] | None:
    """The Party organization the case is about (or the one with the given id), from the
    organization's snapshot."""
    pid = party_organization_id or case.data.get("party_organization_id")
    return next(
        (p for p in case.organization.get("party_organizations", ()) if p["id"] == pid), None
    )


def active_party_org(case: CaseView, party_organization_id: Any, refusal: str) -> Mapping[str, Any]:
    """The active Party organization a case opens on, or the input error `refusal` (which
    names the rule) on `party_organization_id`."""
    po = party_org(case, party_organization_id)
    if po is None or po["status"] != "active":
        raise ValidationError({"party_organization_id": [refusal]})
    return po


def running_cases(case: CaseView, party_organization_id: Any = None) -> list[int]:
    """Ids of the organization's other open cases of this procedure (only those about the
    given Party organization, when one is given): one at a time may run."""
    return [
        c["id"]
        for c in case.organization.get("open_cases", ())
        if c["procedure"] == case.procedure
        and (
            party_organization_id is None
            or (c.get("data") or {}).get("party_organization_id") == party_organization_id
        )
    ]


def not_in_future(
    rule: str, day: date, case: CaseView, what_zh: str, what_en: str
) -> Refusal | None:
    """A date the step records must not be later than today (the rule names the step)."""
    if day > case.today:
        return Refusal(rule, zh=f"{what_zh}不能晚于今天", en=f"{what_en} cannot be in the future")
    return None


def record_withdrawal(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """The withdrawal's reason, kept on the case."""
    yield SetData("withdrawn", dict(payload))


def label(
    zh: str, en: str, *, choices: Mapping[str, tuple[str, str]] | None = None, **metadata: Any
) -> dict[str, Any]:
    """A schema field's metadata: its label in Chinese and English (the forms, the case page
    and the procedures page show it), the labels of its choices where the field has its own
    words for them, and any other metadata (`description`, `help`).

    `fields.Date(required=True, metadata=label("申请日期", "Application date"))` is the same as
    writing `metadata={"label": {"zh": "申请日期", "en": "Application date"}}`.
    """
    out: dict[str, Any] = {"label": {"zh": zh, "en": en}, **metadata}
    if choices:
        out["choices"] = {value: {"zh": z, "en": e} for value, (z, e) in choices.items()}
    return out
