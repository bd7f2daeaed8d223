"""demos/reproductions/glorot_bengio.py --quick: the top sigmoid layer saturates, and the gradients at init."""

import numpy as np
import pytest

from tests.demo_helpers import requires_fashion, run_quick

pytestmark = requires_fashion


@pytest.fixture(scope="module")
def rec(tmp_path_factory):
    return run_quick("glorot_bengio", tmp_path_factory.mktemp("glorot_bengio"))


def test_the_top_hidden_layer_saturates_while_the_others_stay_near_half(rec):
    t = rec["sigmoid_training"]
    mean = np.array(t["mean"])
    assert np.all(np.abs(mean[0] - 0.5) < 0.05)  # at initialisation every layer sits near sigmoid(0)
    assert mean[-1, -1] < 0.3 and mean[-1, -1] < mean[0, -1] - 0.2  # the top layer is driven towards 0
    assert np.all((mean[-1, :-1] > 0.4) & (mean[-1, :-1] < 0.8))  # the lower layers are not
    assert min(t["test_error"]) > 0.8  # and meanwhile the test error stays at its plateau (chance: 0.9)


def test_standard_init_shrinks_gradients_going_down_but_not_the_weight_gradients(rec):
    std, norm = rec["tanh_at_init"]["standard"], rec["tanh_at_init"]["normalised"]
    assert all(b < a for a, b in zip(std["act_std"], std["act_std"][1:]))  # activations shrink going up
    assert all(b > a for a, b in zip(std["grad_std"], std["grad_std"][1:]))  # dL/dz shrinks going down
    assert std["grad_std_first_over_last"] < 0.2
    assert std["weight_grad_std_max_over_min"] < 1.3  # ... while dL/dW keeps its size in every layer
    assert norm["grad_std_first_over_last"] > 2 * std["grad_std_first_over_last"]
    assert norm["act_std"][-1] > 3 * std["act_std"][-1]
    for s in (std, norm):
        assert s["grad_std_first_over_last"] == pytest.approx(s["grad_std"][0] / s["grad_std"][-1])
        for hist in s["act_hist"] + s["grad_hist"] + s["weight_grad_hist"]:
            assert sum(hist) == pytest.approx(1.0)
