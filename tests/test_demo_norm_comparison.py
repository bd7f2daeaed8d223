"""demos/norm_comparison.py in --quick mode: the cubes match the normalisations, and BatchNorm suffers at
a batch of 2 while LayerNorm and GroupNorm do not."""

import json

import numpy as np
import pytest

from tests.demo_helpers import fashion_available as _fashion_available
from tests.demo_helpers import load_demo


def test_cubes_are_the_normalisations_axis_sets():
    """The cells drawn blue are exactly the values each normalisation averages over together."""
    demo = load_demo("norm_comparison")
    N, C, H, W = shape = (4, 6, 2, 3)
    cubes = demo.cube_data(shape, index=(0, 0, 0, 0))
    first = np.zeros((N, C, H * W), bool)
    bn = first.copy()
    bn[:, 0, :] = True  # channel 0 of every sample, every position
    ln = first.copy()
    ln[0, :, :] = True  # everything of sample 0
    inst = first.copy()
    inst[0, 0, :] = True  # sample 0, channel 0
    gn = first.copy()
    gn[0, : C // demo.CUBE_GROUPS, :] = True  # sample 0, the first group of channels
    for kind, want in (("batch", bn), ("layer", ln), ("instance", inst), ("group", gn)):
        np.testing.assert_array_equal(cubes[kind]["mask"], want, err_msg=kind)
        assert cubes[kind]["values_per_statistic"] == want.sum()
    assert cubes["batch"]["reduced_axes"] == ["N", "H", "W"]
    assert cubes["layer"]["reduced_axes"] == ["C", "H", "W"]
    assert cubes["instance"]["reduced_axes"] == ["H", "W"]
    assert cubes["group"]["statistics_over"] == [f"C/{demo.CUBE_GROUPS}", "H", "W"]
    assert cubes["batch"]["statistics"] == C
    assert cubes["layer"]["statistics"] == N
    assert cubes["instance"]["statistics"] == N * C
    assert cubes["group"]["statistics"] == N * demo.CUBE_GROUPS


def test_cubes_agree_with_the_computed_statistics():
    """Independently of the layout code: perturbing one value changes the output exactly on the cells
    that share its statistics (and the value itself)."""
    import minigrad as mg
    import minigrad.nn.functional as F

    demo = load_demo("norm_comparison")
    shape = demo.CUBE_SHAPE
    N, C, H, W = shape
    cubes = demo.cube_data(shape, index=(0, 0, 0, 0))
    x = np.random.default_rng(0).standard_normal(shape)
    x2 = x.copy()
    x2[0, 0, 0, 0] += 1.0
    fns = {
        "batch": lambda t: F.batch_norm(t, None, None, training=True),
        "layer": lambda t: F.layer_norm(t, (C, H, W)),
        "instance": lambda t: F.instance_norm(t),
        "group": lambda t: F.group_norm(t, demo.CUBE_GROUPS),
    }
    for kind, fn in fns.items():
        changed = np.abs(fn(mg.tensor(x2)).numpy() - fn(mg.tensor(x)).numpy()) > 1e-12
        np.testing.assert_array_equal(changed.reshape(N, C, H * W), cubes[kind]["mask"], err_msg=kind)


@pytest.mark.skipif(
    not _fashion_available(),
    reason="Fashion-MNIST files not found (apt-get install dataset-fashion-mnist, or set MINIGRAD_FASHION_MNIST)",
)
def test_norm_comparison_quick(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    demo = load_demo("norm_comparison")
    returned = demo.main(["--quick", "--out", str(tmp_path), "--seed", "0", "--no-progress"])
    for name in ("norm_cubes.png", "batch_size.png"):
        png = tmp_path / name
        assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    rec = json.loads((tmp_path / "norm_comparison.json").read_text())
    assert rec["config"]["quick"] is True
    assert rec["batch_size"]["batch_sizes"] == [32, 8, 2]
    runs = rec["batch_size"]["runs"]
    assert runs == returned["batch_size"]["runs"]
    err = {norm: {int(b): r["final_test_error"] for b, r in runs[norm].items()} for norm in runs}
    examples = rec["config"]["examples"]
    for norm in runs:
        for b, r in runs[norm].items():
            assert r["steps"] * int(b) == examples  # the same number of examples at every batch size
            assert r["examples_seen"][-1] == examples
        assert max(err[norm].values()) < 0.9  # every run learnt something (chance is 0.9)
    # BatchNorm degrades at a batch of 2; LayerNorm and GroupNorm do not
    assert err["BatchNorm"][2] > err["BatchNorm"][32] + 0.1
    assert err["BatchNorm"][2] > max(err["LayerNorm"][2], err["GroupNorm"][2]) + 0.1
    for norm in ("LayerNorm", "GroupNorm"):
        assert err[norm][2] < err[norm][32] + 0.05, norm
    # ... and not only at test time: with two values per unit, its normalised outputs are +-1, and the
    # network does badly even on batches of 2 in train mode, the way it was trained
    bn = runs["BatchNorm"]
    assert bn["2"]["train_mode_test_error"] > bn["32"]["train_mode_test_error"] + 0.2
    assert bn["2"]["final_train_loss"] > runs["LayerNorm"]["2"]["final_train_loss"] + 0.3
    out = capsys.readouterr().out
    assert "BatchNorm" in out and "Group Norm" in out


def test_batchnorm_of_two_values_is_plus_or_minus_one():
    """What the batch-size figure says: normalising each unit over a batch of 2 leaves only +-1."""
    import minigrad as mg
    import minigrad.nn.functional as F

    x = mg.tensor(np.random.default_rng(0).standard_normal((2, 7)) * 5 + 3)
    y = F.batch_norm(x, None, None, training=True).numpy()
    np.testing.assert_allclose(np.abs(y), 1.0, atol=1e-5)
    np.testing.assert_allclose(y[0], -y[1], atol=1e-6)
