"""Name -> callable/schema registry that definition files refer to, and each procedure's demo.

Definitions name guards, actions and schemas as plain strings; the loader resolves each
name here, never through `transitions`' dotted-path import (slow, and an injection risk
for files read from a folder). Procedure packages are found through the
`tongbu.workflows` entry-point group, so the engine never imports `workflows`: a province
ships its own procedure as a package that declares an entry point in that group
(docs/adding-a-procedure.md).

A procedure may also register its demo cases (`Registry.demo`): a function that drives a few
cases through the services by way of a `DemoContext`, which `tongbu demo` hands it after the
shared base data (units, users) is in place. The demo never sees a Session or SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol

from marshmallow import Schema

from engine.snapshot import Action, Guard

ENTRY_POINT_GROUP = "tongbu.workflows"


@dataclass
class DemoCase:
    """A case a demo opened: its id, the version it is at now, and the unit handling it."""

    id: int
    version: int
    unit: str


@dataclass(frozen=True)
class DemoDocument:
    """A document a demo attaches with a step (a material of the step's checklist, issue 14):
    the material it is, the file name it is uploaded under, and its bytes."""

    material: str
    filename: str
    data: bytes


class DemoContext(Protocol):
    """What a procedure's demo may do: the base data's districts and the services.

    Every write goes through the engine's services (validation, guards, intents, deadlines),
    each with a clock fixed on the day given as `on` (never later than `today`), so a demo
    can age its cases and leave some deadlines overdue today.
    """

    #: The demo's "today" (a fixed date in tests).
    today: date
    #: The loaded policy parameters (definitions/parameters.yaml).
    parameters: Mapping[str, Any]
    #: (unit code, district name) of the registration authorities that serve a district.
    districts: Sequence[tuple[str, str]]

    def credit_code(self, unit: str, org_type: str) -> str:
        """A fresh, valid unified social credit code for an organization of `unit`."""
        ...

    def unit_id(self, code: str) -> int:
        """The id of the unit with this code (a step's input names units by id, REG-6)."""
        ...

    def organization(self, payload: Mapping[str, Any]) -> int:
        """Record a social organization (the directory's organization payload)."""
        ...

    def party_organization(self, payload: Mapping[str, Any]) -> int:
        """Record an existing Party organization of an organization."""
        ...

    def member(self, payload: Mapping[str, Any]) -> int:
        """Record a Party member."""
        ...

    def open(
        self, procedure: str, organization_id: int, payload: Mapping[str, Any], *, on: date
    ) -> DemoCase:
        """Open a case on an organization this demo recorded, as that unit's caseworker."""
        ...

    def open_series(
        self,
        procedure: str,
        unit: str,
        series: str,
        organization_ids: Sequence[int],
        payload: Mapping[str, Any],
        *,
        on: date,
    ) -> dict[int, DemoCase]:
        """Open a yearly procedure for these organizations of `unit` in one bulk opening
        (`engine.cases.bulk_open`, once per series), as that unit's caseworker; organization
        id -> its case."""
        ...

    def fire(
        self,
        case: DemoCase,
        trigger: str,
        payload: Mapping[str, Any] | None = None,
        *,
        on: date,
        role: str = "caseworker",
        documents: Sequence[DemoDocument] = (),
    ) -> None:
        """Fire a step as the nearest user with `role` at or above the case's unit, with the
        documents it attaches (counted for the step's required materials)."""
        ...

    def attach(
        self,
        case: DemoCase,
        documents: Sequence[DemoDocument],
        *,
        on: date,
        role: str = "caseworker",
    ) -> None:
        """Attach documents to a case on their own (a `document` event; the case's version
        stays), as the nearest user with `role` at or above the case's unit."""
        ...

    def deregister(self, organization_id: int, *, on: date) -> None:
        """The registration authority deregisters an organization this demo recorded."""
        ...

    def campaign(
        self, kind: str, unit: str, starts_on: date, title: str, *, on: date
    ) -> dict[int, DemoCase]:
        """The unit's supervisor opens a campaign of a registered kind over the unit's tree
        (REG-10); returns the campaign's cases (opened or joined) by organization id."""
        ...

    def instructor(self, unit: str, payload: Mapping[str, Any], *, on: date) -> int:
        """Enter an instructor or liaison in the unit's register (INS-2; the register's
        payload without `unit_id`), as the unit's caseworker."""
        ...

    def instructor_report(
        self, instructor_id: int, unit: str, period_starts_on: date, summary: str, *, on: date
    ) -> None:
        """The instructor's report for the period starting `period_starts_on` is in (INS-2)."""
        ...

    def daily(self, *, on: date) -> None:
        """What the scheduler does about coverage on that day: terms ended, reports due,
        instructor-covered organizations whose conditions matured (INS-2)."""
        ...


Demo = Callable[[DemoContext], None]


@dataclass(frozen=True)
class Criterion:
    """One test on an organization's own column, as data (a procedure package has no SQL):
    `op` is `eq`, `in` or `gte`. The engine checks `field` names a column at load."""

    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class CampaignKind:
    """What a campaign of this kind targets (REG-10, INS-2): the procedure it opens a case of,
    and the organizations it opens one for — `condition(parameters)` gives the criteria, so a
    local parameter can change what is counted. The procedure's definition gives the campaign's
    deadline (`opens_on: ["@campaign"]`, anchored on the campaign's first day). An `automatic`
    kind is run by the scheduler over organizations covered by an instructor (no campaign
    row): INS-2's "form a Party organization when conditions mature"."""

    id: str
    procedure: str
    rule: str
    label_zh: str
    label_en: str
    condition: Callable[[Mapping[str, Any]], Sequence[Criterion]]
    automatic: bool = False


class Registry:
    def __init__(self) -> None:
        self.guards: dict[str, Guard] = {}
        self.actions: dict[str, Action] = {}
        self.schemas: dict[str, type[Schema]] = {}
        self.demos: dict[str, Demo] = {}
        self.definition_folders: list[Path] = []
        self.campaign_kinds: dict[str, CampaignKind] = {}
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

    def demo(self, procedure: str, fn: Demo) -> Demo:
        """Register the demo cases of `procedure` (run by `tongbu demo` when it is loaded)."""
        self._put(self.demos, "demo", procedure, fn)
        return fn

    def campaign(self, kind: CampaignKind) -> CampaignKind:
        """Register a kind of campaign a supervisor may open (or the scheduler runs)."""
        self._put(self.campaign_kinds, "campaign kind", kind.id, kind)
        return kind

    def definitions(self, folder: Path) -> Path:
        """Ship definition files with the package: `folder` holds `<procedure>.v<N>.yaml` and,
        optionally, the package's own `rules.yaml` and `parameters.yaml`.

        The loader reads it after the deployment's definitions folder: the rules catalogues are
        merged (one rule ID, one text), and a parameter the deployment's `parameters.yaml` also
        sets takes the deployment's value, since local policy is the deployment's to decide.
        """
        folder = Path(folder)
        if folder not in self.definition_folders:
            self.definition_folders.append(folder)
        return folder

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
