"""demos/reproductions/he_prelu.py --quick: PReLU slopes move from 0.25; weight decay pushes them to 0."""

import numpy as np

from tests.demo_helpers import requires_fashion, run_quick

pytestmark = requires_fashion


def test_slopes_are_learned_and_weight_decay_pushes_them_to_zero(tmp_path):
    rec = run_quick("he_prelu", tmp_path)
    runs = list(rec["runs"].values())
    shared, channel_wise, paper_decay, strong_decay = runs
    assert [r["per_layer"] for r in runs] == [1, 128, 1, 1]
    for r in runs:
        assert len(r["final_slope"]) == rec["config"]["depth"]
        assert r["curve"]["measured"][0] == [0.25] * rec["config"]["depth"]
    assert max(abs(a - 0.25) for a in shared["final_slope"]) > 0.05  # the slopes are learned, layer by layer
    # a decay as strong as the paper's 5e-4 is over a long run pushes the slopes to 0; 5e-4 itself, in a
    # short run, changes them far less than that
    assert np.mean(np.abs(strong_decay["final_slope"])) < 0.5 * np.mean(np.abs(shared["final_slope"]))
    moved_by = {
        name: np.abs(np.subtract(r["final_slope"], shared["final_slope"])).mean()
        for name, r in (("paper", paper_decay), ("strong", strong_decay))
    }
    assert moved_by["paper"] < 0.25 * moved_by["strong"]
