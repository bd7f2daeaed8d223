"""Bad, extreme and tricky inputs (issue 12): each behaves as in PyTorch or fails with a clear error.

Where PyTorch defines the behaviour the test runs both and compares; where minigrad refuses what
PyTorch accepts (complex numbers, uint64, SGD with lr=nan) the op's docstring says so and the test
checks the error names the op and the argument.
"""

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim, preprocessing
from minigrad.backends import contract
from minigrad.backends import cpu as backend
from tests.helpers import check_against_torch, gradcheck

NAN, INF = float("nan"), float("inf")


def _grads(fn, values, dtype=np.float32):
    """(output, gradient) of fn at values, in minigrad and in torch, for a random upstream gradient."""
    x = np.array(values, dtype=dtype)
    m, t = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ym, yt = fn(m, mg), fn(t, torch)
    up = np.random.default_rng(0).standard_normal(ym.shape).astype(dtype)
    ym.backward(mg.tensor(up))
    yt.backward(torch.tensor(up))
    return (ym.detach().numpy(), m.grad.numpy()), (yt.detach().numpy(), t.grad.numpy())


def _same(ours, theirs, **tol):
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, equal_nan=True, **(tol or dict(rtol=1e-6, atol=1e-6)))


# ================================================================================================
# Item 1: every kernel wrapper checks its arrays before a kernel indexes them
# ================================================================================================


def test_sgd_and_adam_kernels_refuse_a_gradient_of_another_size_or_dtype():
    p = np.ones(1000, np.float32)
    with pytest.raises(ValueError, match=r"sgd_step\(\): grad has shape \(3,\) but param has shape \(1000,\)"):
        backend.sgd_step(p, np.ones(3, np.float32), None, 0.1, 0.0, 0.0, 0.0, False, True)
    with pytest.raises(TypeError, match=r"sgd_step\(\): grad is float64 but param is float32"):
        backend.sgd_step(p, np.ones(1000), None, 0.1, 0.0, 0.0, 0.0, False, True)
    with pytest.raises(ValueError, match=r"sgd_step\(\): buf has shape \(10,\)"):
        backend.sgd_step(p, np.ones(1000, np.float32), np.zeros(10, np.float32), 0.1, 0.9, 0.0, 0.0, False, True)
    m, v = np.zeros(1000, np.float32), np.zeros(1000, np.float32)
    with pytest.raises(ValueError, match=r"adam_step\(\): grad has shape \(999,\)"):
        backend.adam_step(p, np.ones(999, np.float32), m, v, None, 1, 1e-3, 0.9, 0.999, 1e-8, 0.0, False, False)
    with pytest.raises(ValueError, match=r"adam_step\(\): v has shape \(2, 500\)"):
        backend.adam_step(p, p.copy(), m, v.reshape(2, 500), None, 1, 1e-3, 0.9, 0.999, 1e-8, 0.0, False, False)
    with pytest.raises(ValueError, match=r"adam_step\(\): amsgrad needs vmax"):
        backend.adam_step(p, p.copy(), m, v, None, 1, 1e-3, 0.9, 0.999, 1e-8, 0.0, False, True)
    with pytest.raises(ValueError, match=r"adam_step\(\): step counts updates from 1"):
        backend.adam_step(p, p.copy(), m, v, None, 0, 1e-3, 0.9, 0.999, 1e-8, 0.0, False, False)
    with pytest.raises(TypeError, match=r"sgd_step\(\): param must be a float32 or float64 array, got dtype int64"):
        backend.sgd_step(np.ones(3, np.int64), np.ones(3, np.int64), None, 0.1, 0.0, 0.0, 0.0, False, True)
    assert np.all(p == 1) and np.all(m == 0)  # nothing was written before the check


@pytest.mark.parametrize("opt", ["SGD", "Adam"])
def test_an_optimizer_step_on_a_read_only_or_strided_parameter_is_a_clear_error(opt):
    frozen = np.ones(4, np.float32)
    frozen.flags.writeable = False
    p = mg.from_numpy(frozen).requires_grad_()
    p.grad = mg.ones(4)
    kernel = "sgd_step" if opt == "SGD" else "adam_step"
    with pytest.raises(ValueError, match=rf"{kernel}\(\): param \(shape \(4,\)\) is read-only.*clone\(\)"):
        getattr(optim, opt)([p], lr=0.1).step()
    strided = mg.from_numpy(np.ones((4, 3), np.float32)[:, 0]).requires_grad_()
    strided.grad = mg.ones(4)
    with pytest.raises(ValueError, match=rf"{kernel}\(\): param \(shape \(4,\)\) .*C-contiguous"):
        getattr(optim, opt)([strided], lr=0.1).step()


