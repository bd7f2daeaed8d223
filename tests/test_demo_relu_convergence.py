"""demos/relu_convergence.py: with each activation at its best learning rate, ReLU reaches the target
training error much sooner than sigmoid."""

import json

import pytest

from tests.demo_helpers import fashion_available as _fashion_available
from tests.demo_helpers import load_demo

pytestmark = pytest.mark.skipif(
    not _fashion_available(),
    reason="Fashion-MNIST files not found (apt-get install dataset-fashion-mnist, or set MINIGRAD_FASHION_MNIST)",
)


def test_steps_to_target_needs_the_error_to_stay_below():
    demo = load_demo("relu_convergence")
    steps = [0, 10, 20, 30, 40]
    assert demo.steps_to_target(steps, [0.9, 0.2, 0.5, 0.1, 0.1], 0.3) == 30  # the dip at 10 does not count
    assert demo.steps_to_target(steps, [0.9, 0.5, 0.5, 0.5, 0.2], 0.3) == 40
    assert demo.steps_to_target(steps, [0.9, 0.5, 0.5, 0.5, 0.5], 0.3) is None


def test_relu_convergence_quick(tmp_path):
    pytest.importorskip("matplotlib")
    demo = load_demo("relu_convergence")
    record = demo.main(["--quick", "--out", str(tmp_path), "--seed", "0"])
    assert (tmp_path / "relu_convergence.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((tmp_path / "relu_convergence.json").read_text())
    assert saved["config"]["quick"] is True
    assert saved["ratio_to_relu"] == record["ratio_to_relu"]

    acts = saved["activations"]
    grid = saved["config"]["lr_grid"]
    for name, r in acts.items():
        assert set(r["runs"]) == {str(lr) for lr in grid}, name
        assert r["best_lr"] in grid, name
        # the best rate really is the one with the fewest steps to the target
        reached = [run["steps_to_target"] for run in r["runs"].values() if run["steps_to_target"] is not None]
        if reached:
            assert r["steps_to_target"] == min(reached), name
        for run in r["runs"].values():
            if not run["diverged"]:
                assert run["train_error"][0] > 0.6  # an untrained 10-class net is near 90% error

    # ReLU (and, in this MLP with matched initialisations, tanh too) reaches the target at least twice
    # as fast as sigmoid, even with sigmoid at its own best rate. ReLU against tanh is close to a tie
    # here (the demo's point: the lecture's "6x" depends on the setting), so it is not asserted.
    relu, tanh, sigmoid = (acts[k]["steps_to_target"] for k in ("ReLU", "tanh", "sigmoid"))
    assert relu is not None and tanh is not None, (relu, tanh)
    assert sigmoid is None or sigmoid >= 2 * max(relu, tanh), (relu, tanh, sigmoid)
    assert acts["ReLU"]["final_error_at_best_lr"] < acts["sigmoid"]["final_error_at_best_lr"]
    assert saved["ratio_to_relu"]["ReLU"] == 1.0
    if sigmoid is not None:
        assert saved["ratio_to_relu"]["sigmoid"] == pytest.approx(sigmoid / relu)
