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


def test_goal_verdicts_follow_the_results(tmp_path, monkeypatch):
    """The goals block is computed from the results files: a missed goal says by how much."""
    import bench.common
    from bench.run import goals

    monkeypatch.setattr(bench.common, "RESULTS", tmp_path)

    def b1(name: str, ratio: float, spiff: float) -> dict:
        return {
            "bench": "B1",
            "name": f"fire() {name}",
            "extra": {"ratio_to_floor": ratio, "spiff_ratio": spiff},
        }

    (tmp_path / "fire.json").write_text(
        json.dumps({"results": [b1("sqlite", 0.31, 4.0), b1("postgresql", 0.62, 11.0)]})
    )
    sweep = {
        "open_deadlines": 1_000_000,
        "scenarios": [
            {"fraction": 0.0, "due": 0, "sweep_median_s": 0.004},
            {"fraction": 0.001, "due": 1000, "sweep_median_s": 0.15},
            {"fraction": 0.01, "due": 10000, "sweep_median_s": 2.5},
        ],
    }
    (tmp_path / "sweep-postgresql.json").write_text(json.dumps(sweep))
    text = goals()
    lines = {line.split(" | ")[1]: line for line in text.splitlines()[2:] if "B1 ÷ B2" in line}
    assert "**missed** by 0.19" in lines["sqlite"]
    assert lines["postgresql"].endswith("| 0.62 | met |")
    assert "| 4.0× | **missed** by 6.0× |" in text and "| 11.0× | met |" in text
    assert "| 4.0 ms | met |" in text
    assert "| 2.50 s | **missed** by 0.50 s |" in text
    # 0.15 ms per row at 0.1 % against 0.25 at 1 %: within 2×, so the cost follows what is due.
    assert "0.15 at 0.1 %, 0.25 at 1 % | met |" in text
