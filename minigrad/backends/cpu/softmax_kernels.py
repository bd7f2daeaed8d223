"""Fused row-wise kernels: log-softmax, softmax and softmax cross-entropy, forward and backward.

Each row of an (N, C) array is independent, so rows run in parallel (``prange``) and every row
writes only its own output. Stability: with m = max_j x_j and s = sum_k exp(x_k - m),

    softmax(x)_j     = exp(x_j - m) / s
    log_softmax(x)_j = (x_j - m) - log(s)

never exponentiates anything above 0 (logits of 1e4 are fine), and ``(x_j - m) - log s`` subtracts
the two parts separately: folding them into one ``m + log s`` first would lose log s next to a
large m (a row [1e16, 1e16, 0] has log s = log 2, below half an ulp of 1e16). s accumulates in
float64. One row helper, ``_exp_row``, computes m and s (and softmax's exponentials) for all
three forward kernels.

Non-finite rows follow PyTorch: a row holding NaN or +inf, or only -inf, gives NaN everywhere
(exp(inf - inf) is NaN, and the NaN reaches s); a -inf logit among finite ones has probability 0
and log-probability -inf.

The public wrappers at the end check every array before a kernel indexes it (shapes, dtypes, class
indices in range): a kernel reads raw memory, and a wrong size would read past the end.
"""

import math

import numba
import numpy as np

from minigrad.backends import checks
from minigrad.backends.cpu.jit import pick, prange, serial_and_parallel

KERNELS = (
    "log_softmax_forward",
    "log_softmax_backward",
    "softmax_forward",
    "softmax_backward",
    "cross_entropy_forward",
    "cross_entropy_backward",
)


# inline="always": Numba pastes the helper into each row loop, where a call per row cost 20% on
# short rows (65536 x 10), and the constant `keep` then drops the stores where they are not needed.
@numba.njit(inline="always", cache=True, nogil=True, error_model="numpy")
def _exp_row(x, e, keep):
    """(m, s) of one row: m = max_j x_j, s = sum_j exp(x_j - m) in float64; with keep, also
    e_j = exp(x_j - m) (softmax's output before the division).

    NaN entries never win the max (x_j > m is False), but exp(NaN - m) is NaN and so is s: the
    whole row becomes NaN, as in PyTorch. An all -inf row gives -inf - -inf = NaN too.
    """
    m = -np.inf
    for j in range(x.size):
        if x[j] > m:
            m = x[j]
    s = 0.0
    for j in range(x.size):
        v = math.exp(x[j] - m)
        if keep:
            e[j] = v
        s += v
    return m, s


def _row_softmax(x, out):
    for i in prange(x.shape[0]):
        _, s = _exp_row(x[i], out[i], True)
        r = 1.0 / s
        for j in range(x.shape[1]):
            out[i, j] = out[i, j] * r


def _row_log_softmax(x, out):
    for i in prange(x.shape[0]):
        m, s = _exp_row(x[i], out[i], False)
        log_s = math.log(s)
        for j in range(x.shape[1]):
            out[i, j] = (x[i, j] - m) - log_s


def _row_log_softmax_backward(grad, y, out):
    # d/dx_j of sum_k g_k y_k with y = log_softmax(x):  g_j - softmax_j * sum_k g_k
    n, c = y.shape
    for i in prange(n):
        s = 0.0
        for j in range(c):
            s += grad[i, j]
        for j in range(c):
            out[i, j] = grad[i, j] - math.exp(y[i, j]) * s


def _row_softmax_backward(grad, y, out):
    # y_j (g_j - sum_k g_k y_k)
    n, c = y.shape
    for i in prange(n):
        s = 0.0
        for j in range(c):
            s += grad[i, j] * y[i, j]
        for j in range(c):
            out[i, j] = y[i, j] * (grad[i, j] - s)


def _row_cross_entropy(x, target, ignore_index, smoothing, logp, loss):
    # loss_i = -[(1 - eps) log p_{i,t_i} + eps/C sum_j log p_{i,j}]; the eps term only when eps > 0,
    # because 0 * sum_j log p_{i,j} is NaN as soon as one logit is -inf (a masked class)
    n, c = x.shape
    for i in prange(n):
        m, s = _exp_row(x[i], logp[i], False)
        log_s = math.log(s)
        total = 0.0
        for j in range(c):
            v = (x[i, j] - m) - log_s
            logp[i, j] = v
            total += v
        t = target[i]
        if t == ignore_index:
            loss[i] = 0.0
        elif smoothing == 0.0:
            loss[i] = -logp[i, t]
        else:
            loss[i] = -((1.0 - smoothing) * logp[i, t] + smoothing / c * total)


