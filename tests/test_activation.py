"""Activation functions against PyTorch: values and gradients, float32 and float64, random and
non-contiguous shapes, the extreme and boundary points, float64 gradcheck; PReLU's and Swish's
parameter gradients; Maxout against a composite of PyTorch ops; the float32 elementary functions of
backends/cpu/float32_math.py to a few ulp; the lecture's slide question (sigmoid'/tanh'/relu' at -10, 0, 10)."""

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import scalar_math as sm
from minigrad.backends.cpu import activation_kernels as K
from minigrad.backends.cpu import float32_math
from tests.helpers import DEVICES, check_against_torch, noncontiguous, simulated, tolerances

DTYPES = [np.float32, np.float64]

# name: (minigrad function, torch function, kinks (points where f' jumps))
ACTIVATIONS = {
    "sigmoid": (F.sigmoid, torch.sigmoid, ()),
    "tanh": (F.tanh, torch.tanh, ()),
    "relu": (F.relu, TF.relu, (0.0,)),
    "leaky_relu": (F.leaky_relu, TF.leaky_relu, (0.0,)),
    "leaky_relu_0.2": (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2), (0.0,)),
    "elu": (F.elu, TF.elu, (0.0,)),
    "elu_0.5": (lambda x: F.elu(x, alpha=0.5), lambda x: TF.elu(x, alpha=0.5), (0.0,)),
    "selu": (F.selu, TF.selu, (0.0,)),
    "celu": (F.celu, TF.celu, ()),
    "celu_2": (lambda x: F.celu(x, alpha=2.0), lambda x: TF.celu(x, alpha=2.0), ()),
    "relu6": (F.relu6, TF.relu6, (0.0, 6.0)),
    "hardtanh": (F.hardtanh, TF.hardtanh, (-1.0, 1.0)),
    "hardtanh_-2_3": (lambda x: F.hardtanh(x, -2.0, 3.0), lambda x: TF.hardtanh(x, -2.0, 3.0), (-2.0, 3.0)),
    "silu": (F.silu, TF.silu, ()),
    "swish_1.7": (lambda x: F.swish(x, 1.7), lambda x: x * torch.sigmoid(1.7 * x), ()),
    "mish": (F.mish, TF.mish, ()),
    "gelu": (F.gelu, TF.gelu, ()),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh"), ()),
    "softplus": (F.softplus, TF.softplus, ()),
    "softplus_2_5": (
        lambda x: F.softplus(x, beta=2.0, threshold=5.0),
        lambda x: TF.softplus(x, beta=2.0, threshold=5.0),
        (2.5,),
    ),
    "softsign": (F.softsign, TF.softsign, ()),
    "hardsigmoid": (F.hardsigmoid, TF.hardsigmoid, (-3.0, 3.0)),
    "hardswish": (F.hardswish, TF.hardswish, (-3.0, 3.0)),
    "prelu_shared": (
        lambda x: F.prelu(x, mg.tensor([0.3], dtype=x.dtype, device=x.device)),
        lambda x: TF.prelu(x, torch.tensor([0.3], dtype=x.dtype, device=x.device)),
        (0.0,),
    ),
}
NAMES = list(ACTIVATIONS)

# PyTorch's hardsigmoid backward multiplies by float(1/6) even in float64 (ATen writes the constant as
# 1.0f / 6.0f): its float64 gradient is off by 3e-8 relatively. minigrad's is exact; see
# test_hardsigmoid_float64_gradient_is_exact.
_TORCH_F32_CONSTANT = {"hardsigmoid"}


def _away_from_kinks(x, kinks, gap=0.05):
    x = np.array(x, dtype=np.float64)
    for k in kinks:
        near = np.abs(x - k) < gap
        x[near] = k + np.where(x[near] >= k, gap, -gap) * 2
    return x


def _data(shape, dtype, seed=0, scale=3.0, kinks=()):
    x = np.random.default_rng(seed).standard_normal(shape) * scale
    return _away_from_kinks(x, kinks).astype(dtype)


