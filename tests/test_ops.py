"""Every op against PyTorch (values and gradients, float32 and float64) and float64 gradcheck."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import minigrad as mg
import minigrad.nn.functional as F
from tests.helpers import (
    DEVICES,
    check_against_torch,
    gradcheck,
    host,
    noncontiguous,
    randn,
    simulated,
    skip_float64_on_the_simulator,
)

DTYPES = [np.float32, np.float64]

BROADCAST_PAIRS = [
    ((3, 4), (3, 4)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (4,)),
    ((), (3,)),
    ((2, 1, 3), (4, 1)),
    ((0, 3), (3,)),
]

BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a / b),
    "maximum": (mg.maximum, torch.maximum),
    "minimum": (mg.minimum, torch.minimum),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS)
@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("device", DEVICES)
def test_binary_broadcast(device, name, shapes, dtype):
    mg_fn, th_fn = BINARY[name]
    a, b = randn(*shapes[0], dtype=dtype, seed=1), randn(*shapes[1], dtype=dtype, seed=2)
    if name == "div":
        b = np.where(np.abs(b) < 0.3, 1.0, b).astype(dtype)
    check_against_torch(mg_fn, th_fn, a, b, device=device)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_ties_split_the_gradient(name):
    mg_fn, th_fn = BINARY[name]
    a = np.array([1.0, 2.0, 3.0, -1.0])
    b = np.array([1.0, 0.0, 3.0, 5.0])
    check_against_torch(mg_fn, th_fn, a, b)


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("device", DEVICES)
def test_binary_noncontiguous(device, name):
    mg_fn, th_fn = BINARY[name]
    a, b = noncontiguous(randn(4, 5, seed=3)), noncontiguous(randn(4, 5, seed=4) + 3)
    check_against_torch(mg_fn, th_fn, a, b, device=device)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div"])
def test_binary_gradcheck(name):
    fn = BINARY[name][0]
    gradcheck(fn, randn(2, 3, seed=5), randn(3, seed=6) + 3)


SCALAR_CASES = {
    "x+2": (lambda x: x + 2, lambda x: x + 2),
    "2-x": (lambda x: 2 - x, lambda x: 2 - x),
    "x*3.5": (lambda x: x * 3.5, lambda x: x * 3.5),
    "2/x": (lambda x: 2 / x, lambda x: 2 / x),
    "x/4": (lambda x: x / 4, lambda x: x / 4),
    "x**2": (lambda x: x**2, lambda x: x**2),
    "x**3": (lambda x: x**3, lambda x: x**3),
    "x**-1.5": (lambda x: x.abs() ** -1.5, lambda x: x.abs() ** -1.5),
    "x**0": (lambda x: x**0, lambda x: x**0),
    "2**x": (lambda x: 2**x, lambda x: 2**x),
    "-x": (lambda x: -x, lambda x: -x),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", SCALAR_CASES)
def test_scalar_operands_keep_the_dtype(name, dtype):
    mg_fn, th_fn = SCALAR_CASES[name]
    x = randn(3, 4, dtype=dtype, seed=7) + 0.5
    x[np.abs(x) < 0.2] = 0.7
    check_against_torch(mg_fn, th_fn, x)


def test_pow_tensor_tensor():
    x = np.abs(randn(3, 4, seed=8)) + 0.1
    y = randn(3, 4, seed=9)
    check_against_torch(lambda a, b: a**b, lambda a, b: a**b, x, y)
    gradcheck(lambda a, b: a**b, x, y)


def test_pow_at_zero_base():
    x = np.array([0.0, 0.0, 2.0])
    y = np.array([2.0, 0.0, 1.5])
    check_against_torch(lambda a, b: a**b, lambda a, b: a**b, x, y)


UNARY = {
    "exp": (mg.exp, torch.exp, lambda x: x),
    "log": (mg.log, torch.log, lambda x: np.abs(x) + 0.1),
    "sqrt": (mg.sqrt, torch.sqrt, lambda x: np.abs(x) + 0.1),
    "abs": (mg.abs, torch.abs, lambda x: x),
    "neg": (lambda x: -x, torch.neg, lambda x: x),
    "clamp": (lambda x: x.clamp(-0.5, 0.7), lambda x: x.clamp(-0.5, 0.7), lambda x: x),
    "clamp_min": (lambda x: x.clamp(min=0.1), lambda x: x.clamp(min=0.1), lambda x: x),
    "clamp_max": (lambda x: x.clamp(max=0.1), lambda x: x.clamp(max=0.1), lambda x: x),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 0, 3)])
@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("device", DEVICES)
def test_unary(device, name, shape, dtype):
    mg_fn, th_fn, domain = UNARY[name]
    x = domain(randn(*shape, dtype=dtype, seed=10)).astype(dtype)
    check_against_torch(mg_fn, th_fn, x, device=device)


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("device", DEVICES)
def test_unary_noncontiguous_and_gradcheck(device, name):
    mg_fn, th_fn, domain = UNARY[name]
    x = domain(randn(4, 3, seed=11))
    x[np.abs(np.abs(x) - 0.5) < 0.05] += 0.2  # away from clamp's kinks for finite differences
    x[np.abs(np.abs(x) - 0.7) < 0.05] += 0.2
    x[np.abs(x - 0.1) < 0.05] += 0.2
    check_against_torch(mg_fn, th_fn, noncontiguous(x), device=device)
    gradcheck(mg_fn, x, device=device)


def test_abs_and_clamp_at_their_kinks():
    x = np.array([0.0, -0.5, 0.7, 1.0, -2.0])
    check_against_torch(mg.abs, torch.abs, x)
    check_against_torch(lambda t: t.clamp(-0.5, 0.7), lambda t: t.clamp(-0.5, 0.7), x)


@pytest.mark.parametrize("device", DEVICES)
def test_where(device):
    c = randn(3, 4, seed=12) > 0
    a, b = randn(3, 4, seed=13), randn(4, seed=14)
    mg_c = mg.tensor(c, device=device)
    out = check_against_torch(
        lambda x, y: mg.where(mg_c, x, y),
        lambda x, y: torch.where(torch.tensor(c, device=x.device), x, y),
        a,
        b,
        device=device,
    )
    assert out[0].shape == (3, 4)
    gradcheck(lambda x, y: mg.where(mg_c, x, y), a, b, device=device)


# ---- reductions ---------------------------------------------------------------------------------

DIMS = [None, 0, -1, (0, 2), (1,)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "amax", "amin"])
@pytest.mark.parametrize("device", DEVICES)
def test_reductions(device, name, dim, keepdim, dtype):
    x = randn(3, 4, 5, dtype=dtype, seed=15)

    def mg_fn(t):
        if name in ("amax", "amin"):
            return getattr(t, name)(() if dim is None else dim, keepdim=keepdim)
        return getattr(t, name)(dim=dim, keepdim=keepdim)

    def th_fn(t):
        if name in ("amax", "amin"):
            return getattr(t, name)(() if dim is None else dim, keepdim=keepdim)
        if dim is None and not keepdim:
            return getattr(t, name)()
        d = tuple(range(t.ndim)) if dim is None else dim
        return getattr(t, name)(dim=d, keepdim=keepdim)

    check_against_torch(mg_fn, th_fn, x, rtol=1e-4 if dtype == np.float32 else None, device=device)


@pytest.mark.parametrize("correction", [0, 1, 2])
def test_var_std_correction(correction):
    x = randn(4, 6, seed=16)
    check_against_torch(lambda t: t.var(1, correction=correction), lambda t: t.var(1, correction=correction), x)
    check_against_torch(lambda t: t.std(0, correction=correction), lambda t: t.std(0, correction=correction), x)
    gradcheck(lambda t: t.var(1, correction=correction), x)
    gradcheck(lambda t: t.std(0, correction=correction), x)


@pytest.mark.parametrize("which", ["max", "min"])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("device", DEVICES)
def test_max_min_along_dim_returns_values_and_indices(device, which, keepdim):
    x = randn(4, 5, seed=17)
    x[1, 2] = x[1, 4] = 10.0 if which == "max" else -10.0  # a tie: the gradient goes to the first index
    out = getattr(mg.tensor(x, device=device), which)(dim=1, keepdim=keepdim)
    ref = getattr(torch.tensor(x), which)(dim=1, keepdim=keepdim)
    np.testing.assert_array_equal(host(out.indices), ref.indices.numpy())
    assert out.indices.dtype == mg.int64 and out.indices.device == device
    check_against_torch(
        lambda t: getattr(t, which)(dim=1, keepdim=keepdim).values,
        lambda t: getattr(t, which)(dim=1, keepdim=keepdim).values,
        x,
        device=device,
    )


@pytest.mark.parametrize("which", ["max", "min", "amax", "amin"])
def test_full_max_shares_the_gradient_among_ties(which):
    x = np.array([[1.0, 3.0, 3.0], [-2.0, 0.5, -2.0]])
    if which.startswith("a"):
        check_against_torch(lambda t: getattr(t, which)(1), lambda t: getattr(t, which)(1), x)
    check_against_torch(lambda t: getattr(t, which)(), lambda t: getattr(t, which)(), x)


@pytest.mark.parametrize("device", DEVICES)
def test_reduction_gradchecks(device):
    x = randn(3, 4, seed=18)
    for fn in (lambda t: t.sum(1), lambda t: t.mean((0, 1)), lambda t: t.amax(0), lambda t: t.max(1).values):
        gradcheck(fn, x, device=device)


def test_argmax_argmin():
    x = randn(3, 4, seed=19)
    for name in ("argmax", "argmin"):
        for dim in (None, 0, 1):
            np.testing.assert_array_equal(
                getattr(mg.tensor(x), name)(dim).numpy(), getattr(torch.tensor(x), name)(dim).numpy()
            )


def test_reductions_of_empty_and_0d_tensors():
    check_against_torch(lambda t: t.sum(), lambda t: t.sum(), np.zeros((0, 3)))
    check_against_torch(lambda t: t.sum(0), lambda t: t.sum(0), np.zeros((0, 3)))
    check_against_torch(lambda t: t.mean(), lambda t: t.mean(), np.array(2.5))
    check_against_torch(lambda t: t.sum(0), lambda t: t.sum(0), np.array(2.5))
    with pytest.raises(RuntimeError, match="non-empty"):
        mg.zeros(0, 3).max()


# ---- matmul and linear ------------------------------------------------------------------------------

MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 1, 2, 3), (4, 3, 2)),
    ((3,), (2, 3, 4)),
    ((2, 2, 3), (3,)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
@pytest.mark.parametrize("device", DEVICES)
def test_matmul(device, shapes, dtype):
    a, b = randn(*shapes[0], dtype=dtype, seed=20), randn(*shapes[1], dtype=dtype, seed=21)
    tol = 1e-4 if dtype == np.float32 else None
    check_against_torch(lambda x, y: x @ y, lambda x, y: x @ y, a, b, rtol=tol, device=device)


def test_matmul_gradcheck_and_noncontiguous():
    a, b = randn(2, 3, 4, seed=22), randn(4, 2, seed=23)
    gradcheck(lambda x, y: x @ y, a, b)
    check_against_torch(lambda x, y: x @ y, lambda x, y: x @ y, noncontiguous(a), noncontiguous(b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("xshape", [(5, 4), (2, 3, 4), (4,)])
@pytest.mark.parametrize("device", DEVICES)
def test_linear(device, xshape, dtype):
    x, w, b = randn(*xshape, dtype=dtype, seed=24), randn(3, 4, dtype=dtype, seed=25), randn(3, dtype=dtype, seed=26)
    tol = 1e-4 if dtype == np.float32 else None
    check_against_torch(F.linear, torch.nn.functional.linear, x, w, b, rtol=tol, device=device)
    check_against_torch(lambda x, w: F.linear(x, w), lambda x, w: torch.nn.functional.linear(x, w), x, w, device=device)


def test_linear_gradcheck():
    gradcheck(F.linear, randn(3, 4, seed=27), randn(2, 4, seed=28), randn(2, seed=29))


# ---- shapes and indexing ------------------------------------------------------------------------------

SHAPE_OPS = {
    "reshape": (lambda t: t.reshape(4, -1), lambda t: t.reshape(4, -1)),
    "view": (lambda t: t.view(6, 4), lambda t: t.view(6, 4)),
    "flatten": (lambda t: t.flatten(), lambda t: t.flatten()),
    "flatten1": (lambda t: t.flatten(1), lambda t: t.flatten(1)),
    "transpose": (lambda t: t.transpose(0, 2), lambda t: t.transpose(0, 2)),
    "permute": (lambda t: t.permute(2, 0, 1), lambda t: t.permute(2, 0, 1)),
    "T": (lambda t: t.T, lambda t: t.permute(2, 1, 0)),
    "unsqueeze": (lambda t: t.unsqueeze(1), lambda t: t.unsqueeze(1)),
    "unsqueeze-1": (lambda t: t.unsqueeze(-1), lambda t: t.unsqueeze(-1)),
    "squeeze": (lambda t: t.unsqueeze(0).squeeze(), lambda t: t.unsqueeze(0).squeeze()),
    "squeeze0": (lambda t: t.unsqueeze(0).squeeze(0), lambda t: t.unsqueeze(0).squeeze(0)),
    "expand": (lambda t: t[:, :1].expand(2, 3, 4), lambda t: t[:, :1].expand(2, 3, 4)),
    "expand_new": (lambda t: t.expand(5, 2, 3, 4), lambda t: t.expand(5, 2, 3, 4)),
    "contiguous": (lambda t: t.transpose(0, 1).contiguous(), lambda t: t.transpose(0, 1).contiguous()),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", SHAPE_OPS)
@pytest.mark.parametrize("device", DEVICES)
def test_shape_ops(device, name, dtype):
    mg_fn, th_fn = SHAPE_OPS[name]
    check_against_torch(mg_fn, th_fn, randn(2, 3, 4, dtype=dtype, seed=30), device=device)
    gradcheck(mg_fn, randn(2, 3, 4, seed=30), device=device)


def test_view_of_a_transposed_tensor_is_an_error():
    t = mg.randn(3, 4).transpose(0, 1)
    with pytest.raises(RuntimeError, match="reshape"):
        t.view(12)
    assert t.reshape(12).shape == (12,)


INDICES = {
    "int": (1,),
    "neg_int": (-1,),
    "slice": (slice(1, None),),
    "step": (slice(None, None, 2), slice(None), 1),
    "neg_step": (slice(None, None, -1),),
    "none": (None, 0),
    "ellipsis": (Ellipsis, 1),
    "int_array_repeats": (np.array([0, 2, 0, 0]),),
    "two_arrays": (np.array([0, 1, 1]), slice(None), np.array([2, 0, 2])),
    "bool_mask": ("mask",),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", INDICES)
@pytest.mark.parametrize("device", DEVICES)
def test_getitem(device, name, dtype):
    """Index tensors on the CPU index a tensor on any device (PyTorch's rule)."""
    x = randn(3, 4, 5, dtype=dtype, seed=31)
    idx = INDICES[name]
    if name == "bool_mask":
        mask = x[:, :, 0] > 0
        mg_idx, th_idx = mg.tensor(mask), torch.tensor(mask)
    else:
        mg_idx = tuple(mg.tensor(i) if isinstance(i, np.ndarray) else i for i in idx)
        if name == "neg_step":  # PyTorch has no negative steps: compare with a flip
            check_against_torch(lambda t: t[::-1], lambda t: t.flip(0), x, device=device)
            return
        th_idx = tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in idx)
    check_against_torch(lambda t: t[mg_idx], lambda t: t[th_idx], x, device=device)


