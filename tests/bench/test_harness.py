"""`make test` runs the benchmark harness in quick mode, so it cannot rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_bench_runs_and_writes_results(tmp_path):
    doc_before = (
        (ROOT / "docs" / "performance.md").read_bytes()
        if (ROOT / "docs" / "performance.md").exists()
        else None
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| B1 |" in proc.stdout and "| B2 |" in proc.stdout and "| B3 |" in proc.stdout
    fire = json.loads((ROOT / "bench" / "results" / "fire-quick.json").read_text())
    env = fire["environment"]
    for key in ("python", "sqlalchemy", "sqlite", "cpu_count", "date"):
        assert env[key]
    results = fire["results"]
    assert all(len(r["rounds"]) >= 5 for r in results)
    b1 = [r for r in results if r["bench"] == "B1"]
    assert b1 and all(r["median"] > 0 and "ratio_to_floor" in r["extra"] for r in b1)
    assert any("spiff_ratio" in r["extra"] for r in b1)
    mem = json.loads((ROOT / "bench" / "results" / "memory-quick.json").read_text())
    assert mem["results"][0]["extra"]["machine_models"] == 0
    after = (
        (ROOT / "docs" / "performance.md").read_bytes()
        if (ROOT / "docs" / "performance.md").exists()
        else None
    )
    assert after == doc_before  # quick figures never overwrite the published ones
