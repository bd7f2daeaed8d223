"""demos/reproductions/he_deep_relu.py --quick: a 30-layer ReLU net stalls from Xavier's init, trains from He's."""

import pytest

from tests.demo_helpers import requires_fashion, run_quick

pytestmark = requires_fashion


def test_xavier_stalls_and_he_trains(tmp_path):
    rec = run_quick("he_deep_relu", tmp_path)
    xavier, he = rec["runs"]["Xavier, var 1/n"], rec["runs"]["He, var 2/n"]
    assert len(xavier["relu_output_std_at_init"]) == len(he["relu_output_std_at_init"]) == 29
    # Xavier halves the variance per ReLU layer: 29 layers shrink the signal by far more than 1e4
    assert xavier["relu_output_std_at_init"][-1] < 1e-4 * xavier["relu_output_std_at_init"][0]
    assert he["relu_output_std_at_init"][-1] > 1e-2
    assert xavier["final_loss"] == pytest.approx(2.3026, abs=0.02)  # ln 10: it learns nothing
    assert xavier["steps_to_leave_chance"] is None
    assert he["final_loss"] < 2.0 and he["steps_to_leave_chance"] is not None
    assert he["error"][-1] < xavier["error"][-1] - 0.2