@pytest.mark.parametrize("device", DEVICES)
def test_getitem_gradcheck_with_repeated_indices(device):
    idx = mg.tensor([0, 2, 0, 0], device=device)
    gradcheck(lambda t: t[idx] * 2, randn(3, 4, seed=32), device=device)


def test_getitem_out_of_range_names_the_shape():
    with pytest.raises(IndexError, match=r"\(3, 4\)"):
        mg.zeros(3, 4)[5]


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("device", DEVICES)
def test_cat_and_stack(device, dim):
    a, b, c = randn(2, 3, seed=33), randn(2, 3, seed=34), randn(2, 3, seed=35)
    check_against_torch(lambda *t: mg.cat(t, dim), lambda *t: torch.cat(t, dim), a, b, c, device=device)
    check_against_torch(lambda *t: mg.stack(t, dim), lambda *t: torch.stack(t, dim), a, b, c, device=device)
    gradcheck(lambda *t: mg.cat(t, dim), a, b, device=device)


def test_cat_shape_error_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(2, 4\)"):
        mg.cat([mg.zeros(2, 3), mg.zeros(2, 4)], 0)


# ---- softmax and losses ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("device", DEVICES)
def test_softmax(device, name, dim, dtype):
    skip_float64_on_the_simulator(device, dtype)
    x = randn(4, 5, 3, dtype=dtype, seed=36)
    fn, th_fn = (lambda t: getattr(F, name)(t, dim)), (lambda t: getattr(torch.nn.functional, name)(t, dim))
    check_against_torch(fn, th_fn, x, device=device)
    if not simulated(device):
        gradcheck(fn, randn(3, 4, seed=36), device=device)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("device", DEVICES)
