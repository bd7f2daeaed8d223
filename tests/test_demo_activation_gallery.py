import json
import math

import pytest

from tests.demo_helpers import load_demo


def test_activation_gallery_quick(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    demo = load_demo("activation_gallery")
    demo.main(["--quick", "--out", str(tmp_path), "--seed", "0"])
    for name in ("activations.png", "gradients_at_-10_0_10.png", "gradient_table.png"):
        png = tmp_path / name
        assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    rec = json.loads((tmp_path / "activation_gallery.json").read_text())
    assert rec["config"]["quick"] is True
    x = rec["x"]
    assert x[0] == -6 and x[-1] == 6

    t = {name: {p: rec["table"][name][p]["df"] for p in ("-10", "0", "10")} for name in rec["table"]}
    assert len(t) >= 15
    # the lecture's answers: sigmoid and tanh saturate on both sides, ReLU is dead on the left
    assert t["Sigmoid"]["0"] == pytest.approx(0.25)
    assert t["Sigmoid"]["-10"] == pytest.approx(math.exp(-10) / (1 + math.exp(-10)) ** 2, rel=1e-6)
    assert t["Sigmoid"]["10"] < 1e-4
    assert t["Tanh"]["0"] == pytest.approx(1.0)
    assert 0 < t["Tanh"]["10"] < 1e-7 and t["Tanh"]["-10"] == pytest.approx(t["Tanh"]["10"])
    assert t["ReLU"]["-10"] == 0 and t["ReLU"]["0"] == 0 and t["ReLU"]["10"] == 1
    assert t["LeakyReLU"]["-10"] == pytest.approx(0.01) and t["PReLU"]["-10"] == pytest.approx(0.25)
    assert t["ELU"]["-10"] > 0 and t["ELU"]["10"] == 1
    assert t["Maxout"]["-10"] != 0  # never flat
    # the curves: f' of sigmoid is largest at 0; autograd agrees with finite differences everywhere smooth
    sig = rec["activations"]["Sigmoid"]["df"]
    assert max(sig) == pytest.approx(0.25) and sig.index(max(sig)) == x.index(0.0)
    for name, check in rec["finite_difference_check"].items():
        assert check["max_abs_error"] < 1e-5, (name, check)
    assert rec["finite_difference_check"]["ReLU"]["kinks_skipped"] >= 1
    out = capsys.readouterr().out
    assert "Sigmoid" in out and "8.24e-09" in out
