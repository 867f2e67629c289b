"""Local policy parameters of P2–P4: each one a workflow reads is declared by its definition
and checked at load, so a missing or misspelt parameter is a load error, not a crash mid-step."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from engine.definitions.loader import DEFAULT_DIR, load_definitions
from engine.errors import DefinitionError
from engine.registry import load_registry

DEFS = load_definitions(None, load_registry())
WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
READ = re.compile(r"""params(?:\.get\(|\[)\s*f?["']([a-z0-9_{}'\[\].]+)["']""")


def reads(package: str) -> set[str]:
    """Parameter ids the package's source reads (f-strings expanded over the kinds)."""
    found: set[str] = set()
    for path in (WORKFLOWS / package).glob("*.py"):
        for pid in READ.findall(path.read_text(encoding="utf-8")):
            if "{" in pid:
                prefix = pid.split("{")[0]
                found |= {p for p in DEFS.parameters if p.startswith(prefix)}
            else:
                found.add(pid)
    return found


@pytest.mark.parametrize("procedure", ["adjustment", "decoupling", "secretary"])
def test_trf5_dec_sec_every_parameter_a_workflow_reads_is_declared(procedure):
    d = DEFS.get(procedure)
    declared = set(d.parameters) | {dl.parameter for dl in d.deadlines if dl.parameter}
    used = reads(procedure)
    assert used, "the pattern found nothing: the test would prove nothing"
    assert used <= declared, used - declared
    for pid in declared:
        p = DEFS.parameters.describe(pid)
        assert p.zh and p.en and p.unit and p.rule and p.local_default


def test_sec9_there_is_a_term_length_for_every_kind_of_party_org():
    from engine.vocabulary import PARTY_ORG_KINDS

    secretary = DEFS.get("secretary")
    for kind in PARTY_ORG_KINDS:
        assert f"sec_term_years_{kind}" in secretary.parameters
        assert DEFS.parameters.describe(f"sec_term_years_{kind}").unit == "years"


def test_an_undeclared_parameter_is_a_load_error_naming_file_and_path(tmp_path):
    folder = tmp_path / "defs"
    shutil.copytree(DEFAULT_DIR, folder, ignore=shutil.ignore_patterns("__*"))
    path = folder / "decoupling.v1.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("dec_min_meetings,", "dec_min_meeting,"),
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as exc:
        load_definitions(folder, load_registry())
    assert [(p.file, p.path) for p in exc.value.problems] == [
        ("decoupling.v1.yaml", "parameters.0")
    ]


def test_sec6_a_bad_parameter_value_is_a_load_error(tmp_path):
    folder = tmp_path / "defs"
    shutil.copytree(DEFAULT_DIR, folder, ignore=shutil.ignore_patterns("__*"))
    path = folder / "parameters.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("value: refuse", "value: ignore"),
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as exc:
        load_definitions(folder, load_registry())
    assert any(
        p.file == "parameters.yaml" and p.path.endswith(".value") and "refuse" in p.problem
        for p in exc.value.problems
    )
