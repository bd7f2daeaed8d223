"""demos/zigzag.py: all-positive inputs give single-signed weight gradients, a zig-zag path, slow training."""

import json

import numpy as np
import pytest

from tests.demo_helpers import fashion_available as _fashion_available
from tests.demo_helpers import load_demo

needs_fashion = pytest.mark.skipif(
    not _fashion_available(),
    reason="Fashion-MNIST files not found (apt-get install dataset-fashion-mnist, or set MINIGRAD_FASHION_MNIST)",
)


def test_per_example_gradients_match_the_chain_rule():
    """The demo's one-backward-pass trick gives dL_n/dw = (sigmoid(w.x_n + b) - t_n) x_n for every n."""
    demo = load_demo("zigzag")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 5)).astype(np.float32)
    t = rng.integers(0, 2, 7).astype(np.float32)
    w, b = rng.normal(size=5), 0.3
    grads = demo.per_example_weight_grads(x, t, w, b, "cpu")
    z = x.astype(np.float64) @ w + b
    expected = (1 / (1 + np.exp(-z)) - t)[:, None] * x
    np.testing.assert_allclose(grads, expected, rtol=1e-4, atol=1e-6)
    single, share = demo.sign_statistics(np.abs(expected) * np.array([[1], [-1], [1], [-1], [1], [1], [1]]))
    assert single.all() and set(share.tolist()) <= {0.0, 1.0}


@needs_fashion
def test_zigzag_quick(tmp_path):
    pytest.importorskip("matplotlib")
    demo = load_demo("zigzag")
    record = demo.main(["--quick", "--out", str(tmp_path), "--seed", "0"])
    for name in ("gradient_signs.png", "zigzag_path.png", "softmax_preprocessing.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    saved = json.loads((tmp_path / "zigzag.json").read_text())
    assert saved["config"]["quick"] is True
    assert saved["softmax"]["variants"].keys() == record["softmax"]["variants"].keys()

    # 1. Every example's dL/dw has one sign when every input is >= 0; almost none after centring.
    signs = saved["gradient_signs"]
    assert signs["raw pixels"]["input_min"] >= 0
    assert signs["raw pixels"]["fraction_single_sign"] == 1.0
    assert signs["sigmoid-layer outputs"]["fraction_single_sign"] == 1.0
    assert signs["centred pixels"]["fraction_single_sign"] < 0.05
    assert signs["tanh-layer outputs"]["fraction_single_sign"] < 0.05

    # 2. In 2-D: with positive inputs every SGD step moves w1 and w2 the same way (a zig-zag towards
    # w* = (1.5, -1.5)); centred inputs allow other directions and a larger rate, so fewer steps.
    cases = saved["zigzag"]["cases"]
    pos, cen = cases["positive inputs"], cases["centred inputs"]
    assert pos["fraction_updates_in_quadrants_I_III"] == 1.0
    assert cen["fraction_updates_in_quadrants_I_III"] < 0.8
    assert pos["steps_at_best_lr"] is not None and cen["steps_at_best_lr"] is not None
    assert cen["best_lr"] > pos["best_lr"]
    assert 2 * cen["steps_at_best_lr"] <= pos["steps_at_best_lr"]

    # 3. Softmax regression: centring and standardising reach the target loss in fewer steps than raw
    # pixels, and raw pixels sooner than pixels shifted further from zero.
    v = saved["softmax"]["variants"]
    steps = {k: (s["steps_to_target"] if s["steps_to_target"] is not None else np.inf) for k, s in v.items()}
    assert np.isfinite(steps["raw"]), steps
    assert steps["centred"] < steps["raw"] and steps["standardised"] < steps["raw"], steps
    assert steps["raw"] < steps["shifted"], steps
