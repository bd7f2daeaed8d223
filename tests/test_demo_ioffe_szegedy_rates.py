"""demos/reproductions/ioffe_szegedy_rates.py --quick: BatchNorm trains at a rate that blows the plain net up."""

from tests.demo_helpers import requires_fashion, run_quick

pytestmark = requires_fashion


def test_batchnorm_tolerates_a_rate_that_diverges_without_it(tmp_path):
    rec = run_quick("ioffe_szegedy_rates", tmp_path)
    plain, bn = rec["runs"]["plain"], rec["runs"]["bn"]
    top = str(max(rec["config"]["rates"]))
    assert plain[top]["diverged"] and plain[top]["final_error"] is None
    assert not bn[top]["diverged"] and bn[top]["final_error"] < 0.5
    low = str(min(rec["config"]["rates"]))
    assert not plain[low]["diverged"] and plain[low]["final_error"] < 0.5  # the plain net does train at a low rate
    assert rec["best_lr_bn"] >= rec["best_lr_plain"]
