"""demos/batchnorm.py in --quick mode: the figures exist and the numbers show what the demo is for."""

import json

import numpy as np
import pytest

from tests.demo_helpers import fashion_available as _fashion_available
from tests.demo_helpers import load_demo

pytestmark = pytest.mark.skipif(
    not _fashion_available(),
    reason="Fashion-MNIST files not found (apt-get install dataset-fashion-mnist, or set MINIGRAD_FASHION_MNIST)",
)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    pytest.importorskip("matplotlib")
    module = load_demo("batchnorm")
    out = tmp_path_factory.mktemp("batchnorm")
    returned = module.main(["--quick", "--out", str(out), "--seed", "0", "--no-progress"])
    return out, returned, json.loads((out / "batchnorm.json").read_text())


def test_outputs_exist(run):
    out, returned, rec = run
    for name in ("ioffe_szegedy_fig1.png", "train_vs_eval.png", "bad_init.png"):
        png = out / name
        assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    assert rec["config"]["quick"] is True
    assert rec["ioffe_szegedy"]["bn"]["test_accuracy"] == returned["ioffe_szegedy"]["bn"]["test_accuracy"]


def test_ioffe_szegedy_bn_trains_faster_and_keeps_the_sigmoid_input_steady(run):
    _, _, rec = run
    fig = rec["ioffe_szegedy"]
    plain, bn = fig["plain"], fig["bn"]
    assert len(plain["step"]) == len(plain["test_accuracy"]) == len(plain["percentiles"]) >= 3
    # with BN the network is far ahead after the same number of steps from the same weights
    assert bn["test_accuracy"][-1] > 0.6
    assert bn["test_accuracy"][-1] > plain["test_accuracy"][-1] + 0.2
    for r in (plain, bn):
        assert all(p15 <= p50 <= p85 for p15, p50, p85 in r["percentiles"])
    # without BN the centre of the distribution moves by more than its own width; with BN it barely moves
    assert plain["median_drift_in_spreads"] > 0.5
    assert bn["median_drift_in_spreads"] < 0.2
    assert plain["median_drift_in_spreads"] > 4 * bn["median_drift_in_spreads"]
    # BN keeps the sigmoid input spread over the sigmoid's working range (roughly unit variance)
    p15, _, p85 = bn["percentiles"][-1]
    assert p85 - p15 > 1.0


def test_running_statistics_estimate_the_population(run):
    _, _, rec = run
    rs = rec["train_vs_eval"]["running_stats"]
    assert rs["momentum"] == pytest.approx(0.1)
    assert rs["running_mean"][0] == pytest.approx(0.1 * rs["batch_mean"][0], rel=1e-4, abs=1e-6)  # starts at 0
    assert rs["final_running_mean"] == pytest.approx(rs["population_mean"], abs=0.1)
    assert rs["final_running_var"] == pytest.approx(rs["population_var"], rel=0.3)


def test_train_mode_inference_depends_on_the_batch(run):
    _, _, rec = run
    tm = rec["train_vs_eval"]["train_mode"]
    acc = dict(zip(tm["batch_size"], tm["accuracy"]))
    # eval() gives exactly the same scores one image at a time as in a batch
    assert tm["eval_mode_max_diff_batch1_vs_batch"] < 1e-5
    # left in train(): batches of 2 are much worse than eval(); large batches come close to it
    assert acc[2] < tm["eval_mode_accuracy"] - 0.15
    assert acc[2] < acc[max(acc)]
    assert abs(acc[max(acc)] - tm["eval_mode_accuracy"]) < 0.05
    assert "Expected more than 1 value per channel" in tm["batch_of_one"]
    assert tm["running_mean_moved_by_train_mode_inference"] > 1e-3
    bm = rec["train_vs_eval"]["batch_mates"]
    assert np.std(bm["p_true_train_mode"]) > 0.02  # the same image, different answers


def test_fusing_batchnorm_changes_nothing(run):
    _, _, rec = run
    fu = rec["train_vs_eval"]["fusion"]
    assert fu["layers_after"] == fu["layers_before"] - 3
    assert fu["max_abs_diff"] < 1e-4 * max(1.0, fu["max_abs_logit"])
    assert fu["same_predictions"] == 1.0
    assert fu["accuracy_bn"] == fu["accuracy_fused"]


def test_bad_init_fails_without_bn_and_trains_with_it(run):
    _, _, rec = run
    bad = rec["bad_init"]
    plain, bn = bad["plain"], bad["bn"]
    assert np.mean(plain["loss"][-20:]) > 2.2  # stuck at ln 10 = 2.30: it learns nothing
    assert np.mean(bn["loss"][-20:]) < 1.3
    # without BN the activations shrink about tenfold per layer; with BN they stay order one
    std_plain, std_bn = plain["activation_std_at_init"], bn["activation_std_at_init"]
    assert len(std_plain) == len(std_bn) == bad["depth"]
    assert all(b < a for a, b in zip(std_plain, std_plain[1:]))
    assert std_plain[-1] < 1e-6
    assert min(std_bn) > 0.3
