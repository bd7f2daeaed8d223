"""Every CUDA activation kernel on numba's simulator, float32 and float64, against the reference
backend: random values with the edge cases (NaN, +-inf, 0, the kinks), a random upstream gradient,
non-contiguous inputs, empty arrays, the parameter gradients of PReLU and Swish, Maxout; and the
wrappers' checks. Tiny shapes: the simulator runs every GPU thread as a Python thread."""

import numpy as np
import pytest

from tests.cuda.reference import REF, G
from tests.helpers import tolerances

DTYPES = [np.float32, np.float64]
EDGES = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 3.0, -3.0, 6.0, 20.0, -20.0, 25.0, 1e-8]

# name: parameters of the forward and backward calls (after the input)
ACTIVATIONS = {
    "sigmoid": (), "tanh": (), "relu": (), "relu6": (), "leaky_relu": (0.1,), "elu": (1.3,), "selu": (),
    "celu": (0.7,), "hardtanh": (-1.0, 2.0), "silu": (), "swish": (0.8,), "mish": (), "gelu": (),
    "softplus": (1.5, 10.0), "softsign": (), "hardsigmoid": (), "hardswish": (),
}  # fmt: skip


def _data(n, dtype, seed, scale=3.0, edges=True):
    x = np.random.default_rng(seed).standard_normal(n) * scale
    if edges:
        x[: len(EDGES)] = EDGES
    return x.astype(dtype)


def _close(actual, expected, dtype, what):
    np.testing.assert_allclose(actual, expected, **tolerances(dtype), err_msg=what)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_forward_and_backward_match_the_reference(name, dtype):
    params = ACTIVATIONS[name]
    x = _data(40, dtype, seed=1)
    g = _data(40, dtype, seed=2, scale=1.0, edges=False)
    fwd, bwd = name + "_forward", name + "_backward"
    y = getattr(G, fwd)(x, *params)
    _close(y, getattr(REF, fwd)(x, *params), dtype, fwd)
    assert y.dtype == dtype and y.shape == x.shape
    saved = y if name in ("sigmoid", "tanh") else x  # differentiated from the output
    got = getattr(G, bwd)(g, saved, *params)
    want = getattr(REF, bwd)(g, saved, *params)
    if name == "swish":
        got, want = got[0], want[0]
    _close(got, want, dtype, bwd)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gelu_tanh_approximation(dtype):
    x, g = _data(30, dtype, 3), _data(30, dtype, 4, scale=1.0, edges=False)
    _close(G.gelu_forward(x, "tanh"), REF.gelu_forward(x, "tanh"), dtype, "gelu tanh")
    _close(G.gelu_backward(g, x, "tanh"), REF.gelu_backward(g, x, "tanh"), dtype, "gelu tanh backward")
    with pytest.raises(ValueError, match="approximate"):
        G.gelu_forward(x, "fast")


def test_non_contiguous_inputs_broadcast_gradients_and_out():
    x = _data(48, np.float32, 5).reshape(6, 8)[:, ::2]  # a strided view
    g = _data(4, np.float32, 6, edges=False)  # broadcast over the rows
    _close(G.elu_forward(x, 1.0), REF.elu_forward(np.ascontiguousarray(x), 1.0), np.float32, "strided elu")
    want = REF.elu_backward(np.ascontiguousarray(np.broadcast_to(g, x.shape)), np.ascontiguousarray(x), 1.0)
    _close(G.elu_backward(g, x, 1.0), want, np.float32, "broadcast gradient")
    out = np.empty((6, 4), np.float32)
    assert G.relu_forward(x, out=out) is out
    _close(out, np.maximum(x, 0), np.float32, "out=")


def test_empty_and_zero_dimensional_arrays():
    for name in ("relu", "gelu", "sigmoid"):
        assert getattr(G, name + "_forward")(np.empty((0, 3), np.float32)).shape == (0, 3)
        assert getattr(G, name + "_backward")(np.empty(0), np.empty(0)).shape == (0,)
    x = np.array(-2.0)
    assert G.relu_forward(x).shape == () and G.relu_forward(x)[()] == 0.0
    assert G.prelu_backward(np.ones((0, 3)), np.ones((0, 3)), np.ones(3))[1].tolist() == [0.0, 0.0, 0.0]


def test_wrappers_check_their_inputs():
    with pytest.raises(TypeError, match="float32 or float64"):
        G.relu_forward(np.arange(4))
    with pytest.raises(ValueError, match="out must be"):
        G.relu_forward(np.ones(4, np.float32), out=np.empty(5, np.float32))
    with pytest.raises(ValueError, match="gradient of shape"):
        G.relu_backward(np.ones(3, np.float32), np.ones(4, np.float32))
    with pytest.raises(ValueError, match="prelu.*2 slopes.*3 channels"):
        G.prelu_forward(np.ones((2, 3), np.float32), np.ones(2, np.float32))
    with pytest.raises(ValueError, match="multiple of pieces"):
        G.maxout_forward(np.ones((2, 5), np.float32), 2)
    with pytest.raises(IndexError, match="out of range"):
        G.maxout_forward(np.ones((2, 4), np.float32), 2, dim=3)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,slopes", [((5, 7), 1), ((6, 3), 3), ((2, 3, 2, 3), 3)])
def test_prelu_and_its_slope_gradient(shape, slopes, dtype):
    x = _data(int(np.prod(shape)), dtype, 7).reshape(shape)
    g = _data(x.size, dtype, 8, scale=1.0, edges=False).reshape(shape)
    w = np.linspace(0.1, 0.4, slopes).astype(dtype)
    _close(G.prelu_forward(x, w), REF.prelu_forward(x, w), dtype, "prelu")
    gx, gw = G.prelu_backward(g, x, w)
    rx, rw = REF.prelu_backward(g, x, w)
    _close(gx, rx, dtype, "prelu dx")
    assert gw.shape == w.shape and gw.dtype == dtype
    finite = np.isfinite(x)  # the slope gradient of the edge values is NaN on both sides
    xf, gf = np.where(finite, x, 0).astype(dtype), np.where(finite, g, 0).astype(dtype)
    _close(G.prelu_backward(gf, xf, w)[1], REF.prelu_backward(gf, xf, w)[1], dtype, "prelu dw")
    assert G.prelu_backward(g, x, w, need_weight_grad=False)[1] is None


@pytest.mark.parametrize("dtype", DTYPES)
def test_swish_beta_gradient(dtype):
    x = _data(45, dtype, 9, edges=False)
    g = _data(45, dtype, 10, scale=1.0, edges=False)
    gx, gb = G.swish_backward(g, x, 1.7, need_beta_grad=True)
    rx, rb = REF.swish_backward(g, x, 1.7, need_beta_grad=True)
    _close(gx, rx, dtype, "swish dx")
    _close(gb, rb, dtype, "swish dbeta")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,pieces,dim", [((3, 8), 2, 1), ((2, 6, 3), 3, 1), ((2, 3, 4), 2, -1)])
def test_maxout(shape, pieces, dim, dtype):
    x = _data(int(np.prod(shape)), dtype, 11, edges=False).reshape(shape)
    x.reshape(-1)[[1, 4]] = [np.nan, x.reshape(-1)[5]]  # a NaN wins its group; a tie goes to the first
    y = G.maxout_forward(x, pieces, dim)
    _close(y, REF.maxout_forward(x, pieces, dim), dtype, "maxout")
    g = _data(y.size, dtype, 12, edges=False).reshape(y.shape)
    _close(G.maxout_backward(g, x, pieces, dim), REF.maxout_backward(g, x, pieces, dim), dtype, "maxout backward")