def test_cross_entropy_kernels_refuse_targets_out_of_range():
    x = np.zeros((3, 4), np.float32)
    for bad in (4, -1, 100):
        t = np.array([0, bad, 1])
        with pytest.raises(IndexError, match=rf"cross_entropy_forward\(\): target {bad} is out of bounds for 4"):
            backend.cross_entropy_forward(x, t, -100, 0.0)
        with pytest.raises(IndexError, match=rf"cross_entropy_backward\(\): target {bad} is out of bounds"):
            backend.cross_entropy_backward(np.ones(3, np.float32), x, t, -100, 0.0)
    ok = np.array([0, -100, 3])
    loss, logp = backend.cross_entropy_forward(x, ok, -100, 0.0)  # ignore_index passes
    np.testing.assert_allclose(loss, [math.log(4), 0, math.log(4)], rtol=1e-6)
    with pytest.raises(ValueError, match=r"cross_entropy_forward\(\): target has shape \(2,\); expected \(3,\)"):
        backend.cross_entropy_forward(x, ok[:2], -100, 0.0)
    with pytest.raises(TypeError, match=r"cross_entropy_forward\(\): target must hold integer"):
        backend.cross_entropy_forward(x, ok.astype(np.float32), -100, 0.0)
    with pytest.raises(ValueError, match=r"cross_entropy_backward\(\): grad_rows has shape \(2,\)"):
        backend.cross_entropy_backward(np.ones(2, np.float32), logp, ok, -100, 0.0)
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\]"):
        backend.cross_entropy_forward(x, ok, -100, 1.5)


def test_softmax_kernels_check_dims_dtypes_and_the_gradient():
    y = backend.softmax_forward(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"softmax_forward\(\): x must be a 2-D array \(rows, C\), got shape \(6,\)"):
        backend.softmax_forward(np.zeros(6, np.float32))
    with pytest.raises(TypeError, match=r"log_softmax_forward\(\): x must be a float32 or float64 array"):
        backend.log_softmax_forward(np.zeros((2, 3), np.int64))
    with pytest.raises(ValueError, match=r"softmax_backward\(\): the gradient has shape \(2, 2\) but the saved output"):
        backend.softmax_backward(np.zeros((2, 2), np.float32), y)
    with pytest.raises(TypeError, match=r"log_softmax_backward\(\): the gradient must be a float array"):
        backend.log_softmax_backward(np.zeros((2, 3), np.int64), y)


def _activation_kernels():
    """(name, forward, backward, extra args) of every activation in the backend contract."""
    extra = {"leaky_relu": (0.1,), "elu": (1.0,), "celu": (1.0,), "hardtanh": (-1.0, 1.0), "swish": (1.0,),
             "softplus": (1.0, 20.0), "maxout": (2,)}  # fmt: skip
    for name in contract._ACTIVATION:
        if name != "prelu":
            yield name, getattr(backend, name + "_forward"), getattr(backend, name + "_backward"), extra.get(name, ())


@pytest.mark.parametrize("name,forward,backward,args", list(_activation_kernels()), ids=lambda v: str(v)[:12])
def test_every_activation_kernel_names_itself_when_refusing_an_array(name, forward, backward, args):
    x = np.linspace(-2, 2, 12).astype(np.float32).reshape(3, 4)
    with pytest.raises(TypeError, match=rf"{name}_forward\(\): x must be a float32 or float64 array, got dtype int64"):
        forward(np.arange(12).reshape(3, 4), *args)
    with pytest.raises(TypeError, match=rf"{name}_backward\(\): x must be a float32 or float64 array"):
        backward(np.ones((3, 4), np.float32), np.arange(12).reshape(3, 4), *args)
    with pytest.raises(ValueError, match=rf"{name}_backward\(\): the gradient of shape \(5, 4\) does not match"):
        backward(np.ones((5, 4), np.float32), x, *args)
    with pytest.raises(TypeError, match=rf"{name}_backward\(\): the gradient must be a float array"):
        backward(np.ones((3, 4), np.int64), x, *args)
    if name == "maxout":
        return
    read_only = np.empty_like(x)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match=rf"{name}_forward\(\): out \(shape \(3, 4\)\) is read-only"):
        forward(x, *args, out=read_only)
    with pytest.raises(TypeError, match=rf"{name}_forward\(\): out is float64 but the input is float32"):
        forward(x, *args, out=np.empty((3, 4)))
    with pytest.raises(ValueError, match=rf"{name}_forward\(\): out has shape \(4, 3\)"):
        forward(x, *args, out=np.empty((4, 3), np.float32))


