"""The bench harness: one real smoke run of a core row, each framework in its own process."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_lists_and_runs_a_case_in_three_processes(tmp_path):
    listing = subprocess.run([sys.executable, "-m", "bench", "--list"], cwd=ROOT, capture_output=True, text=True)
    assert listing.returncode == 0, listing.stderr
    assert "Linear" in listing.stdout or "linear" in listing.stdout
    out = tmp_path / "r.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--filter", "linear", "--threads", "1", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    data = json.loads(out.read_text())
    assert data["results"], "no case ran"
    for row in data["results"]:
        for framework in ("minigrad", "torch", "numpy"):
            assert row[framework]["median_ms"] > 0, (row["case"], framework)
    assert "minigrad/torch" in run.stdout
