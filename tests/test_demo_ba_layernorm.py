"""demos/reproductions/ba_layernorm.py --quick: BatchNorm fails at batch 2, LayerNorm does not."""

from tests.demo_helpers import requires_fashion, run_quick

pytestmark = requires_fashion


def test_batchnorm_breaks_down_at_batch_2_and_layernorm_does_not(tmp_path):
    rec = run_quick("ba_layernorm", tmp_path)
    runs = rec["runs"]
    ln, bn = runs["LayerNorm"], runs["BatchNorm"]
    assert set(ln) == set(bn) == {"128", "4", "2"}
    assert bn["2"]["final_error"] > ln["2"]["final_error"] + 0.15
    assert abs(bn["128"]["final_error"] - ln["128"]["final_error"]) < 0.05  # at batch 128 they are alike
    assert ln["2"]["final_error"] < ln["128"]["final_error"] + 0.05  # LayerNorm does not mind the batch size
    for r in (ln, bn, runs["none"]):  # the same examples at every batch size
        assert {b: c["examples_seen"][-1] for b, c in r.items()} == {b: rec["config"]["examples"] for b in r}
