"""demos/reproductions/goodfellow_maxout.py --quick: maxout as ReLU, Leaky ReLU and |x|; x^2; maxout MLPs."""

from tests.demo_helpers import requires_fashion, run_quick

pytestmark = requires_fashion


def test_maxout_pieces_and_mlps(tmp_path):
    rec = run_quick("goodfellow_maxout", tmp_path)
    for name, s in rec["special_cases"].items():
        assert s["max_abs_value_difference"] == 0.0, name  # exactly the same function
        assert s["max_abs_grad_difference_away_from_0"] == 0.0, name
    assert rec["special_cases"]["ReLU"]["grad_at_0"] == {"maxout": 0.0, "function": 0.0}

    fits = rec["square"]["fits"]
    errors = [fits[k]["max_abs_error"] for k in ("2", "4", "8")]
    assert errors[0] > errors[1] > errors[2]  # more pieces, a closer fit of x^2
    for k, f in fits.items():
        assert f["max_abs_error"] >= f["best_possible_max_error"] - 1e-9, k  # no fit beats the best one
        assert 1 <= f["pieces_used"] <= int(k)

    mlps = list(rec["mlps"].values())
    maxout, relu_width, relu_size = mlps
    width, pieces = rec["config"]["width"], rec["config"]["pieces"]
    assert maxout["parameters"] == pieces * (785 * width + (width + 1) * width) + (width + 1) * 10
    assert relu_width["parameters"] == 785 * width + (width + 1) * width + (width + 1) * 10
    assert abs(relu_size["parameters"] - maxout["parameters"]) < 0.01 * maxout["parameters"]
    for r in mlps:
        assert r["final_error"] < 0.3
    assert abs(maxout["final_error"] - relu_width["final_error"]) < 0.05