def test_softmax_is_stable_at_huge_logits(device, name, dtype):
    skip_float64_on_the_simulator(device, dtype)
    x = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4], [-1e4, -1e4, 0.0]], dtype=dtype)
    fn, th_fn = (lambda t: getattr(F, name)(t, 1)), (lambda t: getattr(torch.nn.functional, name)(t, 1))
    out = check_against_torch(fn, th_fn, x, device=device)
    assert np.isfinite(host(out[0])).all()


CE_CASES = {
    "mean": dict(),
    "sum": dict(reduction="sum"),
    "none": dict(reduction="none"),
    "smoothing": dict(label_smoothing=0.1),
    "ignore": dict(ignore_index=1),
    "ignore_none": dict(ignore_index=1, reduction="none"),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CE_CASES)
@pytest.mark.parametrize("device", DEVICES)
def test_cross_entropy(device, case, dtype):
    skip_float64_on_the_simulator(device, dtype)
    kw = CE_CASES[case]
    x = randn(6, 5, dtype=dtype, seed=37)
    t = np.array([0, 1, 4, 1, 3, 2])
    fn, th_fn = (lambda a, b: F.cross_entropy(a, b, **kw)), (lambda a, b: torch.nn.functional.cross_entropy(a, b, **kw))
    check_against_torch(fn, th_fn, x, t, device=device)
    if not simulated(device):
        target = mg.tensor(t, device=device)
        gradcheck(lambda a: F.cross_entropy(a, target, **kw), randn(6, 5, seed=38), device=device)


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_cross_entropy_spatial_and_unbatched(reduction):
    x, t = randn(2, 4, 3, 5, seed=39), np.random.default_rng(0).integers(0, 4, (2, 3, 5))
    fn = lambda a, b: F.cross_entropy(a, b, reduction=reduction)  # noqa: E731
    th = lambda a, b: torch.nn.functional.cross_entropy(a, b, reduction=reduction)  # noqa: E731
    check_against_torch(fn, th, x, t)
    check_against_torch(fn, th, randn(4, seed=40), np.array(2))