def _row_cross_entropy_backward(grad_rows, logp, target, ignore_index, smoothing, out):
    # dloss_i/dx_ij = softmax_ij - [(1 - eps) [j == t_i] + eps / C]
    n, c = logp.shape
    for i in prange(n):
        t = target[i]
        g = grad_rows[i]
        if t == ignore_index:
            for j in range(c):
                out[i, j] = 0.0
            continue
        for j in range(c):
            out[i, j] = g * (math.exp(logp[i, j]) - smoothing / c)
        out[i, t] -= g * (1.0 - smoothing)


_log_softmax = serial_and_parallel(_row_log_softmax)
_softmax = serial_and_parallel(_row_softmax)
_log_softmax_bwd = serial_and_parallel(_row_log_softmax_backward)
_softmax_bwd = serial_and_parallel(_row_softmax_backward)
_ce = serial_and_parallel(_row_cross_entropy)
_ce_bwd = serial_and_parallel(_row_cross_entropy_backward)


def _rows(kernel, what, a):
    """A C-contiguous (rows, C) float array."""
    a = np.asarray(a)
    checks.floating(kernel, what, a)
    return np.ascontiguousarray(checks.ndim(kernel, what, a, 2, "(rows, C)"))


def _grad(kernel, grad, y):
    """The upstream gradient: y's shape, cast to y's dtype."""
    grad = np.asarray(grad)
    if grad.dtype.kind != "f":
        raise TypeError(f"{kernel}(): the gradient must be a float array, got dtype {grad.dtype}")
    checks.same_shape(kernel, "the gradient", grad, "the saved output", y)
    return np.ascontiguousarray(grad, dtype=y.dtype)


def _target(kernel, target, rows, classes, ignore_index):
    target = np.asarray(target)
    checks.class_indices(kernel, target, rows, classes, ignore_index)
    return np.ascontiguousarray(target, dtype=np.int64)


def log_softmax_forward(x):
    """log_softmax over the last axis of a 2-D array."""
    x = _rows("log_softmax_forward", "x", x)
    out = np.empty_like(x)
    pick(_log_softmax, x.size)(x, out)
    return out


def log_softmax_backward(grad, y):
    y = _rows("log_softmax_backward", "y", y)
    grad = _grad("log_softmax_backward", grad, y)
    out = np.empty_like(y)
    pick(_log_softmax_bwd, y.size)(grad, y, out)
    return out


def softmax_forward(x):
    x = _rows("softmax_forward", "x", x)
    out = np.empty_like(x)
    pick(_softmax, x.size)(x, out)
    return out


def softmax_backward(grad, y):
    y = _rows("softmax_backward", "y", y)
    grad = _grad("softmax_backward", grad, y)
    out = np.empty_like(y)
    pick(_softmax_bwd, y.size)(grad, y, out)
    return out


def cross_entropy_forward(x, target, ignore_index, label_smoothing):
    """Per-row losses and the log-probabilities (kept for the backward pass) of (N, C) logits.

    target: (N,) class indices in [0, C), or ignore_index (that row's loss is 0)."""
    name = "cross_entropy_forward"
    x = _rows(name, "logits", x)
    target = _target(name, target, x.shape[0], x.shape[1], ignore_index)
    smoothing = checks.probability(name, "label_smoothing", float(label_smoothing))
    logp = np.empty_like(x)
    loss = np.empty(x.shape[0], dtype=x.dtype)
    pick(_ce, x.size)(x, target, int(ignore_index), smoothing, logp, loss)
    return loss, logp


def cross_entropy_backward(grad_rows, logp, target, ignore_index, label_smoothing):
    """dloss/dx of (N, C) logits, from the saved log-probabilities; grad_rows: (N,), one per row."""
    name = "cross_entropy_backward"
    logp = _rows(name, "logp", logp)
    grad_rows = np.asarray(grad_rows)
    if grad_rows.dtype.kind != "f":
        raise TypeError(f"{name}(): grad_rows must be a float array, got dtype {grad_rows.dtype}")
    if grad_rows.shape != logp.shape[:1]:
        raise ValueError(f"{name}(): grad_rows has shape {grad_rows.shape}; expected ({logp.shape[0]},), one per row")
    grad_rows = np.ascontiguousarray(grad_rows, dtype=logp.dtype)
    target = _target(name, target, logp.shape[0], logp.shape[1], ignore_index)
    smoothing = checks.probability(name, "label_smoothing", float(label_smoothing))
    out = np.empty_like(logp)
    pick(_ce_bwd, logp.size)(grad_rows, logp, target, int(ignore_index), smoothing, out)
    return out


def warmup():
    for dtype in (np.float32, np.float64):
        for n in (2, 70000):  # both variants
            rows = max(n // 10, 1)
            x = np.linspace(-1, 1, rows * 10).astype(dtype).reshape(rows, 10)
            t = np.zeros(rows, dtype=np.int64)
            y = log_softmax_forward(x)
            log_softmax_backward(x, y)
            softmax_backward(x, softmax_forward(x))
            loss, logp = cross_entropy_forward(x, t, -100, 0.0)
            cross_entropy_backward(loss, logp, t, -100, 0.0)
