"""One transitions.Machine per (procedure, version), shared; nothing accumulates per case."""

from __future__ import annotations

import tracemalloc
from datetime import date
from types import MappingProxyType

from engine.definitions.loader import load_definitions
from engine.registry import load_registry
from engine.snapshot import CaseView

DEFS = load_definitions(None, load_registry())


def test_machine_is_built_once_per_definition_version():
    d = DEFS.get("registration", 1)
    assert d.machine is d.machine
    assert d.machine.machine.models == []  # the shared machine holds no model


def test_many_cases_share_the_machine_and_leave_nothing_behind():
    d = DEFS.get("registration", 1)
    m = d.machine
    m.fire(
        CaseView(0, "registration", "correction", 1, {}, {}, DEFS.parameters, date(2026, 3, 2)),
        "resubmit_charter",
        {},
    )  # warm up caches before measuring
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for i in range(5000):
        v = CaseView(
            i,
            "registration",
            "correction",
            1,
            MappingProxyType({}),
            {},
            DEFS.parameters,
            date(2026, 3, 2),
        )
        assert m.fire(v, "resubmit_charter", {}).dest == "charter_review"
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
    assert m.machine.models == []
    assert grown < 200_000, f"memory grew by {grown} bytes over 5000 fires"


def test_guards_are_callables_never_strings():
    d = DEFS.get("registration", 1)
    for event in d.machine.machine.events.values():
        for branches in event.transitions.values():
            for t in branches:
                assert all(callable(c.func) for c in t.conditions)