def _check(name, x, grad=True, device="cpu"):
    mg_fn, th_fn, _ = ACTIVATIONS[name]
    f64 = np.asarray(x).dtype == np.float64
    if name in _TORCH_F32_CONSTANT and f64 and grad:
        check_against_torch(mg_fn, th_fn, x, grad=False, device=device)
        check_against_torch(mg_fn, th_fn, x, rtol=1e-7, device=device)  # torch's float32 constant (see above)
        return
    check_against_torch(mg_fn, th_fn, x, grad=grad, device=device)


# ================================================================================================
# Against PyTorch: values and gradients
# ================================================================================================


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_matches_torch_on_random_shapes(name, dtype):
    kinks = ACTIVATIONS[name][2]
    for i, shape in enumerate([(7,), (3, 5), (2, 3, 4, 5), (301, 300)]):  # the last runs in parallel
        x = _data(shape, dtype, seed=i, kinks=kinks)
        _check(name, x)
        if len(shape) > 1:
            _check(name, noncontiguous(x))


EXTREMES = [-1e4, -1000, -100, -88.8, -87.5, -30, -20, -10, -1, -1e-8, 0.5, 1e-8, 1, 10, 20, 30, 87.5, 88.8, 100,
            1000, 1e4]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("device", DEVICES)
