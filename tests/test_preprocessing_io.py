"""The preprocessing objects' files: an interrupted save keeps the old file, and load checks the type and
shape of every statistic it reads (issue 12 item 11)."""

import os

import numpy as np
import pytest

from minigrad import preprocessing as pp


def _data(n=50, d=4, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d))


def test_an_interrupted_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = pp.StandardScaler().fit(_data()).save(tmp_path / "scaler")
    before = (tmp_path / "scaler.npz").read_bytes()

    def fail(*args, **kwargs):
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C half-way through writing

    monkeypatch.setattr(np, "savez", fail)
    with pytest.raises(KeyboardInterrupt):
        pp.StandardScaler().fit(_data(seed=1)).save(path)
    assert (tmp_path / "scaler.npz").read_bytes() == before
    assert os.listdir(tmp_path) == ["scaler.npz"]  # no temporary file left behind


def test_save_into_a_missing_folder_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="the folder .*nowhere.* does not exist"):
        pp.PCA().fit(_data()).save(tmp_path / "nowhere" / "pca")


@pytest.mark.parametrize(
    "obj,key,value,message",
    [
        (pp.StandardScaler(), "mean_", np.zeros(3), r"mean_ has shape \(3,\), expected \(D\) = \(4,\)"),
        (pp.StandardScaler(), "scale_", np.zeros(4, dtype=np.int64), "scale_ must be a float array"),
        (pp.StandardScaler(), "n_features_in_", np.array(-1), "n_features_in_ must be a positive integer"),
        (pp.PCA(n_components=2), "components_", np.zeros((3, 4)), r"components_ has shape \(3, 4\), expected \(K, D\)"),
        (
            pp.PCA(n_components=2),
            "n_components_",
            np.array(3),
            r"components_ has shape \(2, 4\), expected \(K, D\) = \(3, 4\)",
        ),
        (pp.ZCA(), "whitening_", np.zeros((4, 3)), r"whitening_ has shape \(4, 3\), expected \(D, D\)"),
        (pp.ZCA(), "mean_", np.array("text"), "mean_ must be a float array"),
    ],
)
def test_load_checks_shapes_and_types_and_changes_nothing_on_error(obj, key, value, message):
    x = _data()
    state = obj.fit(x).state_dict()
    state[key] = value
    target = type(obj)().fit(_data(seed=3))
    before = target.transform(x)
    with pytest.raises(ValueError, match=message):
        target.load_state_dict(state)
    np.testing.assert_array_equal(target.transform(x), before)


def test_image_normalizer_state_is_checked(tmp_path):
    images = np.random.default_rng(0).random((6, 3, 4, 5))
    state = pp.ImageNormalizer("mean_image").fit(images).state_dict()
    state["mean_"] = np.zeros((3, 4, 4))
    with pytest.raises(ValueError, match=r"mean_ has shape \(3, 4, 4\), expected \(C, H, W\) = \(3, 4, 5\)"):
        pp.ImageNormalizer().load_state_dict(state)
    state = pp.ImageNormalizer("channel_mean_std").fit(images).state_dict()
    del state["std_"]
    with pytest.raises(ValueError, match="no std_"):
        pp.ImageNormalizer().load_state_dict(state)
    state = pp.ImageNormalizer("channel_mean").fit(images).state_dict()
    state["image_shape_"] = np.array([3.0, 4.0, 5.0])
    with pytest.raises(ValueError, match="image_shape_ must be 3 positive integers"):
        pp.ImageNormalizer().load_state_dict(state)
    with pytest.raises(TypeError, match="expected a dict"):
        pp.ImageNormalizer().load_state_dict([1, 2])
    path = pp.ImageNormalizer("channel_mean").fit(images).save(tmp_path / "norm.npz")
    np.testing.assert_array_equal(
        pp.load(path).transform(images), pp.ImageNormalizer("channel_mean").fit(images).transform(images)
    )
