"""demos/preprocessing.py: the point cloud's moments after each step, PCA of Fashion-MNIST, whitening's
noise amplification, and the shapes and effects of the three image conventions."""

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
def saved(tmp_path_factory):
    pytest.importorskip("matplotlib")
    pytest.importorskip("sklearn")  # the sample photos ship with scikit-learn
    out = tmp_path_factory.mktemp("preprocessing")
    load_demo("preprocessing").main(["--quick", "--out", str(out), "--seed", "0"])
    for name in ("point_cloud.png", "pca_fashion.png", "whitening_eps.png", "image_normalization.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    record = json.loads((out / "preprocessing.json").read_text())
    assert record["config"]["quick"] is True
    return record


def test_point_cloud_moments(saved):
    st = {k: (np.asarray(v["mean"]), np.asarray(v["cov"])) for k, v in saved["point_cloud"]["stages"].items()}
    mean, cov = st["original"]
    assert np.abs(mean).min() > 1 and abs(cov[0, 1]) > 0.5  # off-centre and correlated to begin with
    for name in ("zero-centred", "normalised", "decorrelated (PCA)", "whitened (PCA, whiten=True)"):
        np.testing.assert_allclose(st[name][0], 0, atol=1e-9, err_msg=name)
    np.testing.assert_allclose(st["zero-centred"][1], cov, rtol=1e-9)  # centring keeps the covariance
    np.testing.assert_allclose(np.diag(st["normalised"][1]), 1, rtol=1e-9)
    assert abs(st["normalised"][1][0, 1]) > 0.5  # scaling alone does not decorrelate
    dec = st["decorrelated (PCA)"][1]
    assert abs(dec[0, 1]) < 1e-9 and dec[0, 0] > dec[1, 1]  # uncorrelated, largest variance first
    np.testing.assert_allclose(np.trace(dec), np.trace(cov), rtol=1e-9)  # a rotation keeps the total variance
    np.testing.assert_allclose(st["whitened (PCA, whiten=True)"][1], np.eye(2), atol=1e-9)


def test_pca_of_fashion_mnist(saved):
    pca = saved["pca"]
    cum = np.asarray(pca["explained_variance_ratio_cumulative"])
    assert np.all(np.diff(cum) >= -1e-12) and cum[-1] == pytest.approx(1.0)
    assert pca["variance_explained_by"]["144"] > 0.9  # 144 of 784 components hold over 90%
    errors = [pca["relative_reconstruction_error_heldout"][k] for k in ("16", "64", "144")]
    assert errors[0] > errors[1] > errors[2] and errors[2] < 0.12  # more components, better reconstructions
    assert len(pca["top_components"]) == 16 and len(pca["top_components"][0]) == 784


def test_whitening_amplifies_noise_more_as_eps_shrinks(saved):
    w = saved["whitening"]
    ratios = [w["per_eps"][str(e)]["noise_to_signal_after"] for e in w["eps"]]
    assert sorted(w["eps"], reverse=True) == w["eps"]
    assert all(a < b for a, b in zip(ratios, ratios[1:])), ratios  # smaller eps, louder noise
    assert ratios[0] > w["noise_to_signal_before"]  # whitening amplifies noise even at the largest eps
    assert ratios[-1] > 5 * w["noise_to_signal_before"]
    gains = [w["per_eps"][str(e)]["largest_gain"] for e in w["eps"]]
    assert all(a < b for a, b in zip(gains, gains[1:]))


def test_image_conventions(saved):
    fashion, photos = saved["image_conventions"]
    expected = {
        "mean_image": ({"mean_": [1, 28, 28]}, {"mean_": [3, 32, 32]}),
        "channel_mean": ({"mean_": [1]}, {"mean_": [3]}),
        "channel_mean_std": ({"mean_": [1], "std_": [1]}, {"mean_": [3], "std_": [3]}),
    }
    for mode, (f_shapes, p_shapes) in expected.items():
        assert fashion["modes"][mode]["stored_shapes"] == f_shapes, mode
        assert photos["modes"][mode]["stored_shapes"] == p_shapes, mode
    for res in (fashion, photos):
        assert min(res["before_channel_mean"]) > 0.2  # raw pixels in [0, 1] are far from zero-mean
        for mode in expected:
            np.testing.assert_allclose(res["modes"][mode]["after_channel_mean"], 0, atol=1e-4, err_msg=mode)
        # only the per-channel std mode gives unit std per channel
        np.testing.assert_allclose(res["modes"]["channel_mean_std"]["after_channel_std"], 1, atol=1e-3)
        np.testing.assert_allclose(
            res["modes"]["channel_mean"]["after_channel_std"], res["before_channel_std"], rtol=1e-4
        )
        assert res["modes"]["mean_image"]["after_max_abs_pixel_mean"] < 1e-4  # every pixel zero-mean
        assert res["modes"]["channel_mean"]["after_max_abs_pixel_mean"] > 0.02  # not so per pixel
    # natural-image crops: the mean image is nearly flat, so the 3 channel means do nearly its job
    assert (
        photos["modes"]["mean_image"]["mean_image_spread"] < 0.5 * fashion["modes"]["mean_image"]["mean_image_spread"]
    )
