"""demos/reproductions/krizhevsky_relu.py --quick: steps to training-error targets in a small CNN."""

import pytest

from tests.demo_helpers import requires_fashion, run_quick

pytestmark = requires_fashion


def test_steps_to_targets_and_their_ratios(tmp_path):
    rec = run_quick("krizhevsky_relu", tmp_path)
    cfg = rec["config"]
    assert set(rec["runs"]) == {"ReLU", "tanh", "sigmoid"}
    for target in cfg["targets"]:
        t = rec["targets"][str(target)]
        relu = t["activations"]["ReLU"]["steps_to_target"]
        tanh = t["activations"]["tanh"]["steps_to_target"]
        sigmoid = t["activations"]["sigmoid"]["steps_to_target"]
        assert relu is not None and tanh is not None
        assert sigmoid is None or sigmoid > max(relu, tanh)  # sigmoid is the slowest
        assert t["ratio_to_relu"]["tanh"] == pytest.approx(tanh / relu)
        for a, r in t["activations"].items():  # each activation is scored at its fastest rate
            reached = [s for s in r["steps_to_target_per_lr"].values() if s is not None]
            assert r["steps_to_target"] == (min(reached) if reached else None), a
