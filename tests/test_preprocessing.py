"""minigrad.preprocessing: statistics against their definitions, scikit-learn and NumPy's SVD."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.decomposition import PCA as SkPCA
from sklearn.preprocessing import StandardScaler as SkStandardScaler

from minigrad import preprocessing as pp


def correlated_data(n=400, d=6, seed=0, dtype=np.float64):
    """Data with distinct variances and strong correlations, offset from zero."""
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d)) * np.linspace(3.0, 0.5, d)[:, None]
    return (rng.normal(size=(n, d)) @ mixing + rng.normal(5.0, 2.0, size=d)).astype(dtype)


def images(n=16, c=3, h=5, w=7, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    scale = np.array([1.0, 3.0, 0.5, 2.0])[:c, None, None]
    offset = np.array([100.0, 50.0, -20.0, 7.0])[:c, None, None]
    return (rng.normal(size=(n, c, h, w)) * scale + offset).astype(dtype)


def pop_cov(z):
    z = np.asarray(z, dtype=np.float64)
    zc = z - z.mean(0)
    return zc.T @ zc / len(z)


def all_fitted():
    """One fitted instance of every preprocessor, with the data it expects."""
    x, im = correlated_data(), images()
    return [
        (pp.StandardScaler(), x),
        (pp.StandardScaler(with_std=False), x),
        (pp.StandardScaler(with_mean=False), x),
        (pp.ImageNormalizer("mean_image"), im),
        (pp.ImageNormalizer("channel_mean"), im),
        (pp.ImageNormalizer("channel_mean_std"), im),
        (pp.PCA(), x),
        (pp.PCA(n_components=3, whiten=True), x),
        (pp.PCA(whiten=True), x),
        (pp.ZCA(), x),
    ]


FITTED_IDS = [
    "std",
    "centre",
    "scale",
    "mean_image",
    "channel_mean",
    "channel_mean_std",
    "pca",
    "pca3_white",
    "pca_white",
    "zca",
]


# ---------------------------------------------------------------------------------------------
# StandardScaler
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_standard_scaler_zero_mean_unit_std(dtype):
    x = correlated_data(dtype=dtype)
    z = pp.StandardScaler().fit_transform(x)
    assert z.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(z.astype(np.float64).mean(0), 0, atol=tol)
    np.testing.assert_allclose(z.astype(np.float64).std(0), 1, rtol=tol)


def test_standard_scaler_matches_sklearn():
    x = correlated_data()
    ours, sk = pp.StandardScaler().fit(x), SkStandardScaler().fit(x)
    np.testing.assert_allclose(ours.mean_, sk.mean_, rtol=1e-13)
    np.testing.assert_allclose(ours.var_, sk.var_, rtol=1e-12)
    np.testing.assert_allclose(ours.scale_, sk.scale_, rtol=1e-12)
    np.testing.assert_allclose(ours.transform(x), sk.transform(x), atol=1e-12)
    assert ours.n_features_in_ == 6 and ours.n_samples_seen_ == 400


def test_zero_centring_only():
    x = correlated_data()
    z = pp.StandardScaler(with_std=False).fit_transform(x)
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(0), x.std(0), rtol=1e-12)  # scale untouched


def test_scaling_only():
    x = correlated_data()
    z = pp.StandardScaler(with_mean=False).fit_transform(x)
    np.testing.assert_allclose(z, x / x.std(0), rtol=1e-12)


def test_held_out_data_uses_training_statistics():
    # hand-computed: train mean (1, 12), population std (1, 2)
    train = np.array([[0.0, 10.0], [2.0, 14.0]])
    test = np.array([[3.0, 8.0], [1.0, 12.0]])
    scaler = pp.StandardScaler().fit(train)
    np.testing.assert_array_equal(scaler.mean_, [1.0, 12.0])
    np.testing.assert_array_equal(scaler.scale_, [1.0, 2.0])
    np.testing.assert_allclose(scaler.transform(test), [[2.0, -2.0], [0.0, 0.0]])
    # the test set's own statistics never enter: refitting on it would give a different answer
    assert not np.allclose(pp.StandardScaler().fit_transform(test), scaler.transform(test))


def test_constant_feature_gives_zero_not_nan():
    x = correlated_data()
    x[:, 2] = 7.25
    scaler = pp.StandardScaler().fit(x)
    assert scaler.scale_[2] == 1.0 and scaler.var_[2] == 0.0
    z = scaler.transform(x)
    assert np.isfinite(z).all()
    np.testing.assert_array_equal(z[:, 2], 0.0)
    np.testing.assert_allclose(scaler.inverse_transform(z), x, rtol=1e-12)


def test_statistics_are_chunked_but_exact(monkeypatch):
    monkeypatch.setattr(pp, "_CHUNK_ELEMENTS", 64)  # many chunks of 10 rows
    x = correlated_data(n=1003, dtype=np.float32)
    scaler = pp.StandardScaler().fit(x)
    np.testing.assert_allclose(scaler.var_, x.astype(np.float64).var(0), rtol=1e-12)
    pca = pp.PCA().fit(x)
    np.testing.assert_allclose(pca.mean_, x.astype(np.float64).mean(0), rtol=1e-12)
    ev = np.linalg.eigvalsh(pop_cov(x))[::-1]
    np.testing.assert_allclose(pca.explained_variance_, ev, rtol=1e-10)


def test_large_offset_float32_keeps_precision():
    # one-pass E[x^2] - E[x]^2 would lose this variance entirely in float32
    rng = np.random.default_rng(1)
    x = (1e4 + rng.normal(0, 0.01, size=(5000, 3))).astype(np.float32)
    scaler = pp.StandardScaler().fit(x)
    np.testing.assert_allclose(scaler.var_, x.astype(np.float64).var(0), rtol=1e-10)


@settings(deadline=None, max_examples=30)
@given(n=st.integers(2, 40), d=st.integers(1, 6), seed=st.integers(0, 2**16), scale=st.floats(1e-3, 1e3))
def test_standard_scaler_round_trip_property(n, d, seed, scale):
    x = np.random.default_rng(seed).normal(size=(n, d)) * scale
    scaler = pp.StandardScaler().fit(x)
    z = scaler.transform(x)
    assert np.isfinite(z).all()
    np.testing.assert_allclose(scaler.inverse_transform(z), x, rtol=1e-9, atol=1e-12 * scale)


# ---------------------------------------------------------------------------------------------
# ImageNormalizer
# ---------------------------------------------------------------------------------------------


def test_image_mean_image_alexnet():
    im = images()
    norm = pp.ImageNormalizer("mean_image").fit(im)
    assert norm.mean_.shape == (3, 5, 7) and norm.std_ is None
    np.testing.assert_allclose(norm.mean_, im.mean(0), rtol=1e-13)
    out = norm.transform(im)
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-12)  # every pixel of every channel
    np.testing.assert_allclose(out, im - im.mean(0), atol=1e-12)


def test_image_channel_mean_vgg():
    im = images()
    norm = pp.ImageNormalizer("channel_mean").fit(im)
    assert norm.mean_.shape == (3,) and norm.std_ is None
    np.testing.assert_allclose(norm.mean_, im.mean((0, 2, 3)), rtol=1e-13)
    out = norm.transform(im)
    np.testing.assert_allclose(out.mean((0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.std((0, 2, 3)), im.std((0, 2, 3)), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_image_channel_mean_std_resnet(dtype):
    im = images(dtype=dtype)
    norm = pp.ImageNormalizer("channel_mean_std").fit(im)
    assert norm.mean_.shape == (3,) and norm.std_.shape == (3,)
    im64 = im.astype(np.float64)
    np.testing.assert_allclose(norm.std_, im64.std((0, 2, 3)), rtol=1e-12)
    out = norm.transform(im)
    assert out.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out.astype(np.float64).mean((0, 2, 3)), 0, atol=tol)
    np.testing.assert_allclose(out.astype(np.float64).std((0, 2, 3)), 1, rtol=tol)
    # the same as torchvision's Normalize(mean, std)
    expect = (im64 - norm.mean_[:, None, None]) / norm.std_[:, None, None]
    np.testing.assert_allclose(out, expect, rtol=tol, atol=tol)


def test_image_uint8_gives_float32():
    im = np.random.default_rng(0).integers(0, 256, size=(10, 3, 4, 4), dtype=np.uint8)
    out = pp.ImageNormalizer("channel_mean").fit_transform(im)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.astype(np.float64).mean((0, 2, 3)), 0, atol=1e-4)


def test_image_channel_modes_accept_other_sizes_mean_image_does_not():
    im = images()
    other = images(n=4, h=9, w=3, seed=1)
    assert pp.ImageNormalizer("channel_mean_std").fit(im).transform(other).shape == (4, 3, 9, 3)
    with pytest.raises(ValueError, match=r"9x3.*5x7"):
        pp.ImageNormalizer("mean_image").fit(im).transform(other)


def test_image_errors():
    im = images()
    with pytest.raises(ValueError, match="mode"):
        pp.ImageNormalizer("per_pixel")
    with pytest.raises(ValueError, match=r"4-D.*\(N, C, H, W\).*x\[None\].*\(3, 5, 7\)"):
        pp.ImageNormalizer().fit(im[0])
    with pytest.raises(ValueError, match="4 channels.*fitted on 3"):
        pp.ImageNormalizer().fit(im).transform(images(c=4))


def test_image_constant_channel():
    im = images()
    im[:, 1] = 3.0
    norm = pp.ImageNormalizer("channel_mean_std").fit(im)
    out = norm.transform(im)
    assert norm.std_[1] == 1.0 and np.isfinite(out).all()
    np.testing.assert_array_equal(out[:, 1], 0.0)


# ---------------------------------------------------------------------------------------------
# PCA
# ---------------------------------------------------------------------------------------------


def test_pca_matches_sklearn_up_to_sign():
    x = correlated_data()
    n = len(x)
    ours, sk = pp.PCA().fit(x), SkPCA(svd_solver="full").fit(x)
    np.testing.assert_allclose(ours.mean_, sk.mean_, rtol=1e-13)
    signs = np.sign(np.sum(ours.components_ * sk.components_, axis=1))
    np.testing.assert_allclose(ours.components_, sk.components_ * signs[:, None], atol=1e-9)
    # population (1/N) vs scikit-learn's unbiased (1/(N-1)) variance
    np.testing.assert_allclose(ours.explained_variance_, sk.explained_variance_ * (n - 1) / n, rtol=1e-10)
    np.testing.assert_allclose(ours.explained_variance_ratio_, sk.explained_variance_ratio_, rtol=1e-10)
    np.testing.assert_allclose(ours.transform(x), sk.transform(x) * signs, atol=1e-9)


def test_pca_matches_numpy_svd():
    x = correlated_data(n=300, d=5, seed=3)
    xc = x - x.mean(0)
    _, s, vt = np.linalg.svd(xc, full_matrices=False)
    pca = pp.PCA().fit(x)
    np.testing.assert_allclose(pca.explained_variance_, s**2 / len(x), rtol=1e-10)
    signs = np.sign(np.sum(pca.components_ * vt, axis=1))
    np.testing.assert_allclose(pca.components_, vt * signs[:, None], atol=1e-9)
    # the sign convention: each component's entry of largest magnitude is positive
    biggest = np.argmax(np.abs(pca.components_), axis=1)
    assert (pca.components_[np.arange(5), biggest] > 0).all()


def test_pca_rotated_covariance_is_diagonal():
    x = correlated_data()
    pca = pp.PCA().fit(x)
    cov = pop_cov(pca.transform(x))
    np.testing.assert_allclose(np.diag(cov), pca.explained_variance_, rtol=1e-10)
    off = cov - np.diag(np.diag(cov))
    assert np.abs(off).max() < 1e-10 * cov.max()
    np.testing.assert_allclose(pca.components_ @ pca.components_.T, np.eye(6), atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pca_whitened_covariance_is_identity(dtype):
    x = correlated_data(dtype=dtype)
    pca = pp.PCA(whiten=True).fit(x)
    z = pca.transform(x)
    assert z.dtype == dtype
    ev = pca.explained_variance_
    assert ev.min() > 1e3 * pca.eps  # every component is far above eps
    tol = 1e-5 if dtype == np.float32 else 1e-10
    cov = pop_cov(z)
    np.testing.assert_allclose(cov, np.diag(ev / (ev + pca.eps)), atol=tol)
    # identity up to the eps effect: 1 - lambda / (lambda + eps) <= eps / lambda_min
    np.testing.assert_allclose(cov, np.eye(6), atol=tol + pca.eps / ev.min())


def test_pca_whitening_with_degenerate_directions():
    # rank 2 data in 4-D: two eigenvalues are 0; eps keeps them from blowing up
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2)) @ rng.normal(size=(2, 4))
    pca = pp.PCA(whiten=True, eps=1e-5).fit(x)
    z = pca.transform(x)
    assert np.isfinite(z).all()
    cov = pop_cov(z)
    above = pca.explained_variance_ > 1e3 * pca.eps
    assert above.sum() == 2
    np.testing.assert_allclose(cov[np.ix_(above, above)], np.eye(2), atol=1e-4)
    assert np.abs(cov[~above][:, ~above]).max() < 1e-6  # the null directions stay ~0


def test_pca_n_components_reduces_and_matches_sklearn():
    x = correlated_data()
    ours, sk = pp.PCA(n_components=2).fit(x), SkPCA(n_components=2, svd_solver="full").fit(x)
    z = ours.transform(x)
    assert z.shape == (400, 2) and ours.n_components_ == 2 and ours.components_.shape == (2, 6)
    # reconstruction = projection onto the top-2 subspace: sign-free, so equal to scikit-learn's
    np.testing.assert_allclose(ours.inverse_transform(z), sk.inverse_transform(sk.transform(x)), atol=1e-9)
    for frac in (0.5, 0.9, 0.99):
        assert pp.PCA(n_components=frac).fit(x).n_components_ == SkPCA(n_components=frac).fit(x).n_components_


def test_pca_n_components_default_is_min_n_d():
    x = correlated_data(n=4, d=6)
    assert pp.PCA().fit(x).n_components_ == 4


def test_pca_errors():
    x = correlated_data()
    with pytest.raises(ValueError, match=r"n_components=7.*\[1, .* 6\]"):
        pp.PCA(n_components=7).fit(x)
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        pp.PCA(n_components=1.5).fit(x)
    with pytest.raises(TypeError, match="n_components"):
        pp.PCA(n_components="all").fit(x)
    with pytest.raises(ValueError, match="at least 2 samples"):
        pp.PCA().fit(x[:1])
    with pytest.raises(ValueError, match="eps"):
        pp.PCA(eps=-1)
    pca = pp.PCA(n_components=3).fit(x)
    with pytest.raises(ValueError, match=r"expected 3 components.*\(5, 6\)"):
        pca.inverse_transform(x[:5])


# ---------------------------------------------------------------------------------------------
# ZCA
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zca_whitened_covariance_is_identity(dtype):
    x = correlated_data(dtype=dtype)
    zca = pp.ZCA().fit(x)
    z = zca.transform(x)
    assert z.dtype == dtype
    ev = zca.explained_variance_
    expect = zca.components_.T @ np.diag(ev / (ev + zca.eps)) @ zca.components_
    tol = 1e-5 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(pop_cov(z), expect, atol=tol)
    np.testing.assert_allclose(pop_cov(z), np.eye(6), atol=tol + zca.eps / ev.min())


def test_zca_is_the_symmetric_whitening():
    x = correlated_data()
    zca = pp.ZCA().fit(x)
    w = zca.whitening_
    np.testing.assert_allclose(w, w.T, atol=1e-13)
    assert np.linalg.eigvalsh(w).min() > 0  # symmetric positive definite: W = C^(-1/2)
    cov = pop_cov(x)
    np.testing.assert_allclose(w @ (cov + zca.eps * np.eye(6)) @ w, np.eye(6), atol=1e-10)
    # ZCA = PCA whitening rotated back to the input axes
    pca_white = pp.PCA(whiten=True, eps=zca.eps).fit(x).transform(x)
    np.testing.assert_allclose(zca.transform(x), pca_white @ zca.components_, atol=1e-10)
    np.testing.assert_allclose(zca.dewhitening_ @ w, np.eye(6), atol=1e-10)


def test_zca_stays_closest_to_the_input():
    # among whitenings, ZCA maximises the correlation between each input feature and its output
    x = correlated_data()
    z_zca = pp.ZCA().fit_transform(x)
    z_pca = pp.PCA(whiten=True).fit_transform(x)
    xs = pp.StandardScaler().fit_transform(x)

    def match(z):
        return np.trace(xs.T @ z) / len(x)

    assert match(z_zca) > match(z_pca)


def test_zca_singular_needs_eps():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 2)) @ rng.normal(size=(2, 3))
    with pytest.raises(ValueError, match="singular"):
        pp.ZCA(eps=0).fit(x)
    with pytest.raises(ValueError, match="zero variance"):
        pp.PCA(whiten=True, eps=0).fit(x)
    assert np.isfinite(pp.PCA(n_components=2, whiten=True, eps=0).fit_transform(x)).all()
    assert np.isfinite(pp.ZCA(eps=1e-5).fit_transform(x)).all()


# ---------------------------------------------------------------------------------------------
# Common behaviour: inverse, held-out data, dtypes, Tensors, errors, save / load
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("obj", "x"), all_fitted(), ids=FITTED_IDS)
def test_inverse_transform_round_trips(obj, x):
    z = obj.fit_transform(x)
    back = obj.inverse_transform(z)
    if isinstance(obj, pp.PCA) and obj.n_components_ < x.shape[1]:
        # reduced PCA: the reconstruction is the projection, and projecting again changes nothing
        np.testing.assert_allclose(obj.transform(back), z, atol=1e-9)
    else:
        np.testing.assert_allclose(back, x, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(("obj", "x"), all_fitted(), ids=FITTED_IDS)
def test_transform_of_held_out_data_uses_training_statistics(obj, x):
    train, test = x[: len(x) // 2], x[len(x) // 2 :] * 1.5 + 2.0  # a shifted test set
    obj.fit(train)
    state = {k: v.copy() for k, v in obj.state_dict().items()}
    out = obj.transform(test)
    for k, v in obj.state_dict().items():  # transform never refits
        np.testing.assert_array_equal(v, state[k])
    # the same answer as a fresh object fitted on the training half only
    fresh = type(obj)(**obj.get_params()).fit(train)
    np.testing.assert_allclose(out, fresh.transform(test), rtol=1e-12, atol=1e-12)
    # and not the answer of fitting on the test data
    assert not np.allclose(out, type(obj)(**obj.get_params()).fit_transform(test))


@pytest.mark.parametrize(("obj", "x"), all_fitted(), ids=FITTED_IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(obj, x, dtype):
    x = x.astype(dtype)
    z = obj.fit_transform(x)
    assert z.dtype == dtype
    assert obj.inverse_transform(z).dtype == dtype
    ref = type(obj)(**obj.get_params()).fit_transform(x.astype(np.float64))
    np.testing.assert_allclose(
        z, ref, rtol=1e-4 if dtype == np.float32 else 1e-12, atol=1e-4 if dtype == np.float32 else 1e-12
    )


@pytest.mark.parametrize(("obj", "x"), all_fitted(), ids=FITTED_IDS)
def test_transform_before_fit(obj, x):
    for method in (obj.transform, obj.inverse_transform, obj.state_dict):
        with pytest.raises(pp.NotFittedError, match=r"not fitted yet.*fit\(X_train\)"):
            method(x) if method != obj.state_dict else method()
    assert issubclass(pp.NotFittedError, ValueError)


@pytest.mark.parametrize(("obj", "x"), all_fitted(), ids=FITTED_IDS)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_are_refused(obj, x, bad):
    x = x.copy()
    x.flat[7] = bad
    word = "NaN" if np.isnan(bad) else "infinity"
    with pytest.raises(ValueError, match=word):
        obj.fit(x)
    obj.fit(np.nan_to_num(x, nan=1.0, posinf=1.0))
    with pytest.raises(ValueError, match=word):
        obj.transform(x)


@pytest.mark.parametrize("cls", [pp.StandardScaler, pp.PCA, pp.ZCA])
def test_wrong_shapes_2d(cls):
    x = correlated_data()
    with pytest.raises(ValueError, match=r"2-D input \(n_samples, n_features\), got shape \(400,\)"):
        cls().fit(x[:, 0])
    with pytest.raises(ValueError, match=r"got shape \(2, 3, 4\)"):
        cls().fit(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="0 samples"):
        cls().fit(x[:0])
    with pytest.raises(ValueError, match="X has 4 features.*fitted on 6"):
        cls().fit(x).transform(x[:, :4])
    with pytest.raises(TypeError, match="real numbers"):
        cls().fit(x.astype(np.complex128))


@pytest.mark.parametrize(("obj", "x"), all_fitted(), ids=FITTED_IDS)
def test_save_and_load(obj, x, tmp_path):
    obj.fit(x)
    path = obj.save(tmp_path / "stats")
    assert path.endswith(".npz")
    for loaded in (type(obj).load(path), pp.load(path)):
        assert type(loaded) is type(obj) and loaded.get_params() == obj.get_params()
        np.testing.assert_array_equal(loaded.transform(x), obj.transform(x))
        np.testing.assert_array_equal(
            loaded.inverse_transform(obj.transform(x)), obj.inverse_transform(obj.transform(x))
        )
    # state_dict / load_state_dict, in memory
    again = type(obj)().load_state_dict(obj.state_dict())
    np.testing.assert_array_equal(again.transform(x), obj.transform(x))


def test_load_checks_the_class_and_refuses_pickles(tmp_path):
    x = correlated_data()
    path = pp.PCA(n_components=2).fit(x).save(tmp_path / "pca.npz")
    with pytest.raises(ValueError, match="holds a PCA, not a ZCA"):
        pp.ZCA.load(path)
    with pytest.raises(ValueError, match="belongs to a PCA"):
        pp.StandardScaler().load_state_dict(pp.PCA().fit(x).state_dict())
    # a file with an object (pickled) array is never unpickled
    evil = tmp_path / "evil.npz"
    np.savez(evil, __class__=np.array("PCA"), __params__=np.array("{}"), mean_=np.array([object()], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle"):
        pp.load(evil)
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="not a minigrad preprocessing file"):
        pp.load(tmp_path / "other.npz")
    np.savez(tmp_path / "unknown.npz", __class__=np.array("os.system"), __params__=np.array("{}"))
    with pytest.raises(ValueError, match="unknown preprocessor class"):
        pp.load(tmp_path / "unknown.npz")


def test_repr():
    assert repr(pp.PCA(2, whiten=True)) == "PCA(n_components=2, whiten=True, eps=1e-05)"
    assert repr(pp.ImageNormalizer("channel_mean")) == "ImageNormalizer(mode='channel_mean')"


# ---------------------------------------------------------------------------------------------
# minigrad Tensors in, Tensors out
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("obj", "x"), all_fitted(), ids=FITTED_IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tensors_in_tensors_out(obj, x, dtype):
    mg = pytest.importorskip("minigrad")
    if not hasattr(mg, "tensor"):
        pytest.skip("minigrad core not available")
    x = x.astype(dtype)
    t = mg.tensor(x, requires_grad=True)
    z = obj.fit_transform(t)
    assert isinstance(z, mg.Tensor) and z.dtype == dtype and not z.requires_grad
    assert z.device == "cpu"
    np.testing.assert_array_equal(z.numpy(), type(obj)(**obj.get_params()).fit_transform(x))
    back = obj.inverse_transform(z)
    assert isinstance(back, mg.Tensor) and back.dtype == dtype
    np.testing.assert_array_equal(back.numpy(), obj.inverse_transform(z.numpy()))
    # NumPy in, NumPy out, from the same fitted object
    assert isinstance(obj.transform(x), np.ndarray)


def _cuda_available():
    import minigrad as mg

    return mg.cuda.is_available()


@pytest.mark.skipif(not _cuda_available(), reason="needs minigrad's CUDA backend and a GPU (or NUMBA_ENABLE_CUDASIM=1)")
@pytest.mark.parametrize(("obj", "x"), all_fitted(), ids=FITTED_IDS)
def test_cuda_tensors_in_cuda_tensors_out(obj, x):
    import minigrad as mg

    t = mg.tensor(x.astype(np.float32), device="cuda")
    z = obj.fit_transform(t)
    assert isinstance(z, mg.Tensor) and z.device == "cuda" and z.dtype == np.float32
    np.testing.assert_array_equal(z.cpu().numpy(), obj.transform(x.astype(np.float32)))
    assert obj.inverse_transform(z).device == "cuda"