def test_every_device_matches_torch(device, name):
    """Values and gradients on ``device``: a small random input, its strided view and the extreme
    inputs, float32 and float64 (float32 only on the simulator; the larger cases are the CPU's below)."""
    kinks = ACTIVATIONS[name][2]
    for dtype in [np.float32] if simulated(device) else DTYPES:
        x = _data((3, 4), dtype, seed=5, kinks=kinks)
        _check(name, x, device=device)
        _check(name, noncontiguous(x), device=device)
        _check(name, np.array(EXTREMES, dtype=dtype), device=device)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_extreme_inputs_are_finite_and_match_torch(name, dtype):
    """+-1e4 (and the float32 exp overflow points): finite values and gradients, no warnings."""
    x = np.array(EXTREMES, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = mg.tensor(x, requires_grad=True)
        y = ACTIVATIONS[name][0](t)
        y.backward(mg.ones_like(y))
    assert np.all(np.isfinite(y.detach().numpy())), y.detach().numpy()
    assert np.all(np.isfinite(t.grad.numpy())), t.grad.numpy()
    _check(name, x)


@st.composite
def _strided_arrays(draw):
    """A random shape (0-4 dims), then maybe a transposed, sliced or stepped view of it."""
    shape = tuple(draw(st.lists(st.integers(1, 6), min_size=0, max_size=4)))
    seed = draw(st.integers(0, 2**16))
    x = np.asarray(np.random.default_rng(seed).standard_normal(shape) * 3)
    view = draw(st.sampled_from(["plain", "transpose", "step", "slice"]))
    if view == "transpose" and x.ndim >= 2:
        x = x.swapaxes(0, -1)
    elif view == "step" and x.ndim >= 1:
        x = np.repeat(x, 2, axis=-1)[..., ::2]
    elif view == "slice" and x.ndim >= 1 and x.shape[0] > 1:
        x = x[1:]
    return x


@settings(deadline=None, max_examples=25)
@given(x=_strided_arrays(), dtype=st.sampled_from(DTYPES), name=st.sampled_from(NAMES))
def test_matches_torch_on_fuzzed_shapes_and_strides(x, dtype, name):
    x = _away_from_kinks(x, ACTIVATIONS[name][2]).astype(dtype)
    _check(name, x)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_of_huge_inputs_is_exactly_0_and_1_without_warnings(dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = F.sigmoid(mg.tensor([-1000.0, -1e4, 1000.0, 1e4], dtype=dtype))
        sp = F.softplus(mg.tensor([-1e4, 1e4], dtype=dtype), threshold=1e9)  # no threshold shortcut
    assert y.tolist() == [0.0, 0.0, 1.0, 1.0]
    assert sp.tolist() == [0.0, 1e4]


# boundary points: (name, points) -- the kinks and the values on either side
BOUNDARIES = {
    "relu": [0.0, -0.0, 1e-30, -1e-30],
    "leaky_relu": [0.0, -0.0, 1e-30, -1e-30],
    "leaky_relu_0.2": [0.0, 1e-30, -1e-30],
    "prelu_shared": [0.0, -0.0, 1e-30, -1e-30],
    "elu": [0.0, -0.0, 1e-30, -1e-30, -1e-8, 1e-8],
    "elu_0.5": [0.0, -1e-8, 1e-8],
    "selu": [0.0, -0.0, -1e-8, 1e-8],
    "celu": [0.0, -1e-8, 1e-8],
    "celu_2": [0.0, -1e-8, 1e-8],
    "relu6": [0.0, 6.0, -1e-7, 1e-7, 6 - 1e-5, 6 + 1e-5],
    "hardtanh": [-1.0, 1.0, 0.0, -1 - 1e-6, 1 + 1e-6, -1 + 1e-6, 1 - 1e-6],
    "hardtanh_-2_3": [-2.0, 3.0, -2 - 1e-6, 3 + 1e-6],
    "hardsigmoid": [-3.0, 3.0, 0.0, -3 - 1e-5, -3 + 1e-5, 3 - 1e-5, 3 + 1e-5],
    "hardswish": [-3.0, 3.0, 0.0, -3 - 1e-5, -3 + 1e-5, 3 - 1e-5, 3 + 1e-5],
    "softplus": [20.0, 20 - 1e-5, 20 + 1e-5, 0.0],
    "softplus_2_5": [2.5, 2.5 - 1e-5, 2.5 + 1e-5],
    "softsign": [0.0, -0.0],
    "gelu": [0.0, -1e-8, 1e-8],
    "gelu_tanh": [0.0],
    "mish": [0.0, 20.0, 20 - 1e-5, 20 + 1e-5],
    "silu": [0.0],
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(BOUNDARIES))
def test_boundary_conventions_equal_torch(name, dtype):
    x = np.array(BOUNDARIES[name], dtype=dtype)
    _check(name, x)


def test_boundary_gradients_spelled_out():
    """The table of docs/activations.md: f'(kink) for each piecewise function."""

    def grad_at(fn, v):
        t = mg.tensor([v], dtype=mg.float64, requires_grad=True)
        fn(t).backward(mg.ones(1, dtype=mg.float64))
        return t.grad.item()

    assert grad_at(F.relu, 0.0) == 0.0
    assert grad_at(F.leaky_relu, 0.0) == 0.01
    assert grad_at(lambda t: F.prelu(t, mg.tensor([0.25], dtype=mg.float64)), 0.0) == 0.25
    assert grad_at(lambda t: F.elu(t, 0.7), 0.0) == pytest.approx(0.7, abs=0)
    assert grad_at(F.relu6, 0.0) == 0.0 and grad_at(F.relu6, 6.0) == 0.0
    assert grad_at(F.hardtanh, -1.0) == 0.0 and grad_at(F.hardtanh, 1.0) == 0.0
    assert grad_at(F.hardsigmoid, -3.0) == 0.0 and grad_at(F.hardsigmoid, 3.0) == 0.0
    assert grad_at(F.hardswish, -3.0) == 0.0 and grad_at(F.hardswish, 3.0) == 1.0


def test_hardsigmoid_float64_gradient_is_exact():
    x = np.array([-2.5, -1.0, 0.0, 0.3, 2.9])
    t = mg.tensor(x, requires_grad=True)
    F.hardsigmoid(t).backward(mg.ones(5, dtype=mg.float64))
    np.testing.assert_array_equal(t.grad.numpy(), np.full(5, 1 / 6))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_nan_in_gives_nan_out(name, dtype):
    x = np.array([np.nan, 1.0, np.nan, -1.0], dtype=dtype)
    t = mg.tensor(x, requires_grad=True)
    y = ACTIVATIONS[name][0](t)
    y.backward(mg.ones_like(y))
    y = y.detach()
    assert np.isnan(y.numpy()[[0, 2]]).all() and np.isfinite(y.numpy()[[1, 3]]).all()
    assert np.isnan(t.grad.numpy()[[0, 2]]).all() and np.isfinite(t.grad.numpy()[[1, 3]]).all()
    with torch.no_grad():  # the forward value agrees with PyTorch's
        ref = ACTIVATIONS[name][1](torch.tensor(x)).numpy()
    np.testing.assert_allclose(y.numpy(), ref, **tolerances(dtype))


@pytest.mark.parametrize("name", NAMES)
def test_float64_gradcheck_away_from_kinks(name):
    mg_fn, _, kinks = ACTIVATIONS[name]
    x = _data((4, 5), np.float64, seed=3, scale=2.5, kinks=kinks)
    assert mg.gradcheck(mg_fn, [mg.tensor(x, requires_grad=True)])


@pytest.mark.parametrize("dtype", DTYPES)
def test_outputs_and_gradients_keep_the_dtype(dtype):
    for name in NAMES:
        t = mg.tensor(_data((3, 4), dtype), requires_grad=True)
        y = ACTIVATIONS[name][0](t)
        y.backward(mg.ones_like(y))
        assert y.dtype == dtype and t.grad.dtype == dtype, name


# ================================================================================================
# The lecture's slide question (slide 5): what is the gradient at x = -10, 0, 10?
# ================================================================================================


def _local_grad(fn, points):
    t = mg.tensor(points, dtype=mg.float64, requires_grad=True)
    y = fn(t)
    y.backward(mg.ones_like(y))
    return t.grad.numpy()


def test_slide_question_sigmoid_tanh_relu_gradients_at_minus10_0_10():
    x = np.array([-10.0, 0.0, 10.0])
    s = 1 / (1 + np.exp(-x))
    # sigmoid: s (1 - s) = 4.5398e-5, 1/4, 4.5398e-5 -- saturated at both ends, "kills the gradient"
    np.testing.assert_allclose(_local_grad(F.sigmoid, x), s * (1 - s), rtol=1e-14)
    np.testing.assert_allclose(_local_grad(F.sigmoid, x), [4.5395807735951673e-05, 0.25, 4.5395807735951673e-05])
    # tanh: 1 - tanh^2 = 8.2446e-9, 1, 8.2446e-9 -- zero-centred, but saturates just as badly
    # (computed from the output, as PyTorch does: 1 - y^2 with y = 0.99999999588 rounded keeps 8 digits)
    np.testing.assert_allclose(_local_grad(F.tanh, x), 1 / np.cosh(x) ** 2, rtol=1e-7)
    np.testing.assert_allclose(_local_grad(F.tanh, x), [8.244614546626394e-09, 1.0, 8.244614546626394e-09])
    # relu: 0, 0 (PyTorch's choice at the kink), 1 -- no saturation for x > 0, dead for x < 0
    np.testing.assert_array_equal(_local_grad(F.relu, x), [0.0, 0.0, 1.0])


# ================================================================================================
# PReLU, Swish, Maxout
# ================================================================================================


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "shape,slopes",
    [((10,), 1), ((6, 5), 1), ((6, 5), 5), ((2, 3, 7), 3), ((2, 4, 3, 5), 4), ((2, 4, 3, 5), 1), ((64, 2048), 2048),
     ((3, 8, 64, 64), 8), ((3, 8, 64, 64), 1)],
)  # fmt: skip
def test_prelu_input_and_weight_gradients(shape, slopes, dtype):
    rng = np.random.default_rng(slopes)
    x = (rng.standard_normal(shape) * 2).astype(dtype)
    w = rng.uniform(-0.5, 0.5, slopes).astype(dtype)
    check_against_torch(F.prelu, TF.prelu, x, w)
    if x.ndim > 1:
        check_against_torch(F.prelu, TF.prelu, noncontiguous(x), w)


def test_prelu_gradcheck_shared_and_per_channel():
    rng = np.random.default_rng(0)
    x = _away_from_kinks(rng.standard_normal((3, 4, 5)), (0.0,))
    for w in (np.array([0.2]), np.array([0.1, -0.3, 0.5, 0.05])):
        assert mg.gradcheck(F.prelu, [mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)])


