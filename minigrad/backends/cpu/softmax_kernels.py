"""Fused row-wise kernels: log-softmax, softmax and softmax cross-entropy, forward and backward.

Each row of an (N, C) array is independent, so rows run in parallel (``prange``) and every row
writes only its own output. Stability: with m = max_j x_j,

    log_softmax(x)_j = x_j - m - log(sum_k exp(x_k - m))

never exponentiates anything above 0, so logits of 1e4 are fine. The sums accumulate in float64.
"""

import math

import numpy as np

from minigrad.backends.cpu.jit import pick, prange, serial_and_parallel

KERNELS = (
    "log_softmax_forward",
    "log_softmax_backward",
    "softmax_forward",
    "softmax_backward",
    "cross_entropy_forward",
    "cross_entropy_backward",
)


def _row_log_softmax(x, out):
    n, c = x.shape
    for i in prange(n):
        m = -np.inf
        for j in range(c):
            if x[i, j] > m:
                m = x[i, j]
        if m == -np.inf or m == np.inf:
            m = 0.0  # all -inf (or an inf): no shift, let the arithmetic give -inf/nan like PyTorch
        s = 0.0
        for j in range(c):
            s += math.exp(x[i, j] - m)
        lse = m + math.log(s)
        for j in range(c):
            out[i, j] = x[i, j] - lse


def _row_softmax(x, out):
    n, c = x.shape
    for i in prange(n):
        m = -np.inf
        for j in range(c):
            if x[i, j] > m:
                m = x[i, j]
        if m == -np.inf or m == np.inf:
            m = 0.0
        s = 0.0
        for j in range(c):
            e = math.exp(x[i, j] - m)
            out[i, j] = e
            s += e
        for j in range(c):
            out[i, j] = out[i, j] / s


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
    # loss_i = -[(1 - eps) log p_{i,t_i} + eps/C sum_j log p_{i,j}]
    n, c = x.shape
    for i in prange(n):
        m = -np.inf
        for j in range(c):
            if x[i, j] > m:
                m = x[i, j]
        if m == -np.inf or m == np.inf:
            m = 0.0
        s = 0.0
        for j in range(c):
            s += math.exp(x[i, j] - m)
        lse = m + math.log(s)
        total = 0.0
        for j in range(c):
            v = x[i, j] - lse
            logp[i, j] = v
            total += v
        t = target[i]
        if t == ignore_index:
            loss[i] = 0.0
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


def _c(a):
    return np.ascontiguousarray(a)


def log_softmax_forward(x):
    """log_softmax over the last axis of a 2-D array."""
    x = _c(x)
    out = np.empty_like(x)
    pick(_log_softmax, x.size)(x, out)
    return out


def log_softmax_backward(grad, y):
    y, grad = _c(y), _c(grad)
    out = np.empty_like(y)
    pick(_log_softmax_bwd, y.size)(grad, y, out)
    return out


def softmax_forward(x):
    x = _c(x)
    out = np.empty_like(x)
    pick(_softmax, x.size)(x, out)
    return out


def softmax_backward(grad, y):
    y, grad = _c(y), _c(grad)
    out = np.empty_like(y)
    pick(_softmax_bwd, y.size)(grad, y, out)
    return out


def cross_entropy_forward(x, target, ignore_index, label_smoothing):
    """Per-row losses and the log-probabilities (kept for the backward pass) of (N, C) logits."""
    x = _c(x)
    logp = np.empty_like(x)
    loss = np.empty(x.shape[0], dtype=x.dtype)
    pick(_ce, x.size)(x, _c(target), ignore_index, float(label_smoothing), logp, loss)
    return loss, logp


def cross_entropy_backward(grad_rows, logp, target, ignore_index, label_smoothing):
    out = np.empty_like(logp)
    grad_rows = _c(grad_rows).astype(logp.dtype, copy=False)
    pick(_ce_bwd, logp.size)(grad_rows, logp, _c(target), ignore_index, float(label_smoothing), out)
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