def test_prelu_and_norm_kernels_check_their_parameters():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(TypeError, match=r"prelu_forward\(\): weight must be a float array"):
        backend.prelu_forward(x, np.ones(3, np.int64))
    with pytest.raises(TypeError, match=r"prelu_backward\(\): x must be a float32"):
        backend.prelu_backward(x, x.astype(np.int64), np.ones(3, np.float32))
    x4 = np.ones((2, 3, 1, 4), np.float32)
    w = np.ones((3, 1, 1), np.float32)
    y, mean, var, rstd = backend.norm_forward(x4, w, w, 1e-5)
    with pytest.raises(ValueError, match=r"norm_apply\(\): mean has shape \(2,\); expected \(3,\)"):
        backend.norm_apply(x4, w, w, mean[:2], rstd)  # a shorter mean would be read past its end
    with pytest.raises(ValueError, match=r"norm_backward\(\): rstd has shape \(4,\)"):
        backend.norm_backward(x4, x4, w, mean, np.ones(4))
    with pytest.raises(ValueError, match=r"norm_backward\(\): the gradient has shape \(2, 3, 1, 3\)"):
        backend.norm_backward(x4[..., :3], x4, w, mean, rstd)
    with pytest.raises(TypeError, match=r"norm_forward\(\): x must be a float32 or float64 array"):
        backend.norm_forward(x4.astype(np.int64), w, w, 1e-5)
    with pytest.raises(ValueError, match=r"norm_forward\(\): weight of shape \(2, 1, 1\) does not fit"):
        backend.norm_forward(x4, w[:2], w, 1e-5)


# ================================================================================================
# Items 3, 4 and 13: softmax, log_softmax and cross-entropy on masked, huge and non-finite rows
# ================================================================================================

FMIN = float(np.finfo(np.float32).min)
ROWS = {
    "-inf logit": [[0.0, -INF, 1.0], [2.0, 0.5, -INF]],
    "masked with finfo.min": [[FMIN, FMIN, FMIN], [FMIN, 0.0, FMIN]],
    "large equal maximum": [[1e16, 1e16, 0.0], [-3.0, 1e16, 1e16]],
    "+inf": [[INF, 0.0, 1.0], [0.0, 1.0, 2.0]],
    "NaN": [[NAN, 0.0, 1.0], [0.0, 1.0, 2.0]],
    "all -inf": [[-INF, -INF, -INF], [0.0, 1.0, 2.0]],
    "finfo.max": [[3e38, 3e38, 3e38], [0.0, 1.0, 2.0]],
}


@pytest.mark.parametrize("rows", list(ROWS), ids=str)
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_family_on_extreme_rows_matches_torch(rows, op):
    ours, theirs = _grads(lambda t, lib: getattr(lib.nn.functional, op)(t, dim=1), ROWS[rows])
    _same(ours, theirs)


@pytest.mark.parametrize("rows", list(ROWS), ids=str)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_on_extreme_rows_matches_torch(rows, smoothing):
    target = [2, 0] if rows == "-inf logit" else [0, 1]
    ours, theirs = _grads(
        lambda t, lib: lib.nn.functional.cross_entropy(t, lib.tensor(target), label_smoothing=smoothing),
        ROWS[rows],
    )
    if smoothing and rows == "masked with finfo.min":
        # eps/C sum_j log p_j = -6.8e38 / 30 for [min, 0, min]: PyTorch sums the log p in float32 and
        # overflows to inf; minigrad sums in float64 and gets the float64 answer, 1.6e38
        theirs = _grads(
            lambda t, lib: lib.nn.functional.cross_entropy(t, lib.tensor(target), label_smoothing=smoothing),
            ROWS[rows],
            dtype=np.float64,
        )[1]
    _same(ours, theirs)