def test_prelu_rejects_a_wrong_number_of_slopes():
    with pytest.raises(ValueError, match="3 slopes.*4 channels"):
        F.prelu(mg.randn(2, 4), mg.ones(3))
    with pytest.raises(TypeError, match="dtype"):
        F.prelu(mg.randn(2, 4), mg.ones(1, dtype=mg.float64))


def test_prelu_module_is_torchs():
    m, tm = nn.PReLU(), torch.nn.PReLU()
    assert m.weight.shape == (1,) and m.weight.item() == pytest.approx(0.25)
    assert list(m.state_dict()) == list(tm.state_dict()) == ["weight"]
    m3 = nn.PReLU(num_parameters=3, init=0.1)
    assert m3.weight.shape == (3,) and np.allclose(m3.weight.detach().numpy(), 0.1)
    assert repr(m3) == repr(torch.nn.PReLU(3, 0.1)) == "PReLU(num_parameters=3)"
    x = np.random.default_rng(0).standard_normal((4, 3, 5)).astype(np.float32)
    tm3 = torch.nn.PReLU(3, 0.1)
    check_against_torch(lambda t: m3(t), lambda t: tm3(t), x)
    np.testing.assert_allclose(m3.weight.grad.numpy(), tm3.weight.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5,), (4, 6), (256, 300)])
