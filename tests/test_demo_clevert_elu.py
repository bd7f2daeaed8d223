"""demos/reproductions/clevert_elu.py --quick: ELU keeps the units' mean activations nearer 0 and learns faster."""

from tests.demo_helpers import requires_fashion, run_quick

pytestmark = requires_fashion


def test_elu_means_nearer_zero_and_loss_falls_faster(tmp_path):
    rec = run_quick("clevert_elu", tmp_path)
    elu, relu, leaky = (rec["runs"][k] for k in ("ELU", "ReLU", "LeakyReLU"))
    assert elu["epoch"] == relu["epoch"] and len(elu["epoch"]) == 4 * rec["config"]["epochs"] + 1
    for e, r, lk in list(zip(elu["median_unit_mean"], relu["median_unit_mean"], leaky["median_unit_mean"]))[1:]:
        assert abs(e) < r - 0.1 and abs(e) < lk - 0.1
    assert elu["epoch_loss"][-1] < relu["epoch_loss"][-1] and elu["epoch_loss"][-1] < leaky["epoch_loss"][-1]
    assert len(elu["median_unit_mean_per_layer"][-1]) == 8