def test_cross_entropy_values_of_the_issue():
    loss = F.cross_entropy(mg.tensor([[0.0, -INF, 1.0]]), mg.tensor([0]))
    assert math.isfinite(loss.item()) and loss.item() == pytest.approx(1.3133, abs=1e-4)  # was NaN
    x = mg.tensor([[1e16, 1e16, 0.0]], requires_grad=True)
    loss = F.cross_entropy(x, mg.tensor([0]))
    loss.backward()
    assert loss.item() == pytest.approx(math.log(2), rel=1e-6)  # was 0
    np.testing.assert_allclose(x.grad.numpy(), [[-0.5, 0.5, 0.0]], atol=1e-7)  # was [0, 1, 0]
    np.testing.assert_allclose(F.log_softmax(mg.full((1, 3), FMIN), dim=1).numpy(), [[-math.log(3)] * 3], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_masked_rows_in_the_parallel_kernels_agree_with_the_serial_ones(dtype):
    from minigrad.backends.cpu import softmax_kernels as sk

    rng = np.random.default_rng(3)
    x = rng.standard_normal((7000, 11)).astype(dtype)  # 77,000 elements: the parallel size
    x[::3, 4] = -np.inf
    x[1::7] = np.finfo(dtype).min
    x[2::11, :2] = 1e16
    t = rng.integers(0, 11, 7000)
    t[::3] = 0
    for pair, args in ((sk._softmax, ()), (sk._log_softmax, ())):
        outs = [np.empty_like(x), np.empty_like(x)]
        for variant, out in zip(pair, outs):
            variant(x, *args, out)
        np.testing.assert_array_equal(outs[0], outs[1])
        assert np.isfinite(outs[0]).all() or pair is sk._log_softmax
    losses = []
    for variant in sk._ce:
        logp, loss = np.empty_like(x), np.empty(7000, dtype)
        variant(x, t, -100, 0.0, logp, loss)
        losses.append(loss)
    np.testing.assert_array_equal(losses[0], losses[1])
    expected = TF.cross_entropy(torch.tensor(x), torch.tensor(t), reduction="none").numpy()
    np.testing.assert_allclose(losses[0], expected, rtol=1e-5, atol=1e-5)


# ---- item 13: NaN into max() / maximum ------------------------------------------------------------


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_and_min_of_a_tensor_with_nan_share_the_gradient_among_the_nans(op):
    ours, theirs = _grads(lambda t, lib: getattr(t, op)(), [1.0, NAN, 3.0, NAN, -2.0])
    _same(ours, theirs)
    ours, theirs = _grads(lambda t, lib: getattr(t, op)(1)[0], [[1.0, NAN, 3.0], [4.0, 2.0, 4.0]])
    _same(ours, theirs)  # along a dim: the first NaN takes it


@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_and_amin_with_nan_follow_torch(op):
    ours, theirs = _grads(lambda t, lib: getattr(t, op)(1), [[1.0, NAN, 3.0], [4.0, 2.0, 4.0]])
    _same(ours, theirs)  # PyTorch: NaN gradient in the NaN row, ties split


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_and_minimum_send_the_gradient_where_torch_does_with_nan(op):
    a = np.array([1.0, NAN, NAN, 2.0, 5.0, -1.0], np.float32)
    b = np.array([NAN, 1.0, NAN, 2.0, 3.0, 0.0], np.float32)
    check_against_torch(lambda x, y: getattr(mg, op)(x, y), lambda x, y: getattr(torch, op)(x, y), a, b)


# ================================================================================================
# Item 7: inplace activations on strided and read-only tensors
# ================================================================================================

INPLACE = [
    ("relu_", lambda f, t: f.relu_(t)),
    ("leaky_relu_", lambda f, t: f.leaky_relu_(t, 0.2)),
    ("elu_", lambda f, t: f.elu_(t)),
    ("selu_", lambda f, t: f.selu_(t)),
    ("celu_", lambda f, t: f.celu_(t, 0.5)),
    ("hardtanh_", lambda f, t: f.hardtanh_(t, -0.5, 0.5)),
    ("relu6", lambda f, t: f.relu6(t, inplace=True)),
    ("silu", lambda f, t: f.silu(t, inplace=True)),
    ("mish", lambda f, t: f.mish(t, inplace=True)),
    ("hardsigmoid", lambda f, t: f.hardsigmoid(t, inplace=True)),
    ("hardswish", lambda f, t: f.hardswish(t, inplace=True)),
]


@pytest.mark.parametrize("name,fn", INPLACE, ids=[n for n, _ in INPLACE])
@pytest.mark.parametrize("view", ["transposed", "every other column"])
def test_inplace_activation_on_a_strided_view_writes_through_to_its_base(name, fn, view):
    base = np.linspace(-4, 4, 24).astype(np.float32).reshape(4, 6)
    pick = (lambda t: t.transpose(0, 1)) if view == "transposed" else (lambda t: t[:, ::2])
    ours, theirs = mg.tensor(base), torch.tensor(base)
    with mg.no_grad():
        out = fn(F, pick(ours))
    expected = fn(TF, pick(theirs))
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)  # the base changed too


