"""The supervisor's dashboard: the ACC-1 figures per unit and the two coverages (REG-7).

Nothing is counted here: the figures are `engine.oversight.figures`, the same the ACC-1
report, the lists, the exports and the digest use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.access.actor import Actor
from engine.access.scope import scope_unit_ids
from engine.directory.read import COVERAGES
from engine.oversight import figures
from engine.oversight.figures import Moment
from engine.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Dashboard:
    """Per responsible unit the rows of `figures.unit_figures`, their totals and ages, and
    the coverage of the organizations in scope."""

    units: list[dict[str, Any]]
    by_age: list[int]
    totals: dict[str, int]
    coverage: dict[str, int]
    coverage_units: list[dict[str, Any]] = field(default_factory=list)
    """The two coverages per unit holding organizations (`figures.coverage_by_unit`)."""


def dashboard(uow: UnitOfWork, actor: Actor, at: Moment) -> Dashboard:
    """Everything the dashboard shows, in one read transaction at one instant (ACC-1, REG-7)."""
    with uow.reader() as r:
        ids = scope_unit_ids(r, actor)
        units = figures.unit_figures(r, ids, at)
        cov_units = figures.coverage_by_unit(r, ids)
    # the totals are the units' rows summed: one scan of the organizations, not two
    total = figures.coverage_totals(cov_units)
    cov = {k: total[k] for k in ("registered", *COVERAGES)}
    return Dashboard(units, figures.by_age(units), figures.totals(units), cov, cov_units)


def coverage(uow: UnitOfWork, actor: Actor) -> dict[str, int]:
    """REG-7 coverage figures alone, for the actor's scope."""
    with uow.reader() as r:
        return figures.coverage(r, scope_unit_ids(r, actor))
