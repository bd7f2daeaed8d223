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


def test_rounds_merge_into_medians_and_paired_ratios():
    sys.path.insert(0, str(ROOT))
    from bench.run import _ratio, merge_rounds

    key = ("core", "case")
    mg_rounds = [{key: {"median_ms": t}} for t in (1.0, 4.0, 2.0)]
    torch_rounds = [{key: {"median_ms": t}} for t in (2.0, 2.0, 8.0)]
    mg, th = merge_rounds(mg_rounds)[key], merge_rounds(torch_rounds)[key]
    assert mg["median_ms"] == 2.0 and mg["rounds_ms"] == [1.0, 4.0, 2.0]
    assert th["median_ms"] == 2.0
    # per-round ratios 0.5, 2.0, 0.25: their median, not the ratio of the medians (1.0)
    assert _ratio(mg, th) == 0.5
    failed = merge_rounds([{key: {"median_ms": 1.0}}, {key: {"error": "boom"}}])[key]
    assert failed["error"] == "boom"
