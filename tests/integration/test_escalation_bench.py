"""The sweep benchmark (bench/sweep.py, B4) in a tiny smoke size, so the harness cannot rot."""

from __future__ import annotations

import json

from bench import sweep as bench_sweep


def test_sweep_benchmark_runs_and_fires_exactly_the_armed_rows(tmp_path, capsys):
    assert (
        bench_sweep.main(
            ["--quick", "--open", "2000", "--db", "sqlite", "--results", str(tmp_path)]
        )
        == 0
    )
    data = json.loads((tmp_path / "sweep-sqlite-quick.json").read_text())
    assert data["open_deadlines"] == 2000
    due = {s["fraction"]: s["due"] for s in data["scenarios"]}
    assert due == {0.0: 0, 0.001: 2, 0.01: 20, 0.1: 200}
    assert all(s["sweep_median_s"] > 0 for s in data["scenarios"])
    assert "| sqlite | 2,000 | 1 % | 20 |" in capsys.readouterr().out
