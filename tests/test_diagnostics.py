"""minigrad.diagnostics: every recorded number against a direct NumPy computation of the same model."""

import json

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad import diagnostics


def _set(layer, w, b):
    with mg.no_grad():
        layer.weight.copy_(np.asarray(w, dtype=np.float64))
        layer.bias.copy_(np.asarray(b, dtype=np.float64))


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.fixture
def setup():
    """A float64 model Linear-Tanh-Linear-ReLU-Linear-Sigmoid, its NumPy forward and backward."""
    rng = np.random.default_rng(0)
    n, d0, d1, d2, d3 = 16, 5, 8, 6, 3
    model = nn.Sequential(
        nn.Linear(d0, d1), nn.Tanh(), nn.Linear(d1, d2), nn.ReLU(), nn.Linear(d2, d3), nn.Sigmoid()
    ).double()
    W1, b1 = rng.normal(0, 1.5, (d1, d0)), rng.normal(0, 0.5, d1)  # large: some tanh saturation
    W2, b2 = rng.normal(0, 0.5, (d2, d1)), rng.normal(0, 0.1, d2)
    b2[[1, 4]] = -50.0  # ReLU units 1 and 4 are dead on every example
    W3, b3 = rng.normal(0, 2.0, (d3, d2)), rng.normal(0, 1.0, d3)
    for layer, (w, b) in zip((model[0], model[2], model[4]), ((W1, b1), (W2, b2), (W3, b3))):
        _set(layer, w, b)
    x = rng.normal(0, 1, (n, d0))
    G = rng.normal(0, 1, (n, d3))  # loss = sum(out * G), so dL/d(out) = G

    z1 = x @ W1.T + b1
    a1 = np.tanh(z1)
    z2 = a1 @ W2.T + b2
    a2 = np.maximum(z2, 0)
    z3 = a2 @ W3.T + b3
    a3 = _sigmoid(z3)
    acts = {"0": z1, "1": a1, "2": z2, "3": a2, "4": z3, "5": a3}
    g_a3 = G
    g_z3 = g_a3 * a3 * (1 - a3)
    g_a2 = g_z3 @ W3
    g_z2 = g_a2 * (z2 > 0)
    g_a1 = g_z2 @ W2
    g_z1 = g_a1 * (1 - a1**2)
    grad_out = {"5": g_a3, "4": g_z3, "3": g_a2, "2": g_z2, "1": g_a1, "0": g_z1}
    grad_in = {"5": g_z3, "4": g_a2, "3": g_z2, "2": g_a1, "1": g_z1, "0": None}
    wgrad = {"0": g_z1.T @ x, "2": g_z2.T @ a1, "4": g_z3.T @ a2}
    weights = {"0": W1, "2": W2, "4": W3}
    return model, mg.tensor(x), mg.tensor(G), acts, grad_out, grad_in, wgrad, weights


def _run(model, x, G, **kw):
    with diagnostics.Recorder(model, **kw) as rec:
        out = model(x)
        (out * G).sum().backward()
    return rec


