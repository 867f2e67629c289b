"""docs/procedures.md is generated from the definitions and cannot drift from them."""

from __future__ import annotations

from engine.definitions.loader import load_definitions
from engine.registry import load_registry
from web.procedures_doc import DOC_PATH, generate, main

DEFS = load_definitions(None, load_registry())


def test_committed_procedures_doc_is_what_the_definitions_generate():
    committed = DOC_PATH.read_text(encoding="utf-8")
    assert committed == generate(DEFS), (
        "docs/procedures.md differs from the definitions: run `python -m web.procedures_doc`"
    )


def test_the_doc_covers_every_step_deadline_rule_and_parameter():
    text = generate(DEFS)
    for d in DEFS.latest():
        assert f"`{d.file}`" in text
        for t in d.transitions:
            assert f"`{t.trigger}`" in text and t.label.zh in text
        for dl in d.deadlines:
            assert dl.label.en in text
            if dl.parameter:
                assert f"parameter `{dl.parameter}`" in text
    for p in DEFS.parameters.all():
        assert f"| `{p.id}` | {p.value} |" in text
    headings = [line for line in text.splitlines() if line.startswith("## P")]
    assert [h.split(" — ")[0] for h in headings] == [
        f"## P{n}" for n in range(1, len(DEFS.latest()) + 1)
    ]
    first = DEFS.get("registration")
    assert headings[0] == f"## P1 — {first.label.zh} / {first.label.en}"  # DOMAIN.md's P1


def test_check_mode_fails_on_a_stale_file(tmp_path, capsys):
    stale = tmp_path / "procedures.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert main(["--check", "--output", str(stale)]) == 1
    assert main(["--output", str(stale)]) == 0
    assert main(["--check", "--output", str(stale)]) == 0
