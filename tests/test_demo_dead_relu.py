import json

import pytest

from tests.demo_helpers import fashion_available as _fashion_available
from tests.demo_helpers import load_demo

pytestmark = pytest.mark.skipif(
    not _fashion_available(),
    reason="Fashion-MNIST files not found (apt-get install dataset-fashion-mnist, or set MINIGRAD_FASHION_MNIST)",
)


def test_dead_relu_quick(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    demo = load_demo("dead_relu")
    demo.main(["--quick", "--out", str(tmp_path), "--seed", "0"])
    for name in ("dead_units.png", "preactivation_max.png", "bias_init.png"):
        png = tmp_path / name
        assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    rec = json.loads((tmp_path / "dead_relu.json").read_text())
    assert rec["config"]["quick"] is True
    acts = rec["activations"]
    assert set(acts) == {"ReLU", "LeakyReLU", "PReLU", "ELU"}
    n_layers = len(rec["config"]["hidden"])

    relu = acts["ReLU"]
    # before the step (He init, bias 0) almost no unit is dead; after it, a large part of the deepest layer
    assert max(relu["init"]["dead_fraction"]) < 0.05
    after = relu["after_step"]
    assert after["dead_fraction"][-1] > 0.15, after["dead_fraction"]
    assert sum(after["dead_units"]) > 0
    # a dead ReLU unit is exactly a unit whose pre-activation is never positive, and exactly one whose
    # incoming weights get zero gradient over the whole training set
    assert after["dead_units"] == after["knocked_off_units"] == after["zero_grad_rows"]
    # those that are still dead after more training never had their weights changed
    for still, same in zip(relu["off_after_step_still_off"], relu["off_after_step_weights_unchanged"]):
        if still is not None:
            assert same <= still + 1e-12

    for name in ("LeakyReLU", "PReLU", "ELU"):
        a = acts[name]["after_step"]
        assert a["dead_fraction"] == [0.0] * n_layers, name  # never exactly 0 on every example
        assert a["zero_grad_rows"] == [0] * n_layers, name  # every unit still learns
        # the same step knocks Leaky ReLU units off the data just as often: they survive anyway
        unchanged = [u for u in acts[name]["off_after_step_weights_unchanged"] if u is not None]
        assert unchanged and all(u == 0 for u in unchanged), name
    assert acts["LeakyReLU"]["after_step"]["knocked_off_fraction"][-1] > 0.1

    # the 0.01 bias: no effect with He weights, all units on in the deeper layers with N(0, 0.01^2)
    b = rec["bias_init"]
    he0, he1 = b["he, bias 0"]["init"]["active_fraction"], b["he, bias 0.01"]["init"]["active_fraction"]
    assert all(abs(x - y) < 0.02 for x, y in zip(he0, he1))
    small0 = b["normal(0.01), bias 0"]["init"]["active_fraction"]
    small1 = b["normal(0.01), bias 0.01"]["init"]["active_fraction"]
    assert small1[-1] > 0.9 and small1[-1] > small0[-1] + 0.3

    out = capsys.readouterr().out
    assert "dead" in out and "zero-grad rows" in out
