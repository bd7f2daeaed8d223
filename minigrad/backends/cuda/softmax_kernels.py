"""CUDA kernels of softmax, log-softmax and softmax cross-entropy, over the rows of an (N, C) array.

**One block per row.** The block's threads take the row's columns t, t + T, ... (coalesced); the
row's max and sums are block reductions (``blocks.block_reduce``). Stability as on the CPU: with
m = max_j x_j and s = sum_k exp(x_k - m), log_softmax(x)_j = (x_j - m) - log s never exponentiates
anything above 0, and keeps log s apart from a large m. The block has as many threads as the row has
columns, rounded up to a power of two, between a warp and THREADS: ten classes take one warp, not
256 mostly idle threads.

Non-finite rows as on the CPU and in PyTorch: a row holding NaN or +inf, or only -inf, is NaN
everywhere (exp(inf - inf) is NaN, and it reaches s); a -inf logit among finite ones has
probability 0 and log-probability -inf.

Unlike the CPU kernels (which compute these in float64), a float32 row is computed in float32, as
PyTorch does on a GPU (where float64 runs at a fraction of float32's speed on most cards).
"""

import math

import numpy as np
from numba import boolean, float32, float64, int64

from minigrad.backends.cuda.blocks import THREADS, block_reduce, cast, threads_for
from minigrad.backends.cuda.compiler import contiguous, cuda, device, kernel, xp

KERNELS = ("log_softmax_forward", "log_softmax_backward", "softmax_forward", "softmax_backward",
           "cross_entropy_forward", "cross_entropy_backward")  # fmt: skip


@device
def _row_sum(buf, v):
    return block_reduce(buf, v, False)


@device
def _max_and_sum(x, i, buf):
    """(m, s) of row i: m = max_j x[i, j], s = sum_j exp(x[i, j] - m), to every thread of the block."""
    m = cast(x, -math.inf)
    for j in range(cuda.threadIdx.x, x.shape[1], cuda.blockDim.x):
        m = x[i, j] if x[i, j] > m else m
    m = block_reduce(buf, m, True)
    s = cast(x, 0.0)
    for j in range(cuda.threadIdx.x, x.shape[1], cuda.blockDim.x):
        s += math.exp(x[i, j] - m)
    return m, _row_sum(buf, s)


@kernel
def _log_softmax(x, out):
    buf = cuda.shared.array(THREADS, x.dtype)
    i = cuda.blockIdx.x
    m, s = _max_and_sum(x, i, buf)
    log_s = math.log(s)
    for j in range(cuda.threadIdx.x, x.shape[1], cuda.blockDim.x):
        out[i, j] = (x[i, j] - m) - log_s


@kernel
def _softmax(x, out):
    buf = cuda.shared.array(THREADS, x.dtype)
    i = cuda.blockIdx.x
    m, s = _max_and_sum(x, i, buf)
    for j in range(cuda.threadIdx.x, x.shape[1], cuda.blockDim.x):
        out[i, j] = math.exp(x[i, j] - m) / s


@kernel
def _backward(g, y, log, out):
    """log_softmax: dx_j = g_j - exp(y_j) sum_k g_k;  softmax: dx_j = y_j (g_j - sum_k g_k y_k)."""
    buf = cuda.shared.array(THREADS, y.dtype)
    i = cuda.blockIdx.x
    s = cast(y, 0.0)
    for j in range(cuda.threadIdx.x, y.shape[1], cuda.blockDim.x):
        s += g[i, j] if log else g[i, j] * y[i, j]
    s = _row_sum(buf, s)
    for j in range(cuda.threadIdx.x, y.shape[1], cuda.blockDim.x):
        out[i, j] = g[i, j] - math.exp(y[i, j]) * s if log else y[i, j] * (g[i, j] - s)


@kernel
def _cross_entropy(x, target, ignore_index, smoothing, logp, loss):
    """loss_i = -[(1 - eps) log p_{i,t_i} + eps/C sum_j log p_{i,j}]; logp kept for the backward. The
    eps term only when eps > 0 (0 times the sum is NaN when a logit is -inf, a masked class). A target
    outside [0, C) (and not ignore_index) gives a NaN loss instead of reading out of bounds (the op
    raises before: ops/loss.py)."""
    buf = cuda.shared.array(THREADS, x.dtype)
    i = cuda.blockIdx.x
    C = x.shape[1]
    m, s = _max_and_sum(x, i, buf)
    log_s = math.log(s)
    total = cast(x, 0.0)
    for j in range(cuda.threadIdx.x, C, cuda.blockDim.x):
        v = (x[i, j] - m) - log_s
        logp[i, j] = v
        total += v
    total = _row_sum(buf, total)  # its barriers also make every logp[i, :] visible to thread 0
    if cuda.threadIdx.x == 0:
        t = target[i]
        if t == ignore_index:
            loss[i] = 0.0
        elif t < 0 or t >= C:
            loss[i] = math.nan
        elif smoothing == cast(x, 0.0):
            loss[i] = -logp[i, t]
        else:
            loss[i] = -((cast(x, 1.0) - smoothing) * logp[i, t] + smoothing / cast(x, C) * total)


