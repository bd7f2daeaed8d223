"""The CUDA normalisation kernels on the simulator against the reference backend, float32 and
float64: every layout of the (P, Q, K, S) view (BatchNorm, InstanceNorm, GroupNorm, LayerNorm,
RMSNorm), the one-block-per-group kernels and the two-pass scheme, statistics held to float64 truth on
an ill-conditioned input, eval-mode statistics, every backward variant with a random upstream
gradient, empty inputs and the wrappers' checks."""

import numpy as np
import pytest

from minigrad.backends.cuda import norm_kernels
from tests.cuda.reference import REF, G
from tests.helpers import tolerances

DTYPES = [np.float32, np.float64]

# name: (view shape (P, Q, K, S), affine shape, center)
LAYOUTS = {
    "batch": ((3, 2, 1, 5), (2, 1, 1), True),
    "batch_two_pass": ((5, 2, 1, 9), (2, 1, 1), True),  # 45 values a group: more than VALUES_PER_BLOCK
    "instance": ((1, 6, 1, 4), (3, 1, 1), True),
    "group": ((1, 4, 2, 5), (2, 2, 1), True),
    "layer": ((1, 3, 1, 7), (1, 1, 7), True),
    "layer_two_pass": ((1, 2, 1, 40), (1, 1, 40), True),
    "rms": ((1, 3, 2, 4), (1, 2, 4), False),
}


def _inputs(layout, dtype, seed=0):
    view, wshape, center = LAYOUTS[layout]
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(view) * 2 + 0.5).astype(dtype)
    w = (1 + 0.3 * rng.standard_normal(wshape)).astype(dtype)
    b = (0.2 * rng.standard_normal(wshape)).astype(dtype)
    g = rng.standard_normal(view).astype(dtype)
    return x, w, b, g, center


def _close(actual, expected, dtype, what):
    np.testing.assert_allclose(actual, expected, **tolerances(dtype), err_msg=what)


def test_the_layouts_take_both_paths():
    assert norm_kernels._chunks(np.empty(LAYOUTS["batch"][0])) == 1
    assert norm_kernels._chunks(np.empty(LAYOUTS["batch_two_pass"][0])) > 1
    assert norm_kernels._chunks(np.empty(LAYOUTS["layer_two_pass"][0])) > 1


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_forward_apply_and_backward_match_the_reference(layout, dtype):
    x, w, b, g, center = _inputs(layout, dtype)
    y, mean, var, rstd = G.norm_forward(x, w, b, 1e-5, center)
    ry, rmean, rvar, rrstd = REF.norm_forward(x, w, b, 1e-5, center)
    _close(y, ry, dtype, "y")
    for got, want, what in ((mean, rmean, "mean"), (var, rvar, "var"), (rstd, rrstd, "rstd")):
        assert got.dtype == np.float64
        _close(got, want, dtype, what)
    _close(G.norm_apply(x, w, b, mean, rstd), REF.norm_apply(x, w, b, rmean, rrstd), dtype, "apply")
    for batch_stats in (True, False):
        dx, dw, db = G.norm_backward(g, x, w, mean, rstd, center, batch_stats)
        rdx, rdw, rdb = REF.norm_backward(g, x, w, rmean, rrstd, center, batch_stats)
        _close(dx, rdx, dtype, f"dx (batch_stats={batch_stats})")
        assert dw.shape == w.shape and dw.dtype == np.float64
        _close(dw, rdw, dtype, "dweight")
        _close(db, rdb, dtype, "dbias")


def _with_chunks(monkeypatch, chunks, fn, *args):
    """fn(*args) with every norm kernel launch using ``chunks`` blocks per group."""
    monkeypatch.setattr(norm_kernels, "CHUNKS", chunks)
    try:
        return fn(*args)
    finally:
        monkeypatch.setattr(norm_kernels, "CHUNKS", None)


@pytest.mark.parametrize("chunks", [2, 3])
def test_any_number_of_chunks_gives_the_same_result(chunks, monkeypatch):
    x, w, b, g, center = _inputs("batch", np.float64, seed=3)
    one = _with_chunks(monkeypatch, 1, G.norm_forward, x, w, b, 1e-5, center)
    many = _with_chunks(monkeypatch, chunks, G.norm_forward, x, w, b, 1e-5, center)
    for a, c in zip(one, many):
        np.testing.assert_allclose(a, c, rtol=1e-13)
    grads_one = _with_chunks(monkeypatch, 1, G.norm_backward, g, x, w, one[1], one[3])
    grads_many = _with_chunks(monkeypatch, chunks, G.norm_backward, g, x, w, one[1], one[3])
    for a, c in zip(grads_one, grads_many):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-14)
    applied = _with_chunks(monkeypatch, chunks, G.norm_apply, x, w, b, one[1], one[3])
    np.testing.assert_allclose(applied, one[0], rtol=1e-13)


