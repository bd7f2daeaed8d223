"""bench/gpu.py (what bench/gpu_check.sh runs last) works end to end: its --quick run on tiny sizes
measures every row and prints the table; on the simulator its times mean nothing, but a broken
benchmark is found here rather than on a lent GPU."""

import json

from bench import gpu


def test_the_quick_gpu_benchmark_measures_every_row(tmp_path, capsys):
    out = tmp_path / "gpu.json"
    assert gpu.main(["--quick", "--json", str(out)]) == 0
    r = json.loads(out.read_text())
    assert r["copy"]["gbps"] > 0
    assert set(r["activations"]) == set(gpu.ACTIVATIONS)
    assert all(a["fwd_ms"] > 0 and a["bwd_ms"] > 0 for a in r["activations"].values())
    assert set(r["norms"]) == set(gpu.NORMS) and all(n["ms"] > 0 for n in r["norms"].values())
    mlp = r["steps"]["mlp"]
    # one step of 10 x (Linear + tanh) with cross-entropy and SGD: tanh forward and backward per
    # layer, the cross-entropy forward and backward, one SGD update per weight and per bias
    assert mlp["numba_launches"] == 10 * 2 + 2 + 10 * 2
    assert mlp["ms"] > 0 and r["steps"]["cnn"]["ms"] > 0
    table = capsys.readouterr().out
    assert "card:" in table and "training step" in table and "groupnorm32" in table


def test_dry_run_lists_the_full_sizes(capsys):
    assert gpu.main(["--dry-run"]) == 0
    plan = capsys.readouterr().out
    assert "67108864 float32" in plan and "(256, 256, 32, 32)" in plan and "(8192, 8192)" in plan
    assert "Linear(512)" in plan and "batch 512" in plan