def test_cross_entropy_at_huge_logits_is_finite():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]], dtype=np.float32)
    out = check_against_torch(F.cross_entropy, torch.nn.functional.cross_entropy, x, np.array([1, 1]))
    assert np.isfinite(out[0].item())


def test_cross_entropy_errors():
    x = mg.randn(3, 4)
    with pytest.raises(TypeError, match="int64"):
        F.cross_entropy(x, mg.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(IndexError, match="out of bounds"):
        F.cross_entropy(x, mg.tensor([0, 1, 4]))
    with pytest.raises(ValueError, match=r"\(3,\)"):
        F.cross_entropy(x, mg.tensor([0, 1]))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_and_mse(reduction):
    x = randn(5, 3, seed=41)
    t = np.array([0, 2, 1, 1, 0])
    check_against_torch(
        lambda a, b: F.nll_loss(a, b, reduction=reduction),
        lambda a, b: torch.nn.functional.nll_loss(a, b, reduction=reduction),
        x,
        t,
    )
    y = randn(5, 3, seed=42)
    check_against_torch(
        lambda a, b: F.mse_loss(a, b, reduction=reduction),
        lambda a, b: torch.nn.functional.mse_loss(a, b, reduction=reduction),
        x,
        y,
    )
    gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), x, y)


# ---- convolution and pooling ------------------------------------------------------------------------------

