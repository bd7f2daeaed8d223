import json

import pytest

from tests.demo_helpers import load_demo


def test_weight_init_quick(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    demo = load_demo("weight_init")
    demo.main(["--quick", "--out", str(tmp_path), "--seed", "0"])
    for name in ("activations_6_layers.png", "activations_10_layers.png", "statistics.png", "zero_init.png"):
        png = tmp_path / name
        assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    rec = json.loads((tmp_path / "weight_init.json").read_text())
    assert rec["config"]["quick"] is True
    nets = rec["networks"]
    assert [n["depth"] for n in nets] == [6, 10]

    for net in nets:
        s = net["settings"]
        depth = net["depth"]
        # tanh with N(0, 0.01^2): the activations' std falls layer after layer, towards 0
        std = s["tanh_0.01"]["act_std"]
        assert all(b < 0.6 * a for a, b in zip(std, std[1:])), std
        assert std[-1] < 1e-3
        # and so do the back-propagated gradients towards the first layer; dL/dW is tiny everywhere
        g = s["tanh_0.01"]["grad_std"]
        assert g[0] < 1e-2 * g[-1], g
        xav_dw = s["tanh_xavier"]["weight_grad_abs_mean"]
        assert all(a < 1e-2 * b for a, b in zip(s["tanh_0.01"]["weight_grad_abs_mean"], xav_dw))
        # tanh with N(0, 1): saturated at +-1 in every layer
        assert min(s["tanh_1"]["saturated_fraction"]) > 0.7
        assert min(s["tanh_1"]["act_std"]) > 0.9
        # tanh with Xavier: well scaled, neither collapsing nor saturating
        xs = s["tanh_xavier"]["act_std"]
        assert 0.15 < min(xs) and max(xs) < 0.8 and max(s["tanh_xavier"]["saturated_fraction"]) < 0.05
        # ReLU with Xavier collapses again; He keeps the std roughly constant
        rx = s["relu_xavier"]["act_std"]
        assert rx[-1] < 0.3 * rx[0] and all(b < a for a, b in zip(rx, rx[1:]))
        he = s["relu_he"]["act_std"]
        assert max(he) / min(he) < 1.6, he
        assert 0.3 < s["relu_he"]["grad_std"][0] < 3  # the gradient reaches the first layer intact
        # histograms: every layer's counts cover the batch (tanh over its range)
        n = net["width"] * net["batch"]
        for c in s["tanh_xavier"]["hist_counts"]:
            assert sum(c) == n
        assert len(s["relu_he"]["zero_fraction"]) == depth
        assert all(0.4 < z < 0.6 for z in s["relu_he"]["zero_fraction"])
    # the 0.05 scale: too large for the 4096-wide net, not for the narrow one (full run only); in the
    # quick run, at least larger than Xavier in the first layer
    assert nets[0]["settings"]["tanh_0.05"]["act_std"][0] > nets[0]["settings"]["tanh_xavier"]["act_std"][0]

    # all-zero initialisation: the hidden units stay identical (1 distinct unit) at every step
    z = rec["zero_init"]["runs"]
    for key in ("zeros_tanh", "zeros_sigmoid"):
        for layer in (0, 1):
            assert set(z[key]["distinct_units"][layer]) == {1}, (key, layer)
        assert z[key]["distinct_first_layer_rows"] == 1
    assert min(z["xavier_tanh"]["distinct_units"][0][1:]) == rec["zero_init"]["hidden"]
    assert z["xavier_tanh"]["accuracy"][-1] > 0.6 > z["zeros_tanh"]["accuracy"][-1]

    out = capsys.readouterr().out
    assert "act std" in out and "|dL/dW|" in out