@pytest.mark.parametrize("name,fn", INPLACE[:3], ids=[n for n, _ in INPLACE[:3]])
def test_inplace_activation_on_read_only_memory_raises(name, fn):
    frozen = np.linspace(-1, 1, 6).astype(np.float32)
    frozen.flags.writeable = False
    with pytest.raises(RuntimeError, match=r"inplace=True\): the input of shape \(6,\) is read-only.*clone"):
        fn(F, mg.from_numpy(frozen))
    with pytest.raises(RuntimeError, match="read-only"):
        fn(F, mg.ones(1, 3).expand(2, 3))
    with pytest.raises(RuntimeError):  # PyTorch refuses the expanded tensor too
        fn(TF, torch.ones(1, 3).expand(2, 3))


def test_inplace_relu_of_an_int_tensor_is_in_place():
    x = mg.tensor([-2, 3, -1])
    assert F.relu_(x) is x and x.tolist() == [0, 3, 0]


# ================================================================================================
# Item 8: nll_loss with a negative target
# ================================================================================================


@pytest.mark.parametrize("bad", [-1, -5, 4])
def test_nll_loss_refuses_targets_out_of_range_like_torch(bad):
    logp = np.log(np.full((3, 4), 0.25, np.float32))
    target = [0, bad, 2]
    with pytest.raises(IndexError):
        TF.nll_loss(torch.tensor(logp), torch.tensor(target))
    with pytest.raises(IndexError, match=rf"nll_loss: target {bad} is out of bounds for 4 classes"):
        F.nll_loss(mg.tensor(logp), mg.tensor(target))
    check_against_torch(  # ignore_index=-1 makes -1 legal, in both
        lambda x: F.nll_loss(x, mg.tensor([0, -1, 2]), ignore_index=-1),
        lambda x: TF.nll_loss(x, torch.tensor([0, -1, 2]), ignore_index=-1),
        logp,
    )


# ================================================================================================
# Item 10: std of a constant, and statistics of values near 1e19
# ================================================================================================


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_std_of_a_constant_has_gradient_zero(dtype):
    x = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]], dtype)
    check_against_torch(lambda t: t.std(), lambda t: t.std(), x[:1])
    check_against_torch(lambda t: t.std(dim=1), lambda t: t.std(dim=1), x)
    check_against_torch(lambda t: t.std(dim=1, correction=0), lambda t: t.std(dim=1, correction=0), x)


@pytest.mark.parametrize("scale", [1e17, 1e19, 3e19, 1e30])
def test_float32_std_and_var_do_not_overflow_where_the_result_fits(scale):
    x = np.array([1.0, -1.0, 0.5, 0.25], np.float32) * np.float32(scale)
    ours, theirs = _grads(lambda t, lib: t.std(), x)
    _same(ours, theirs, rtol=1e-5)
    var = mg.tensor(x).var().item()
    expected = torch.tensor(x).var().item()  # inf where the true variance does not fit in float32
    assert var == pytest.approx(expected, rel=1e-5) or (math.isinf(var) and math.isinf(expected))


NORMS = {
    "layer_norm": (lambda t, lib: lib.nn.functional.layer_norm(t, (4,)), (3, 4)),
    "batch_norm": (lambda t, lib: lib.nn.functional.batch_norm(t, None, None, training=True), (4, 3)),
    "group_norm": (lambda t, lib: lib.nn.functional.group_norm(t, 2, eps=1e-5), (2, 4, 3)),
    "instance_norm": (lambda t, lib: lib.nn.functional.instance_norm(t), (2, 3, 4)),
}


@pytest.mark.parametrize("name", list(NORMS))
@pytest.mark.parametrize("scale", [1e19, 5e19, 1e37])
def test_float32_normalisations_of_huge_values_are_right(name, scale):
    fn, shape = NORMS[name]
    x = (np.random.default_rng(1).standard_normal(shape) * scale).astype(np.float32)
    ours, _ = _grads(fn, x)
    if scale <= 1e19:  # PyTorch is right up to ~1e19, and there the two agree
        _, theirs = _grads(fn, x)
        _same(ours, theirs, rtol=2e-4, atol=2e-5)
    ref, _ = _grads(fn, x, dtype=np.float64)  # float64 squares reach 1e308: exact here
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-4, atol=2e-5)
    np.testing.assert_allclose(ours[1] * scale, ref[1] * scale, rtol=1e-3, atol=2e-5)  # dL/dx ~ 1/scale


def test_batch_norm_running_statistics_of_huge_values():
    x = (np.random.default_rng(2).standard_normal((8, 3)) * 1e19).astype(np.float32)
    x[:2] = [[2.5e19], [-2e19]]  # squares of x - x[0] overflow float32; the variance (~1e38) does not
    bn = nn.BatchNorm1d(3)
    bn(mg.tensor(x))
    mean = x.astype(np.float64).mean(0)
    var = x.astype(np.float64).var(0, ddof=1)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * var, rtol=1e-5)