@kernel
def _cross_entropy_backward(grad_rows, logp, target, ignore_index, smoothing, out):
    """dloss_i/dx_ij = g_i (softmax_ij - (1 - eps) [j == t_i] - eps / C)."""
    i = cuda.blockIdx.x
    C = logp.shape[1]
    t = target[i]
    g = grad_rows[i]
    bad = t != ignore_index and (t < 0 or t >= C)
    for j in range(cuda.threadIdx.x, C, cuda.blockDim.x):
        if t == ignore_index:
            out[i, j] = 0.0
        elif bad:
            out[i, j] = math.nan
        else:
            hit = (cast(logp, 1.0) - smoothing) if j == t else cast(logp, 0.0)
            out[i, j] = g * (math.exp(logp[i, j]) - smoothing / cast(logp, C) - hit)


def _rows(x, name):
    x = xp.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D (rows, classes) array, got shape {x.shape}")
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name}: expected float32 or float64, got {x.dtype}")
    return contiguous(x)


def _like(g, y, name):
    g = xp.asarray(g)
    if g.shape != y.shape:
        raise ValueError(f"{name}: gradient of shape {g.shape} for an output of shape {y.shape}")
    return contiguous(g.astype(y.dtype, copy=False))


def _targets(target, rows, name):
    t = xp.asarray(target)
    if t.shape != (rows,) or t.dtype.kind not in "iu":
        raise ValueError(f"{name}: expected {rows} integer class indices, got shape {t.shape} {t.dtype}")
    return contiguous(t.astype(np.int64, copy=False))


def _launch(k, x, *args):
    """One block per row of x (none for an empty array)."""
    if x.size:
        k[x.dtype, x.shape[0], threads_for(x.shape[1])](*args)


def log_softmax_forward(x2):
    """log_softmax over the last axis of a 2-D array."""
    x = _rows(x2, "log_softmax")
    out = xp.empty_like(x)
    _launch(_log_softmax, x, x, out)
    return out


def softmax_forward(x2):
    x = _rows(x2, "softmax")
    out = xp.empty_like(x)
    _launch(_softmax, x, x, out)
    return out


def log_softmax_backward(g2, y2):
    y = _rows(y2, "log_softmax backward")
    out = xp.empty_like(y)
    _launch(_backward, y, _like(g2, y, "log_softmax backward"), y, True, out)
    return out


def softmax_backward(g2, y2):
    y = _rows(y2, "softmax backward")
    out = xp.empty_like(y)
    _launch(_backward, y, _like(g2, y, "softmax backward"), y, False, out)
    return out


def cross_entropy_forward(x2, target, ignore_index, label_smoothing):
    """Per-row losses and the log-probabilities (kept for the backward pass) of (N, C) logits."""
    x = _rows(x2, "cross_entropy")
    t = _targets(target, x.shape[0], "cross_entropy")
    logp = xp.empty_like(x)
    loss = xp.empty(x.shape[0], x.dtype)
    if x.shape[1] == 0:
        loss[:] = np.nan
    eps = x.dtype.type(label_smoothing)
    _launch(_cross_entropy, x, x, t, int(ignore_index), eps, logp, loss)
    return loss, logp


def cross_entropy_backward(grad_rows, logp, target, ignore_index, label_smoothing):
    logp = _rows(logp, "cross_entropy backward")
    t = _targets(target, logp.shape[0], "cross_entropy backward")
    g = xp.asarray(grad_rows)
    if g.shape != (logp.shape[0],):
        raise ValueError(f"cross_entropy backward: expected {logp.shape[0]} row gradients, got shape {g.shape}")
    g = contiguous(g.astype(logp.dtype, copy=False))
    out = xp.empty_like(logp)
    eps = logp.dtype.type(label_smoothing)
    _launch(_cross_entropy_backward, logp, g, logp, t, int(ignore_index), eps, out)
    return out


def ptx_signatures(dtype):
    """(name, Kernel, numba argument types) of every kernel of this module for float `dtype`."""
    T = float32 if np.dtype(dtype) == np.float32 else float64
    m, v, t = T[:, ::1], T[::1], int64[::1]
    return [
        ("log_softmax", _log_softmax, (m, m)),
        ("softmax", _softmax, (m, m)),
        ("softmax_backward", _backward, (m, m, boolean, m)),
        ("cross_entropy", _cross_entropy, (m, t, int64, T, m, v)),
        ("cross_entropy_backward", _cross_entropy_backward, (v, m, t, int64, T, m)),
    ]