def test_swish_beta_gradient(shape, dtype):
    x = _data(shape, dtype, seed=1, scale=2.0)
    beta = np.array([1.3], dtype=dtype)
    check_against_torch(F.swish, lambda t, b: t * torch.sigmoid(b * t), x, beta)


def test_swish_module_learns_beta_and_equals_silu_at_1():
    x = mg.randn(6, 7)
    np.testing.assert_allclose(nn.Swish()(x).numpy(), nn.SiLU()(x).numpy(), rtol=1e-6, atol=1e-7)
    m = nn.Swish(beta=0.5, learnable=True)
    assert [n for n, _ in m.named_parameters()] == ["beta"]
    y = m(mg.randn(3, 4))
    y.sum().backward()
    assert m.beta.grad is not None and m.beta.grad.shape == (1,)
    assert not list(nn.Swish(2.0).parameters())
    x64 = mg.tensor(_data((3, 4), np.float64), requires_grad=True)
    b64 = mg.tensor([0.8], dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(F.swish, [x64, b64])


def _torch_maxout(x, pieces, dim):
    dim = dim % x.dim()
    shape = list(x.shape)
    shape[dim : dim + 1] = [shape[dim] // pieces, pieces]
    return x.reshape(shape).max(dim=dim + 1).values


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "shape,pieces,dim",
    [((5, 6), 2, 1), ((5, 6), 3, -1), ((4, 6, 3), 2, 1), ((4, 3, 6), 3, 2), ((6, 4), 2, 0), ((2, 8, 5, 5), 4, 1),
     ((300, 512), 2, 1), ((8,), 4, 0)],
)  # fmt: skip
def test_maxout_against_torch_composite(shape, pieces, dim, dtype):
    x = np.random.default_rng(pieces).permutation(np.prod(shape)).reshape(shape).astype(dtype) / 7  # no ties
    check_against_torch(lambda t: F.maxout(t, pieces, dim), lambda t: _torch_maxout(t, pieces, dim), x)
    if x.ndim > 1:
        check_against_torch(
            lambda t: F.maxout(t, pieces, dim), lambda t: _torch_maxout(t, pieces, dim), noncontiguous(x)
        )


def test_maxout_ties_and_nan_route_to_the_first_argmax_like_torch_max():
    x = np.array([[1.0, 3.0, 3.0, 2.0, 5.0, 5.0, np.nan, 1.0, 2.0, np.nan]])
    check_against_torch(lambda t: F.maxout(t, 2), lambda t: _torch_maxout(t, 2, 1), x)
    t = mg.tensor(x, requires_grad=True)
    F.maxout(t, 2).backward(mg.ones(1, 5, dtype=mg.float64))
    np.testing.assert_array_equal(t.grad.numpy(), [[0, 1, 1, 0, 1, 0, 1, 0, 0, 1]])


def test_maxout_gradcheck_and_errors():
    x = np.random.default_rng(0).permutation(24).reshape(4, 6) / 5.0
    assert mg.gradcheck(lambda t: F.maxout(t, 3), [mg.tensor(x, requires_grad=True)])
    with pytest.raises(ValueError, match="multiple of pieces"):
        F.maxout(mg.randn(2, 5), 2)
    with pytest.raises(IndexError):
        F.maxout(mg.randn(2, 4), 2, dim=2)


def test_maxout_module_is_a_linear_layer_then_max_over_pieces():
    m = nn.Maxout(5, 3, pieces=2)
    assert m.weight.shape == (6, 5) and m.bias.shape == (6,)
    linear = nn.Linear(5, 3)
    assert sum(p.numel() for p in m.parameters()) == 2 * sum(p.numel() for p in linear.parameters())
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    w, b = (
        torch.tensor(m.weight.detach().numpy(), requires_grad=True),
        torch.tensor(m.bias.detach().numpy(), requires_grad=True),
    )
    check_against_torch(lambda t: m(t), lambda t: _torch_maxout(TF.linear(t, w, b), 2, 1), x)
    np.testing.assert_allclose(m.weight.grad.numpy(), w.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.bias.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert nn.Maxout(5, 3, pieces=4)(mg.randn(2, 7, 5)).shape == (2, 7, 3)


# ================================================================================================
# Modules, tensor methods, inplace, errors
# ================================================================================================

MODULES = [
    ("Sigmoid", (), {}), ("Tanh", (), {}), ("ReLU", (), {}), ("LeakyReLU", (0.2,), {}), ("ELU", (), {"alpha": 0.5}),
    ("SELU", (), {}), ("CELU", (), {"alpha": 1.5}), ("ReLU6", (), {}), ("SiLU", (), {}), ("Mish", (), {}),
    ("GELU", (), {"approximate": "tanh"}), ("GELU", (), {}), ("Softplus", (), {"beta": 2.0, "threshold": 10.0}),
    ("Softsign", (), {}), ("Hardtanh", (-2.0, 2.0), {}), ("Hardsigmoid", (), {}), ("Hardswish", (), {}),
    ("ReLU", (), {"inplace": True}), ("ELU", (), {"inplace": True}),
]  # fmt: skip


@pytest.mark.parametrize("cls,args,kwargs", MODULES)
def test_modules_match_torch_and_print_like_torch(cls, args, kwargs):
    m, tm = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    assert repr(m) == repr(tm)
    assert not list(m.parameters())
    x = _data((5, 7), np.float32, seed=2)
    check_against_torch(lambda t: m(t), lambda t: tm(t.clone()), x)


def test_tensor_methods():
    x = mg.tensor(_data((3, 4), np.float64), requires_grad=True)
    for method, fn in (("relu", F.relu), ("sigmoid", F.sigmoid), ("tanh", F.tanh)):
        np.testing.assert_array_equal(getattr(x, method)().detach().numpy(), fn(x).detach().numpy())
    check_against_torch(lambda t: t.relu() + t.sigmoid() * t.tanh(), lambda t: t.relu() + t.sigmoid() * t.tanh(),
                        _data((3, 4), np.float64))  # fmt: skip


def test_inplace_writes_into_the_input_only_when_no_graph_is_needed():
    with mg.no_grad():
        x = mg.tensor([-1.0, 2.0])
        assert F.relu(x, inplace=True) is x and x.tolist() == [0.0, 2.0]
    x = mg.tensor([-1.0, 0.5])
    assert F.elu_(x) is x and x.tolist()[1] == 0.5 and x.tolist()[0] == pytest.approx(math.expm1(-1))
    w = mg.tensor([-1.0, 2.0], requires_grad=True)
    h = w * 1.0
    y = nn.ReLU(inplace=True)(h)
    y.backward(mg.ones(2))
    assert w.grad.tolist() == [0.0, 1.0] and h.tolist() == [-1.0, 2.0]


def test_errors_name_the_function_and_the_fix():
    with pytest.raises(TypeError, match="sigmoid.*floating"):
        F.sigmoid(mg.tensor([1, 2]))
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(mg.randn(2), approximate="fast")
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("erf")
    with pytest.raises(ValueError, match="min_val"):
        F.hardtanh(mg.randn(2), 1.0, -1.0)
    assert F.relu(mg.tensor([-1, 2])).tolist() == [0, 2]  # integer ReLU, as in PyTorch


# ================================================================================================
# Kernels and scalar maths
# ================================================================================================


def _elementwise_pairs():
    return [
        ("sigmoid", K._sigmoid, ()), ("tanh", K._tanh, ()), ("relu", K._relu, ()), ("leaky", K._leaky, (0.1,)),
        ("elu", K._elu, (1.2,)), ("selu", K._selu, ()), ("celu", K._celu, (0.7,)), ("hardtanh", K._hardtanh, (-1, 2)),
        ("silu", K._silu, ()), ("swish", K._swish, (0.6,)), ("mish", K._mish, ()), ("gelu", K._gelu, ()),
        ("gelu_tanh", K._gelu_tanh, ()), ("softplus", K._softplus, (1.5, 20.0)), ("softsign", K._softsign, ()),
        ("hardsigmoid", K._hardsigmoid, ()), ("hardswish", K._hardswish, ()),
    ]  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES)
def test_serial_and_parallel_twins_agree_bit_for_bit(dtype):
    x = _data(70001, dtype, seed=5, scale=4.0)
    g = _data(70001, dtype, seed=6)
    for name, (fwd, bwd), params in _elementwise_pairs():
        p = tuple(dtype(v) for v in params)
        outs = []
        for variant in (0, 1):
            y, gx = np.empty_like(x), np.empty_like(x)
            fwd[variant](x, *p, y)
            bwd[variant](g, x, *p, gx)
            outs.append((y, gx))
        np.testing.assert_array_equal(outs[0][0], outs[1][0], err_msg=name)
        np.testing.assert_array_equal(outs[0][1], outs[1][1], err_msg=name)


def test_python_fallback_of_the_scalar_functions_equals_the_kernels():
    """The scalar functions also run as plain Python (NUMBA_DISABLE_JIT, the CUDA simulator), with the
    elementary functions of the math module -- what a GPU computes -- where the CPU kernels use the
    float32 polynomials of float32_math.py: the two agree to a few ulp."""
    pts = np.array([-30.0, -3.0, -1.0, -0.1, 0.0, 0.1, 1.0, 3.0, 7.0, 30.0])
    for dtype in DTYPES:
        x = pts.astype(dtype)
        for name, (fwd, bwd), params in _elementwise_pairs():
            p = tuple(dtype(v) for v in params)
            y, gx = np.empty_like(x), np.empty_like(x)
            fwd[0](x, *p, y)
            bwd[0](np.ones_like(x), y if name in ("sigmoid", "tanh") else x, *p, gx)
            scalar = {"leaky": "leaky_relu"}.get(name, name)
            f, fp = getattr(sm, scalar), getattr(sm, scalar + "_grad", None)
            if name in ("sigmoid", "tanh"):
                grad_y = getattr(sm, name + "_grad_y")
                fp = lambda v, _f=f, _g=grad_y: _g(_f(v))  # noqa: E731
            with np.errstate(over="ignore", under="ignore"):
                py_y = np.array([f(v, *p) for v in x], dtype=dtype)
                py_g = np.array([fp(v, *p) for v in x], dtype=dtype)
            # compiled code fuses a * b + c into one FMA (one rounding instead of two): where terms
            # of size ~1 cancel (1 - y^2 near saturation) the two differ by up to an ulp of 1
            tol = dict(rtol=4e-7 if dtype == np.float32 else 1e-15, atol=np.finfo(dtype).eps)
            np.testing.assert_allclose(py_y, y, **tol, err_msg=name)
            np.testing.assert_allclose(py_g, gx, **tol, err_msg=name)


def _ulp_error(fn_name, x):
    """Max error in ulp of the CPU's float32 version of scalar_math.<fn_name> (float32_math.py,
    which scalar_math.implement substitutes in compiled CPU code) against float64 NumPy."""
    import numba

    fn = getattr(sm, fn_name)
    assert getattr(float32_math, fn_name) is fn._implementations[("cpu", np.float32)]

    @numba.njit(error_model="numpy")
    def loop(x, out):
        for i in range(x.size):
            out[i] = fn(x[i])

    out = np.empty_like(x)
    loop(x, out)
    ref = {"exp": np.exp, "exp_ftz": np.exp, "expm1": np.expm1, "log1p": np.log1p, "tanh": np.tanh,
           "erfc": np.vectorize(math.erfc)}[fn_name](x.astype(np.float64))  # fmt: skip
    ok = np.isfinite(ref) & (np.abs(ref) < np.finfo(np.float32).max) & (np.abs(ref) >= np.finfo(np.float32).tiny)
    ulp = np.spacing(np.abs(ref[ok]).astype(np.float32)).astype(np.float64)
    return out, np.max(np.abs(out[ok] - ref[ok]) / ulp)


@pytest.mark.parametrize(
    "fn,lo,hi,max_ulp",
    [("exp", -87.3, 88.72, 1.5), ("exp_ftz", -87.3, 88.3, 1.5), ("expm1", -40, 88.72, 2),
     ("log1p", -0.9999, 1e30, 1.5), ("tanh", -12, 12, 3), ("erfc", -4, 10, 8)],
)  # fmt: skip
def test_float32_elementary_functions_are_accurate_to_a_few_ulp(fn, lo, hi, max_ulp):
    """The vectorisable float32 exp/expm1/log1p/tanh/erfc against float64 NumPy, over their range."""
    if hi > 1e3:
        x = np.concatenate([np.linspace(lo, 10, 300001), np.geomspace(10, hi, 100001)])
    else:
        x = np.linspace(lo, hi, 400001)
    x = np.concatenate([x, np.geomspace(1e-30, 1, 50001), -np.geomspace(1e-30, min(1.0, -lo), 50001)])
    _, err = _ulp_error(fn, x.astype(np.float32))
    assert err <= max_ulp, f"{fn}: {err:.2f} ulp"


def test_float32_elementary_functions_special_values():
    specials = np.array([np.nan, np.inf, -np.inf, 0.0, 1e-10, -1e-10, -1.0, 100.0, -200.0], np.float32)
    with np.errstate(all="ignore"):
        for fn in ("exp", "expm1", "log1p", "tanh", "erfc"):
            out, _ = _ulp_error(fn, specials)
            ref = {"exp": np.exp, "exp_ftz": np.exp, "expm1": np.expm1, "log1p": np.log1p, "tanh": np.tanh,
                   "erfc": np.vectorize(math.erfc)}[fn](specials.astype(np.float64)).astype(np.float32)  # fmt: skip
            np.testing.assert_allclose(out, ref, rtol=2e-7, atol=0, err_msg=fn)
