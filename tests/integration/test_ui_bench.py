"""The pages benchmark (B5) runs, and no measured page issues more statements for more cases.

A small run of `bench/pages.py` keeps the harness from rotting; comparing two database
sizes shows there is no query per row on the inbox, the dashboard or the directory.
"""

from __future__ import annotations

import shutil

import pytest

from bench import pages


def _measure(tmp_path, sqlite_template, n_cases: int) -> dict[str, dict]:
    path = tmp_path / f"pages-{n_cases}.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    facts = pages.fill(url, n_cases)
    pages.analyze(url)
    return {row["page"]: row for row in pages.measure(url, facts, requests=2, warmup=1)}


@pytest.mark.slow
def test_statements_per_page_do_not_grow_with_the_number_of_cases(tmp_path, sqlite_template):
    small = _measure(tmp_path, sqlite_template, 400)
    large = _measure(tmp_path, sqlite_template, 4000)
    assert set(small) == {label for label, _user, _path in pages.PAGES}
    for label, row in small.items():
        assert large[label]["statements"] == row["statements"], label
        assert row["p50_ms"] > 0


def test_doc_section_is_replaced_not_duplicated(tmp_path, monkeypatch):
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\n## Sweep (B4)\n\nsweep figures\n", encoding="utf-8")
    monkeypatch.setattr(pages, "DOC", doc)
    pages.write_doc("first")
    pages.write_doc("second")
    text = doc.read_text(encoding="utf-8")
    assert text.count("## Pages (B5)") == 1
    assert "second" in text and "first" not in text
    assert "sweep figures" in text