# ================================================================================================
# Item 12: silent dtype and range oddities
# ================================================================================================


def test_uint64_values_beyond_int64_are_refused():
    with pytest.raises(OverflowError, match=r"tensor\(\): the uint64 value 18446744073709551615 does not fit"):
        mg.tensor(np.uint64(2**64 - 1))
    with pytest.raises(OverflowError, match="does not fit in minigrad.int64"):
        mg.tensor(np.array([1, 2**63], np.uint64))
    with pytest.raises(OverflowError, match=r"tensor\(\): a value of .* does not fit in minigrad.int64"):
        mg.tensor([2**64 - 1])
    with pytest.raises(OverflowError, match=r"tensor\(\): a value of .* does not fit in minigrad.int64"):
        mg.tensor(2**63, dtype=mg.int64)
    for data in ([1, 2**63], [[2**70]], 2**64):  # NumPy would infer float64 or object
        with pytest.raises((OverflowError, RuntimeError, ValueError)):  # "Overflow when unpacking long"
            torch.tensor(data)
        with pytest.raises(OverflowError, match=r"tensor\(\): a value of .* does not fit in minigrad.int64"):
            mg.tensor(data)
    assert mg.tensor([1, 2.5]).dtype == mg.float32 and mg.tensor([True, 2]).dtype == mg.int64
    small = np.array([0, 7, 2**63 - 1], np.uint64)
    assert mg.tensor(small).tolist() == torch.tensor(small.astype(np.int64)).tolist()


def test_dropout_of_int_tensors_follows_torch():
    x = np.arange(5)
    with pytest.raises(RuntimeError):
        TF.dropout(torch.tensor(x), 0.5)
    with pytest.raises(TypeError, match=r"dropout: input is int64.*\.float\(\)"):
        F.dropout(mg.tensor(x), 0.5)
    for p, training in ((0.0, True), (0.5, False), (1.0, True)):
        ours = F.dropout(mg.tensor(x), p, training=training)
        theirs = TF.dropout(torch.tensor(x), p, training=training)
        assert ours.dtype == mg.int64 and ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("kwargs", [{"min": 0.5}, {"max": 2.5}, {"min": 1, "max": 2.5}, {"min": 1}, {"max": 3}])
def test_clamp_of_an_int_tensor_promotes_like_torch(kwargs):
    ours, theirs = mg.arange(5).clamp(**kwargs), torch.arange(5).clamp(**kwargs)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_avg_pool2d_divisor_override():
    x = np.random.default_rng(0).standard_normal((1, 1, 4, 4)).astype(np.float32)
    with pytest.raises(RuntimeError):
        TF.avg_pool2d(torch.tensor(x), 2, divisor_override=0)
    with pytest.raises(RuntimeError, match="avg_pool2d: divisor_override must not be zero"):
        F.avg_pool2d(mg.tensor(x), 2, divisor_override=0)
    check_against_torch(
        lambda t: F.avg_pool2d(t, 2, divisor_override=3), lambda t: TF.avg_pool2d(t, 2, divisor_override=3), x
    )


@pytest.mark.parametrize("dim", [5, 3, -4, 2, -3, 0])
def test_stack_checks_dim_like_torch(dim):
    parts = [np.full((2, 3), i, np.float32) for i in range(2)]
    try:
        expected = torch.stack([torch.tensor(p) for p in parts], dim=dim).numpy()
    except IndexError:
        with pytest.raises(IndexError, match=r"stack: dimension out of range \(expected to be in range of \[-3, 2\]"):
            mg.stack([mg.tensor(p) for p in parts], dim=dim)
        return
    np.testing.assert_array_equal(mg.stack([mg.tensor(p) for p in parts], dim=dim).numpy(), expected)


@pytest.mark.parametrize("op", ["sum", "mean", "var", "std", "amax"])
@pytest.mark.parametrize("dim", [[], ()])
@pytest.mark.parametrize("keepdim", [False, True])
def test_an_empty_dim_list_reduces_every_dim(op, dim, keepdim):
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    reduce = lambda t: getattr(t, op)(dim, keepdim=keepdim)  # the same call in both
    spread = op in ("var", "std")  # PyTorch's backward of var(dim=[]) divides by n - 1 with n = 1: inf
    check_against_torch(reduce, reduce, x, grad=not spread)
    if spread:
        gradcheck(reduce, x)


