"""demos/reproductions/lsuv_orthogonal.py --quick: LSUV gives unit variances and trains; orthogonal deep linear nets."""

import pytest

from tests.demo_helpers import requires_fashion, run_quick

pytestmark = requires_fashion


def test_lsuv_and_deep_linear_networks(tmp_path):
    rec = run_quick("lsuv_orthogonal", tmp_path)
    xavier, lsuv = rec["lsuv"]["Xavier"], rec["lsuv"]["LSUV"]
    assert len(lsuv["output_variance_at_init"]) == rec["config"]["layers"]
    assert all(v == pytest.approx(1.0, abs=0.1) for v in lsuv["output_variance_at_init"])
    assert xavier["output_variance_at_init"][-1] < 1e-3
    assert lsuv["final_loss"] < xavier["final_loss"] - 0.5

    orth, gauss = rec["deep_linear"]["orthogonal"], rec["deep_linear"]["scaled Gaussian"]
    depths = [str(d) for d in rec["config"]["depths"]]
    assert orth["1"]["steps_to_criterion"] is not None and gauss["1"]["steps_to_criterion"] is not None
    assert gauss[depths[-1]]["final_error"] > 5 * orth[depths[-1]]["final_error"]
    for r in (orth, gauss):
        for d in depths:
            reached = r[d]["steps_to_criterion"]
            assert (reached is not None) == (r[d]["final_error"] <= rec["config"]["criterion"])
