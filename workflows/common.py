"""Helpers the procedures share: reading case facts and the refusals and intents they all use.

Pure functions over `CaseView` (no SQL, no Flask), like the guards and actions that call them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from marshmallow import ValidationError

from engine.snapshot import Action, CaseView, Intent, SetData


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


@dataclass(frozen=True)
class Earlier:
    """A fact a recorded date may not precede, and its name in both languages.

    `path` is read from the case: `data.…` (the case's facts), `payload.…` (another field of the
    same form), `organization.…`, `party_org.…` (the case's Party organization); a segment ending
    in `[]` runs over a list (or a mapping's values) and the latest date found counts. A
    callable `(case, payload) -> date | str | None` reaches a fact no path names.
    """

    path: str | Callable[[CaseView, Mapping[str, Any]], Any]
    zh: str
    en: str


@dataclass(frozen=True)
class FactDate:
    """A date a step records as a fact: not after today and not before the facts it follows
    (the input policy of the architecture guide). `field` is the form's path (`recipients[].
    delivered_on` for every row of a list); the rule is the one the step serves."""

    field: str
    rule: str
    zh: str
    en: str
    not_before: tuple[Earlier, ...] = ()


def _walk(value: Any, parts: Sequence[str]) -> Iterator[Any]:
    if not parts:
        yield value
        return
    if not isinstance(value, Mapping):
        return
    head, rest = parts[0], parts[1:]
    if head.endswith("[]"):
        items = value.get(head[:-2]) or ()
        for item in items.values() if isinstance(items, Mapping) else items:
            yield from _walk(item, rest)
    else:
        yield from _walk(value.get(head), rest)


def _earliest_allowed(case: CaseView, payload: Mapping[str, Any], earlier: Earlier) -> date | None:
    """The latest date the `earlier` fact has (None where the case does not know it yet)."""
    if callable(earlier.path):
        found: Iterable[Any] = [earlier.path(case, payload)]
    else:
        root, _, rest = earlier.path.partition(".")
        # The Party organization is looked up only for a fact about it: reading the snapshot's
        # Party organizations costs a query on the hot path (the organization view is lazy).
        if root == "party_org":
            base: Mapping[str, Any] = party_org(case) or {}
        else:
            base = {"data": case.data, "payload": payload, "organization": case.organization}[root]
        found = _walk(base, rest.split("."))
    days = [as_date(v) for v in found if v]
    return max(days) if days else None


def _rows(payload: Mapping[str, Any], parts: Sequence[str]) -> Iterator[tuple[tuple, date]]:
    """(error path, date) for every value of a form path, `[]` segments giving row numbers."""
    if not parts:
        return
    head, rest = parts[0], parts[1:]
    if head.endswith("[]"):
        for i, row in enumerate(payload.get(head[:-2]) or ()):
            if isinstance(row, Mapping):
                for path, day in _rows(row, rest):
                    yield (head[:-2], i, *path), day
    elif not rest:
        if isinstance(payload.get(head), date):
            yield (head,), payload[head]
    elif isinstance(payload.get(head), Mapping):
        for path, day in _rows(payload[head], rest):
            yield (head, *path), day


def _nest(errors: dict, path: tuple, message: str) -> None:
    node = errors
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node.setdefault(path[-1], []).append(message)


def fact_date_errors(
    case: CaseView, payload: Mapping[str, Any], facts: Sequence[FactDate]
) -> dict[str, Any]:
    """marshmallow-style errors ({field: [message]}, nested like the form) for every recorded
    date after today or before a fact it follows; empty when all are plausible."""
    errors: dict[str, Any] = {}
    for fact in facts:
        for path, day in _rows(payload, fact.field.split(".")):
            if day > case.today:
                _nest(
                    errors,
                    path,
                    f"{fact.rule}: {fact.zh}不能晚于今天（{case.today}） / "
                    f"{fact.en} cannot be after today ({case.today})",
                )
                continue
            for earlier in fact.not_before:
                limit = _earliest_allowed(case, payload, earlier)
                if limit is not None and day < limit:
                    _nest(
                        errors,
                        path,
                        f"{fact.rule}: {fact.zh}不能早于{earlier.zh}（{limit}） / "
                        f"{fact.en} cannot be before {earlier.en} ({limit})",
                    )
                    break
    return errors


def check_fact_dates(case: CaseView, payload: Mapping[str, Any], facts: Sequence[FactDate]) -> None:
    """Raise the input error naming each implausible date (422, shown next to its field)."""
    errors = fact_date_errors(case, payload, facts)
    if errors:
        raise ValidationError(errors)


def dated(facts: Sequence[FactDate]) -> Callable[[Action], Action]:
    """An action that first checks the dates its step records (`facts`, the schema's table):
    the one place every procedure's fact dates are judged, before any intent is made."""

    def wrap(action: Action) -> Action:
        @functools.wraps(action)
        def checked(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
            check_fact_dates(case, payload, facts)
            return action(case, payload)

        checked.fact_dates = tuple(facts)  # type: ignore[attr-defined]
        return checked

    return wrap


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
