"""The CUDA softmax, log-softmax and cross-entropy kernels (one block per row) and the SGD, Adam and
AdamW updates on the simulator, against the reference backend, float32 and float64: random rows
with a random upstream gradient, extreme logits, -inf, ignored and out-of-range targets, label
smoothing, empty inputs; several optimizer steps with every option."""

import numpy as np
import pytest

from tests.cuda.reference import REF, G
from tests.helpers import tolerances

DTYPES = [np.float32, np.float64]


def _close(actual, expected, dtype, what):
    np.testing.assert_allclose(actual, expected, **tolerances(dtype), err_msg=what)


def _logits(shape, dtype, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape) * 3
    x[0, 0] = 1e4  # would overflow exp without the max shift
    x[1, 1] = -np.inf  # a class with probability 0
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("classes", [5, 40])  # fewer and more classes than a block has threads
def test_softmax_family_matches_the_reference(classes, dtype):
    x = _logits((3, classes), dtype)
    g = np.random.default_rng(1).standard_normal(x.shape).astype(dtype)
    for fwd, bwd in (("softmax_forward", "softmax_backward"), ("log_softmax_forward", "log_softmax_backward")):
        y = getattr(G, fwd)(x)
        _close(y, getattr(REF, fwd)(x), dtype, fwd)
        _close(getattr(G, bwd)(g, y), getattr(REF, bwd)(g, y), dtype, bwd)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_matches_the_reference(smoothing, dtype):
    x = _logits((4, 6), dtype, seed=2)
    x[1, 1] = 0.0  # -inf logits with label smoothing give inf on both sides; keep the loss finite
    t = np.array([2, 1, -100, 5])
    loss, logp = G.cross_entropy_forward(x, t, -100, smoothing)
    rloss, rlogp = REF.cross_entropy_forward(x, t, -100, smoothing)
    _close(loss, rloss, dtype, "loss")
    _close(logp, rlogp, dtype, "logp")
    rows = np.random.default_rng(3).standard_normal(4).astype(dtype)
    got = G.cross_entropy_backward(rows, logp, t, -100, smoothing)
    _close(got, REF.cross_entropy_backward(rows, rlogp, t, -100, smoothing), dtype, "dx")
    assert (got[2] == 0).all()  # the ignored row


def test_a_bad_target_gives_nan_not_an_out_of_bounds_read():
    x = np.random.default_rng(6).standard_normal((2, 3)).astype(np.float32)
    loss, logp = G.cross_entropy_forward(x, np.array([7, 0]), -100, 0.0)
    assert np.isnan(loss[0]) and np.isfinite(loss[1])
    dx = G.cross_entropy_backward(np.ones(2, np.float32), logp, np.array([7, 0]), -100, 0.0)
    assert np.isnan(dx[0]).all() and np.isfinite(dx[1]).all()


def test_empty_rows_and_checks():
    assert G.softmax_forward(np.empty((0, 4), np.float32)).shape == (0, 4)
    loss, _ = G.cross_entropy_forward(np.empty((0, 4)), np.empty(0, np.int64), -100, 0.0)
    assert loss.shape == (0,)
    with pytest.raises(ValueError, match="2-D"):
        G.softmax_forward(np.ones(3))
    with pytest.raises(ValueError, match="integer class indices"):
        G.cross_entropy_forward(np.ones((2, 3)), np.zeros(3, np.int64), -100, 0.0)
    with pytest.raises(ValueError, match="gradient of shape"):
        G.softmax_backward(np.ones((2, 2)), np.ones((2, 3)))


def _state(dtype, n=13, seed=4):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(n).astype(dtype) for _ in range(2)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "momentum,dampening,weight_decay,nesterov", [(0.0, 0.0, 0.0, False), (0.9, 0.1, 0.01, False), (0.9, 0.0, 0.0, True)]
)
def test_sgd_steps_match_the_reference(momentum, dampening, weight_decay, nesterov, dtype):
    p, grad = _state(dtype)
    ours, ref = [p.copy(), np.zeros_like(p)], [p.copy(), np.zeros_like(p)]
    for step in range(3):
        g = grad * (step + 1)
        for backend, (param, buf) in ((G, ours), (REF, ref)):
            backend.sgd_step(param, g, buf if momentum else None, 0.1, momentum, dampening, weight_decay, nesterov,
                             step == 0)  # fmt: skip
    _close(ours[0], ref[0], dtype, "param")
    _close(ours[1], ref[1], dtype, "momentum buffer")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "weight_decay,decoupled,amsgrad", [(0.0, False, False), (0.1, False, True), (0.1, True, False)]
)
def test_adam_and_adamw_steps_match_the_reference(weight_decay, decoupled, amsgrad, dtype):
    p, grad = _state(dtype, seed=5)
    states = {b: [p.copy()] + [np.zeros_like(p) for _ in range(3)] for b in ("ours", "ref")}
    for step in range(1, 4):
        g = grad * np.float32(step) - p
        for name, backend in (("ours", G), ("ref", REF)):
            param, m, v, vmax = states[name]
            backend.adam_step(param, g, m, v, vmax if amsgrad else None, step, 1e-2, 0.9, 0.999, 1e-8, weight_decay,
                              decoupled, amsgrad)  # fmt: skip
    for a, b, what in zip(states["ours"], states["ref"], ("param", "exp_avg", "exp_avg_sq", "vmax")):
        _close(a, b, dtype, what)


def test_optimizer_checks():
    p = np.ones(4, np.float32)
    with pytest.raises(ValueError, match=r"sgd_step\(\): grad has shape \(3,\) but param has shape \(4,\)"):
        G.sgd_step(p, np.ones(3, np.float32), None, 0.1, 0.0, 0.0, 0.0, False, True)
    with pytest.raises(ValueError, match="contiguous"):
        G.sgd_step(np.ones(8, np.float32)[::2], np.ones(4, np.float32), None, 0.1, 0.0, 0.0, 0.0, False, True)
    with pytest.raises(ValueError, match=r"adam_step\(\): m has shape"):
        G.adam_step(p, p, np.zeros(3, np.float32), p, None, 1, 1e-3, 0.9, 0.999, 1e-8, 0.0, False, False)