@pytest.mark.parametrize("shape,correction", [((0,), 1), ((0,), 0), ((1,), 1), ((2,), 3), ((2, 0), 1)])
def test_var_with_too_few_values_is_nan_like_torch(shape, correction):
    x = np.ones(shape, np.float32)
    ours = mg.tensor(x).var(correction=correction).numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about the degrees of freedom
        theirs = torch.tensor(x).var(correction=correction).numpy()
    np.testing.assert_array_equal(ours, theirs)  # NaN, not -0.0


def test_conv2d_refuses_mixed_dtypes_like_torch():
    x = np.ones((1, 1, 3, 3))
    w = np.ones((1, 1, 2, 2), np.float32)
    for xd, wd in ((np.float64, np.float32), (np.int64, np.float32), (np.float32, np.float64)):
        with pytest.raises(RuntimeError):
            TF.conv2d(torch.tensor(x.astype(xd)), torch.tensor(w.astype(wd)))
        with pytest.raises(TypeError, match=rf"conv2d: input is {np.dtype(xd)} but weight is {np.dtype(wd)}"):
            F.conv2d(mg.tensor(x.astype(xd)), mg.tensor(w.astype(wd)))
    with pytest.raises(TypeError, match="conv2d: input is float32 but bias is float64"):
        F.conv2d(mg.tensor(x.astype(np.float32)), mg.tensor(w), mg.zeros(1, dtype=mg.float64))
    ints = F.conv2d(mg.tensor(x.astype(np.int64)), mg.tensor(w.astype(np.int64)))  # one dtype: fine, as in torch
    assert ints.tolist() == TF.conv2d(torch.tensor(x).long(), torch.tensor(w).long()).tolist()


@pytest.mark.parametrize("opt", ["SGD", "Adam", "AdamW"])
@pytest.mark.parametrize("lr", [NAN, -0.1])
def test_optimizers_refuse_a_nan_or_negative_learning_rate(opt, lr):
    with pytest.raises(ValueError, match=rf"{opt}: invalid lr={lr}"):
        getattr(optim, opt)([nn.Parameter(mg.zeros(2))], lr=lr)
    if opt != "SGD" or lr < 0:  # PyTorch's SGD accepts lr=nan (then every weight becomes NaN): we refuse it
        with pytest.raises(ValueError):
            getattr(torch.optim, opt)([torch.zeros(2, requires_grad=True)], lr=lr)


@pytest.mark.parametrize("eps,training", [(0.0, True), (-1.0, True), (-1.0, False), (0.0, False), (1e-3, True)])
def test_batch_norm_eps_is_checked_like_torch(eps, training):
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    rm, rv = np.zeros(3, np.float32), np.ones(3, np.float32)
    try:
        expected = TF.batch_norm(torch.tensor(x), torch.tensor(rm), torch.tensor(rv), training=training, eps=eps)
    except ValueError as e:
        with pytest.raises(ValueError, match=str(e)):
            F.batch_norm(mg.tensor(x), mg.tensor(rm), mg.tensor(rv), training=training, eps=eps)
        return
    out = F.batch_norm(mg.tensor(x), mg.tensor(rm), mg.tensor(rv), training=training, eps=eps)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


def test_batch_norm_module_with_eps_zero_fails_when_it_trains_like_torch():
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    for lib, module in ((torch, torch.nn.BatchNorm1d(3, eps=0)), (mg, nn.BatchNorm1d(3, eps=0))):
        with pytest.raises(ValueError, match="batch_norm eps must be positive during training, but got 0"):
            module(lib.tensor(x))
        module.eval()
        module(lib.tensor(x))  # eps = 0 is allowed with the running statistics


def test_standard_scaler_on_features_near_1e200():
    rng = np.random.default_rng(0)
    small = rng.standard_normal((50, 3)) * [1.0, 3.0, 0.5] + [2.0, -1.0, 0.0]
    big = small * 2.0**660  # ~1e200: the squares overflow float64
    scaler = preprocessing.StandardScaler().fit(big)
    assert np.isfinite(scaler.scale_).all() and (scaler.scale_ > 1e190).all()  # not "constant" (scale 1)
    expected = preprocessing.StandardScaler().fit_transform(small)  # the same data, scaled down exactly
    np.testing.assert_allclose(scaler.transform(big), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(big)), big, rtol=1e-12)
    constant = np.full((5, 1), 1e200)
    assert preprocessing.StandardScaler().fit(constant).scale_.tolist() == [1.0]


# ================================================================================================
# Unclear errors: each names the op, the argument and what was expected
# ================================================================================================