@pytest.mark.parametrize("layout", ["batch_two_pass", "group"])
def test_ill_conditioned_float32_keeps_its_precision(layout):
    """mean 1e4, std 1e-2 in float32: the shifted float64 sums and the split mean keep every digit."""
    x, w, b, g, center = _inputs(layout, np.float32, seed=4)
    x = (1e4 + 1e-2 * x).astype(np.float32)
    y, mean, var, _ = G.norm_forward(x, w, b, 1e-5, center)
    x64 = x.astype(np.float64)
    axes = (0, 2, 3)
    np.testing.assert_allclose(mean, x64.mean(axis=axes), rtol=1e-12)
    np.testing.assert_allclose(var, x64.var(axis=axes), rtol=1e-6)
    ry = REF.norm_forward(x64, w.astype(np.float64), b.astype(np.float64), 1e-5, center)[0]
    np.testing.assert_allclose(y, ry, rtol=1e-4, atol=1e-4)  # float32 y of O(1) values from float64 truth


@pytest.mark.parametrize("need_dx,need_wgrad", [(True, False), (False, True)])
@pytest.mark.parametrize("layout", ["group", "layer", "batch_two_pass"])
def test_backward_variants(layout, need_dx, need_wgrad):
    x, w, b, g, center = _inputs(layout, np.float32, seed=5)
    _, mean, _, rstd = G.norm_forward(x, w, b, 1e-5, center)
    got = G.norm_backward(g, x, w, mean, rstd, center, True, need_dx, need_wgrad)
    want = REF.norm_backward(g, x, w, mean, rstd, center, True, need_dx, need_wgrad)
    for a, c in zip(got, want):
        assert (a is None) == (c is None)
        if a is not None:
            _close(a, c, np.float32, "backward variant")


def test_non_contiguous_and_nan_inputs():
    x, w, b, g, center = _inputs("group", np.float64, seed=6)
    xt = np.ascontiguousarray(x.transpose(0, 1, 3, 2)).transpose(0, 1, 3, 2)  # same values, other strides
    _close(G.norm_forward(xt, w, b, 1e-5)[0], REF.norm_forward(x, w, b, 1e-5)[0], np.float64, "strided view")
    x[0, 1, 0, 2] = np.nan
    y, mean, _, _ = G.norm_forward(x, w, b, 1e-5)
    assert np.isnan(y[0, 1]).all() and np.isnan(mean[1]) and np.isfinite(y[0, [0, 2, 3]]).all()


def test_empty_input_and_checks():
    x = np.empty((0, 3, 1, 4), np.float32)
    y, mean, var, rstd = G.norm_forward(x, np.ones((3, 1, 1)), np.zeros((3, 1, 1)), 1e-5)
    assert y.shape == x.shape and np.isnan(mean).all()
    dx, dw, db = G.norm_backward(x, x, np.ones((3, 1, 1)), mean, rstd)
    assert dx.shape == x.shape and (dw == 0).all() and (db == 0).all()
    with pytest.raises(ValueError, match="4-D"):
        G.norm_forward(np.ones((2, 3)), np.ones((1, 1, 1)), np.ones((1, 1, 1)), 1e-5)
    with pytest.raises(TypeError, match="float32 or float64"):
        G.norm_forward(np.ones((1, 2, 1, 3), np.int64), np.ones((1, 1, 1)), np.ones((1, 1, 1)), 1e-5)
    with pytest.raises(ValueError, match="does not fit the view"):
        G.norm_forward(np.ones((1, 3, 1, 4)), np.ones((2, 1, 1)), np.ones((2, 1, 1)), 1e-5)
    with pytest.raises(ValueError, match="one value per group"):
        G.norm_apply(np.ones((1, 3, 1, 4)), np.ones((1, 1, 1)), np.ones((1, 1, 1)), np.zeros(2), np.ones(3))
    with pytest.raises(ValueError, match="gradient of shape"):
        G.norm_backward(np.ones((1, 3, 1, 5)), np.ones((1, 3, 1, 4)), np.ones((1, 1, 1)), np.zeros(3), np.ones(3))