CONV_CASES = [
    dict(),
    dict(stride=2),
    dict(padding=1),
    dict(padding=(2, 1), stride=(1, 2)),
    dict(dilation=2, padding=2),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", CONV_CASES)
@pytest.mark.parametrize("device", DEVICES)
def test_conv2d(device, kw, dtype):
    x, w, b = randn(2, 3, 7, 6, dtype=dtype, seed=43), randn(4, 3, 3, 2, dtype=dtype, seed=44), randn(4, dtype=dtype)
    check_against_torch(
        lambda *a: F.conv2d(*a, **kw),
        lambda *a: torch.nn.functional.conv2d(*a, **kw),
        x,
        w,
        b,
        rtol=1e-4 if dtype == np.float32 else None,
        device=device,
    )


@pytest.mark.parametrize("device", DEVICES)
def test_conv2d_gradcheck_and_noncontiguous(device):
    x, w = randn(1, 2, 5, 4, seed=45), randn(3, 2, 2, 3, seed=46)
    gradcheck(lambda a, b: F.conv2d(a, b, stride=2, padding=1), x, w, device=device)
    check_against_torch(
        lambda a, b: F.conv2d(a, b),
        lambda a, b: torch.nn.functional.conv2d(a, b),
        noncontiguous(randn(2, 2, 5, 5, seed=47)),
        w,
        device=device,
    )


POOL_CASES = [dict(kernel_size=2), dict(kernel_size=3, stride=2), dict(kernel_size=3, stride=1, padding=1)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", POOL_CASES)
@pytest.mark.parametrize("device", DEVICES)
def test_pooling(device, kw, dtype):
    x = randn(2, 3, 7, 6, dtype=dtype, seed=48)
    TF = torch.nn.functional
    check_against_torch(lambda a: F.max_pool2d(a, **kw), lambda a: TF.max_pool2d(a, **kw), x, device=device)
    check_against_torch(lambda a: F.avg_pool2d(a, **kw), lambda a: TF.avg_pool2d(a, **kw), x, device=device)
    if kw.get("padding"):
        check_against_torch(
            lambda a: F.avg_pool2d(a, **kw, count_include_pad=False),
            lambda a: TF.avg_pool2d(a, **kw, count_include_pad=False),
            x,
            device=device,
        )
    gradcheck(lambda a: F.max_pool2d(a, **kw), randn(1, 2, 6, 5, seed=49), device=device)
    gradcheck(lambda a: F.avg_pool2d(a, **kw), randn(1, 2, 6, 5, seed=49), device=device)


def test_conv_shape_error():
    with pytest.raises(RuntimeError, match="3 channels"):
        F.conv2d(mg.zeros(1, 3, 5, 5), mg.zeros(2, 4, 3, 3))


# ---- dropout ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
def test_dropout_scales_survivors_and_routes_the_gradient_through_the_mask(device):
    mg.manual_seed(0)
    x = mg.ones(1000, 100, device=device, requires_grad=True)
    y = F.dropout(x, p=0.3)
    assert y.device == device
    kept = host(y) != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(host(y)[kept], 1 / 0.7, rtol=1e-6)
    g = np.random.default_rng(0).standard_normal(x.shape).astype(np.float32)
    y.backward(mg.tensor(g, device=device))
    np.testing.assert_allclose(host(x.grad), g * kept / 0.7, rtol=1e-6)
    assert F.dropout(x, 0.3, training=False) is x
    assert not host(F.dropout(x, 1.0)).any()


# ---- Hypothesis: shapes and broadcasting ------------------------------------------------------------------


@settings(deadline=None, max_examples=40)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4),
    name=st.sampled_from(["add", "mul", "sub", "maximum"]),
)
def test_broadcasting_fuzz(shapes, name):
    mg_fn, th_fn = BINARY[name]
    a, b = randn(*shapes.input_shapes[0], seed=50), randn(*shapes.input_shapes[1], seed=51)
    out = check_against_torch(mg_fn, th_fn, a, b)
    assert out[0].shape == shapes.result_shape


@settings(deadline=None, max_examples=30)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), data=st.data())
def test_reduction_fuzz(shape, data):
    dims = data.draw(st.lists(st.integers(0, len(shape) - 1), unique=True, min_size=1))
    keepdim = data.draw(st.booleans())
    x = randn(*shape, seed=52)
    check_against_torch(lambda t: t.sum(tuple(dims), keepdim), lambda t: t.sum(tuple(dims), keepdim), x)
    check_against_torch(lambda t: t.mean(tuple(dims), keepdim), lambda t: t.mean(tuple(dims), keepdim), x)