X4 = np.ones((1, 1, 4, 4), np.float32)
W4 = np.ones((1, 1, 2, 2), np.float32)
BAD_GEOMETRY = [
    ("conv2d", {"stride": 0}, "stride must be positive, got \\(0, 0\\)"),
    ("conv2d", {"stride": (1, -1)}, "stride must be positive"),
    ("conv2d", {"padding": -1}, "padding must be non-negative, got \\(-1, -1\\)"),
    ("conv2d", {"dilation": 0}, "dilation must be positive"),
    ("conv2d", {"weight": np.ones((1, 1, 0, 2), np.float32)}, "kernel size must be positive"),
    ("max_pool2d", {"kernel_size": 2, "stride": 0}, "stride must be positive"),
    ("max_pool2d", {"kernel_size": 0}, "kernel_size must be positive"),
    ("max_pool2d", {"kernel_size": -1}, "kernel_size must be positive"),
    ("max_pool2d", {"kernel_size": 2, "padding": -1}, "padding must be non-negative"),
    ("max_pool2d", {"kernel_size": 2, "dilation": 0}, "dilation must be positive"),
    ("avg_pool2d", {"kernel_size": 0}, "kernel_size must be positive"),
    ("avg_pool2d", {"kernel_size": 2, "stride": 0}, "stride must be positive"),
]


@pytest.mark.parametrize("op,kwargs,message", BAD_GEOMETRY)
def test_bad_conv_and_pool_geometry_is_a_clear_error(op, kwargs, message):
    def call(lib, f):
        kw = dict(kwargs)
        if op == "conv2d":
            w = kw.pop("weight", W4)
            return f.conv2d(lib.tensor(X4), lib.tensor(w), **kw)
        return getattr(f, op)(lib.tensor(X4), **kw)

    with pytest.raises(RuntimeError):
        call(torch, TF)
    with pytest.raises(RuntimeError, match=f"{op}: {message}"):
        call(mg, F)


@pytest.mark.parametrize("args", [(0, 5, 0), (0.0, 1.0, 0.0), (0, 5, -1), (0, INF), (0, NAN), (5, 0, 1)])
def test_arange_refuses_what_torch_refuses(args):
    with pytest.raises(RuntimeError):
        torch.arange(*args)
    with pytest.raises(RuntimeError, match=r"arange\(\): cannot go from"):
        mg.arange(*args)


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,dim", [((3, 0), 1), ((0, 3), 1), ((0, 3), 0), ((2, 0, 4), 2), ((2, 0, 4), 1)])
def test_softmax_over_empty_shapes_is_empty_like_torch(op, shape, dim):
    x = np.zeros(shape, np.float32)
    out = check_against_torch(lambda t: getattr(F, op)(t, dim=dim), lambda t: getattr(TF, op)(t, dim=dim), x)
    assert out[0].shape == shape


@pytest.mark.parametrize("op", ["max_pool2d", "avg_pool2d"])
def test_pooling_a_batch_of_zero_images_is_empty_like_torch(op):
    x = np.zeros((0, 2, 4, 4), np.float32)
    out = check_against_torch(lambda t: getattr(F, op)(t, 2), lambda t: getattr(TF, op)(t, 2), x)
    assert out[0].shape == (0, 2, 2, 2)


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4), (2, 3, 4, 5), ()])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_without_dim_picks_torchs_implicit_dim_and_warns(shape, op):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {op}"):
        ours = getattr(F, op)(mg.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(TF, op)(torch.tensor(x), dim=None)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    with pytest.raises(TypeError, match=rf"{op}\(\): dim must be an int, got \(0, 1\)"):
        getattr(F, op)(mg.tensor(x), dim=(0, 1))


def test_cat_of_zero_dimensional_tensors_is_refused_like_torch():
    for parts in ([1.0, 2.0], [[1.0, 2.0], 3.0]):
        with pytest.raises(RuntimeError, match="zero-dimensional tensor"):
            torch.cat([torch.tensor(p) for p in parts])
        with pytest.raises(RuntimeError, match=r"cat: zero-dimensional tensor \(at position \d\) cannot be"):
            mg.cat([mg.tensor(p) for p in parts])


@pytest.mark.parametrize("fn", [lambda t: t * 1j, lambda t: 1j * t, lambda t: t + (1 + 2j), lambda t: t**1j,
                                lambda t: t / np.complex64(1j), lambda t: mg.maximum(t, 1j)])  # fmt: skip
def test_complex_scalars_are_a_clear_error(fn):
    with pytest.raises(TypeError, match="complex numbers are not supported"):
        fn(mg.ones(2))