def test_activation_stats_match_numpy(setup):
    model, x, G, acts, *_ = setup
    rec = _run(model, x, G, bins=10)
    assert rec.names == ["0", "1", "2", "3", "4", "5"]
    assert [rec.stats[n]["type"] for n in rec.names] == ["Linear", "Tanh", "Linear", "ReLU", "Linear", "Sigmoid"]
    for name, a in acts.items():
        s = rec.stats[name]["act"]
        np.testing.assert_allclose(s["mean"], a.mean(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(s["std"], a.std(), rtol=1e-12)
        np.testing.assert_allclose(s["abs_mean"], np.abs(a).mean(), rtol=1e-12)
        assert s["min"] == pytest.approx(a.min()) and s["max"] == pytest.approx(a.max())
        assert s["zero_fraction"] == pytest.approx((a == 0).mean())
        assert s["shape"] == list(a.shape)
        # histogram: bounded activations over their range, the others over the batch's min..max
        rng = {"1": (-1, 1), "5": (0, 1)}.get(name, (a.min(), a.max()))
        counts, edges = np.histogram(a, bins=10, range=rng)
        np.testing.assert_array_equal(s["hist"]["counts"], counts)
        np.testing.assert_allclose(s["hist"]["edges"], edges)
    assert rec.series("act", "std") == [rec.stats[n]["act"]["std"] for n in rec.names]


def test_saturation_and_dead_units_match_numpy(setup):
    model, x, G, acts, *_ = setup
    rec = _run(model, x, G)
    a1, a2, a3 = acts["1"], acts["3"], acts["5"]
    sat_tanh = (np.abs(a1) > 0.99).mean()
    assert 0 < sat_tanh < 1  # the fixture's large W1 saturates some tanh units, not all
    assert rec.stats["1"]["act"]["saturated_fraction"] == pytest.approx(sat_tanh)
    assert rec.stats["5"]["act"]["saturated_fraction"] == pytest.approx(((a3 < 0.005) | (a3 > 0.995)).mean())
    assert rec.stats["1"]["bounds"] == [-1.0, 1.0] and rec.stats["5"]["bounds"] == [0.0, 1.0]
    for name in ("0", "2", "3", "4"):  # unbounded outputs have no saturation
        assert rec.stats[name]["act"]["saturated_fraction"] is None
    dead = (a2 == 0).all(axis=0)
    assert dead[[1, 4]].all()
    relu = rec.stats["3"]["act"]
    assert relu["dead_units"] == dead.sum() and relu["units"] == 6
    assert relu["dead_fraction"] == pytest.approx(dead.mean())
    off = (acts["2"] <= 0).all(axis=0)  # the pre-activations of those units
    assert rec.stats["2"]["act"]["never_positive_units"] == off.sum() == dead.sum()
    assert rec.stats["2"]["act"]["never_positive_fraction"] == pytest.approx(off.mean())
    # a configurable threshold
    rec9 = _run(model, x, G, saturation=0.9)
    assert rec9.stats["1"]["act"]["saturated_fraction"] == pytest.approx((np.abs(a1) > 0.9).mean())


def test_gradient_stats_match_numpy(setup):
    model, x, G, _, grad_out, grad_in, wgrad, weights = setup
    rec = _run(model, x, G, bins=7)
    for name, g in grad_out.items():
        s = rec.stats[name]["grad_output"]
        np.testing.assert_allclose(s["mean"], g.mean(), rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(s["std"], g.std(), rtol=1e-10)
        np.testing.assert_allclose(s["abs_mean"], np.abs(g).mean(), rtol=1e-10)
        counts, _ = np.histogram(g, bins=7, range=(g.min(), g.max()))
        np.testing.assert_array_equal(s["hist"]["counts"], counts)
    for name, g in grad_in.items():
        s = rec.stats[name]["grad_input"]
        if g is None:
            assert s is None  # the first layer's input needs no gradient
        else:
            np.testing.assert_allclose(s["std"], g.std(), rtol=1e-10)
    assert set(wgrad) == {n for n in rec.names if "weight_grad" in rec.stats[n]}
    for name, g in wgrad.items():
        s = rec.stats[name]["weight_grad"]
        np.testing.assert_allclose(s["abs_mean"], np.abs(g).mean(), rtol=1e-10)
        np.testing.assert_allclose(s["std"], g.std(), rtol=1e-10)
        np.testing.assert_allclose(s["max_abs"], np.abs(g).max(), rtol=1e-10)
        np.testing.assert_allclose(s["weight_std"], weights[name].std(), rtol=1e-12)
        assert s["zero_rows"] == int((g == 0).all(axis=1).sum())
    # the dead ReLU units: their rows of dL/dW2 are exactly zero
    assert rec.stats["2"]["weight_grad"]["zero_rows"] == 2
    assert rec.series("weight_grad", "abs_mean")[1] is None  # Tanh has no weight


def test_layer_selection(setup):
    model, x, G, acts, *_ = setup
    rec = _run(model, x, G, layers=(nn.Tanh, nn.ReLU))
    assert rec.names == ["1", "3"]
    rec = _run(model, x, G, layers=nn.Linear)
    assert rec.names == ["0", "2", "4"]
    rec = _run(model, x, G, layers=["4", model[1]])
    assert sorted(rec.names) == ["1", "4"]
    with pytest.raises(KeyError, match="no module named"):
        diagnostics.Recorder(model, layers=["7"])
    with pytest.raises(ValueError, match="not a module of this model"):
        diagnostics.Recorder(model, layers=[nn.ReLU()])
    with pytest.raises(ValueError, match="no module"):
        diagnostics.Recorder(model, layers=nn.Conv2d)
    # a bare layer records itself
    layer = nn.Linear(3, 2)
    rec = diagnostics.record(layer, mg.randn(4, 3))
    assert rec.names == ["model"] and rec.stats["model"]["act"]["shape"] == [4, 2]


def test_hooks_come_off(setup):
    model, x, G, *_ = setup
    a = diagnostics.Recorder(model)
    b = diagnostics.Recorder(model, layers=nn.Linear)
    a.remove()
    model(x)  # only b records now
    assert a.names == [] and b.names == ["0", "2", "4"]
    b.remove()
    for m in model.modules():
        assert not m._forward_hooks and not m._backward_hooks
    for p in model.parameters():
        assert not p._hooks
    with diagnostics.Recorder(model) as rec:
        model(x)
    std = rec.stats["1"]["act"]["std"]
    model(x * 3)
    assert rec.stats["1"]["act"]["std"] == std  # nothing recorded after the block
    rec.reset()
    assert rec.names == [] and rec.stats == {}


def test_record_helper_summary_and_json(setup):
    model, x, G, acts, grad_out, *_ = setup
    rec = diagnostics.record(model, x, G, loss_fn=lambda out, g: (out * g).sum(), keep_values=True)
    np.testing.assert_allclose(rec.values["3"], acts["3"])
    np.testing.assert_allclose(rec.grad_values["1"], grad_out["1"])
    text = rec.summary()
    assert "3 (ReLU)" in text and "|dL/dW|" in text and len(text.splitlines()) == 2 + 6
    d = json.loads(json.dumps(rec.to_dict()))
    assert d["3"]["act"]["dead_units"] == 2
    assert isinstance(d["0"]["act"]["hist"]["counts"], list)
    # forward only: no gradient entries
    rec = diagnostics.record(model, x)
    assert "grad_output" not in rec.stats["1"] and "weight_grad" not in rec.stats["0"]


def test_histogram_edges_and_range():
    x = mg.tensor(np.linspace(-3, 3, 40).reshape(8, 5))
    relu = nn.ReLU()
    edges = [-1.0, 0.0, 0.5, 1.0, 5.0]
    rec = diagnostics.record(relu, x, bins=edges)
    a = np.maximum(np.linspace(-3, 3, 40), 0)
    np.testing.assert_array_equal(rec.stats["model"]["act"]["hist"]["counts"], np.histogram(a, bins=edges)[0])
    rec = diagnostics.record(relu, x, bins=4, range=(0, 4))
    np.testing.assert_array_equal(rec.stats["model"]["act"]["hist"]["counts"], np.histogram(a, 4, (0, 4))[0])


def test_conv_units_and_bounds():
    mg.manual_seed(0)
    conv = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU())
    with mg.no_grad():
        conv[0].bias.copy_(np.array([0.0, -100.0, 0.0], dtype=np.float32))  # channel 1 is dead
    rec = diagnostics.record(conv, mg.randn(4, 1, 5, 5))
    s = rec.stats["1"]["act"]
    assert s["units"] == 3 * 5 * 5 and s["dead_units"] >= 25
    assert diagnostics.output_bounds(nn.ReLU6()) == (0.0, 6.0)
    assert diagnostics.output_bounds(nn.Hardtanh(-2, 3)) == (-2.0, 3.0)
    assert diagnostics.output_bounds(nn.Softsign()) == (-1.0, 1.0)
    assert diagnostics.output_bounds(nn.ELU()) is None
    # a user-given bound for an unbounded module
    x = mg.tensor(np.array([[0.0, 0.5, 0.999, 2.0]]))
    rec = diagnostics.record(nn.ReLU(), x, bounds={nn.ReLU: (0.0, 1.0)})
    assert rec.stats["model"]["act"]["saturated_fraction"] == pytest.approx(0.75)  # 0, 0.999 and 2.0


def test_tanh_depth_experiment_shrinks():
    """The lecture's check in a few lines: tanh with N(0, 0.01^2) weights, std falls layer by layer."""
    mg.manual_seed(0)
    layers = []
    for _ in range(5):
        layers += [nn.Linear(200, 200), nn.Tanh()]
    net = nn.Sequential(*layers)
    nn.init.apply_(net, "normal(0.01)", generator=0)
    rec = diagnostics.record(net, mg.randn(32, 200), loss_fn=lambda out: out.sum(), layers=nn.Tanh)
    stds = rec.series("act", "std")
    assert all(b < 0.3 * a for a, b in zip(stds, stds[1:]))
    x = mg.randn(32, 200)
    small = diagnostics.record(net, x, loss_fn=lambda out: out.sum(), layers=nn.Linear)
    nn.init.apply_(net, "xavier", generator=0)
    xavier = diagnostics.record(net, x, loss_fn=lambda out: out.sum(), layers=nn.Linear)
    # dL/dW = dL/dy^T x: tiny x in the forward pass, tiny dL/dy in the backward pass
    for a, b in zip(small.series("weight_grad", "abs_mean")[1:], xavier.series("weight_grad", "abs_mean")[1:]):
        assert a < 1e-2 * b
