"""Fused Numba kernels shared by BatchNorm, LayerNorm, InstanceNorm, GroupNorm and RMSNorm.

All five are one operation (Wu & He 2018, figure 2): normalise a set of values with their own mean
and variance, then scale and shift. The ops (minigrad/ops/normalization.py) reshape their input,
without copying, into a 4-D view

    x4[p, q, k, s]      shape (P, Q, K, S)

in which group q (one mean, one variance) holds the P*K*S values x4[:, q, :, :], and the affine
parameters are a (Qw, K, Sw) array indexed by (q % Qw, k) and, when Sw == S, by s:

    BatchNorm    (N, C, H, W) -> (N, C, 1, H*W)        w: (C, 1, 1)       one group per channel
    InstanceNorm (N, C, H, W) -> (1, N*C, 1, H*W)      w: (C, 1, 1)       one group per (n, c)
    GroupNorm    (N, C, H, W) -> (1, N*G, C/G, H*W)    w: (G, C/G, 1)     one group per (n, g)
    LayerNorm    (..., D)     -> (1, rows, 1, D)        w: (1, 1, D)       one group per row
    RMSNorm      as LayerNorm, without subtracting the mean

Two kernels do the work, each in a serial and a parallel variant (picked by size):
- forward: per group, the statistics (one read of the group: sums of the values shifted by the
  group's first value, see minigrad/scalar_math_norm.py) and the normalisation (a second read, from
  cache, and one write). `norm_apply` is the second half alone, for fixed statistics (BatchNorm and
  InstanceNorm in eval mode).
- backward: per group, the two sums of the closed-form gradient (sum w g and sum w g xhat, and for a
  per-element affine the dweight/dbias partials, in the same read), then
  dx = rstd (w g - mean(w g) - xhat mean(w g xhat)) in a second pass from cache.
  The parallel loop runs over chunks of groups; each chunk adds its dweight/dbias partials into its
  own slice of a (chunks, Qw, K, Sw) buffer, summed afterwards (no two iterations write one element).

Numerics (docs/normalization.md, section 4): sums run in blocks of BLOCK values in x's dtype, added
into float64; the float64 mean is split into hi + lo in x's dtype so that (x - hi) - lo keeps the
centred value exact; reductions use fastmath={"reassoc", "contract"} so that LLVM vectorises them,
every other loop "contract" only; nnan/ninf are never set. The tests hold the results against
PyTorch and against float64 references, including badly conditioned inputs (mean 1e4, std 1e-2).
"""

import numpy as np
from numba import get_num_threads

from minigrad.backends.cpu.jit import kernel, pick, prange, serial_and_parallel
from minigrad.scalar_math_norm import (
    backward_coefficients,
    inv_std,
    moments_from_shifted_sums,
)

# Sums may be reordered (vectorised partial sums); loops without a reduction get "contract" only
# (fused multiply-add), because "reassoc" would be free to turn (x - hi) - lo into x - (hi + lo) and
# throw the low half of the mean away.
FASTMATH = {"reassoc", "contract"}
CONTRACT = {"contract"}

KERNELS = ("norm_forward", "norm_apply", "norm_backward")


# --------------------------------------------------------------------------------------------------
# Per-group bodies (called from the serial and the parallel loops below)
# --------------------------------------------------------------------------------------------------


@kernel(fastmath=CONTRACT)
def _round(v, cs, q, j):
    """v rounded to x's dtype, by a store into cs (a scratch array of x's dtype)."""
    cs[q, j] = v
    return cs[q, j]


@kernel(fastmath=CONTRACT)
def _split(mu, cs, q):
    """The float64 mean as hi + lo in x's dtype: (x - hi) - lo is the centred value x - mean to
    the accuracy of x's dtype, even where the mean is large (1e4) and the spread small (1e-2)."""
    cs[q, 0] = mu
    hi = cs[q, 0]
    cs[q, 1] = mu - hi
    return hi, cs[q, 1]


# Sums run along s in blocks of BLOCK values accumulated in x's dtype (vector lanes: 8 float32 lanes
# x 4-way unrolling = 32 partial sums of 8 values each), and each block's sum is added into a
# float64 accumulator. Summing 8 values in float32 loses nothing that matters (relative error
# ~8 * 6e-8 of the block's magnitude); float64 over the blocks keeps long rows exact enough; and
# the inner loop runs 3x faster than one that converts every value to float64.
BLOCK = 256


@kernel(fastmath=FASTMATH)
def _moments_run(x, p, q, k, shift):
    """sum(x - shift) and sum((x - shift)^2) along s of x4[p, q, k, :]."""
    S = x.shape[3]
    s1 = 0.0
    s2 = 0.0
    nb = S // BLOCK
    for j in range(nb):
        a = shift - shift
        b = shift - shift
        for s in range(j * BLOCK, (j + 1) * BLOCK):
            d = x[p, q, k, s] - shift
            a += d
            b += d * d
        s1 += a
        s2 += b
    for s in range(nb * BLOCK, S):
        d = x[p, q, k, s] - shift
        s1 += d
        s2 += d * d
    return s1, s2


@kernel(fastmath=CONTRACT)
def _group_moments(x, q, center, cs):
    """Mean and biased variance of group q of x4 (float64), from sums shifted by its first value."""
    P, _, K, S = x.shape
    shift = _round(0.0, cs, q, 0)
    if center:
        shift = x[0, q, 0, 0]
    s1 = 0.0
    s2 = 0.0
    for p in range(P):
        for k in range(K):
            a, b = _moments_run(x, p, q, k, shift)
            s1 += a
            s2 += b
    return moments_from_shifted_sums(float(shift), s1, s2, float(P * K * S), center)


@kernel(fastmath=CONTRACT)
def _apply_group(x, w, b, mu, r, y, cs, q):
    """y = (x - mu) * r * w + b over group q, in x's dtype with the mean split in hi + lo."""
    P, _, K, S = x.shape
    qm = q % w.shape[0]
    hi, lo = _split(mu, cs, q)
    if w.shape[2] == 1:
        # scale and shift constant along s: one scale a = r * w per (group, k)
        for k in range(K):
            a = _round(r * w[qm, k, 0], cs, q, 2)
            c = b[qm, k, 0]
            for p in range(P):
                for s in range(S):
                    y[p, q, k, s] = ((x[p, q, k, s] - hi) - lo) * a + c
    else:
        # scale and shift per element (LayerNorm, RMSNorm)
        rr = _round(r, cs, q, 2)
        for p in range(P):
            for k in range(K):
                for s in range(S):
                    y[p, q, k, s] = ((x[p, q, k, s] - hi) - lo) * rr * w[qm, k, s] + b[qm, k, s]


@kernel(fastmath=CONTRACT)
def _forward_group(x, w, b, eps, center, y, mean, var, rstd, cs, q):
    mu, v = _group_moments(x, q, center, cs)
    r = inv_std(v, eps)
    mean[q] = mu
    var[q] = v
    rstd[q] = r
    _apply_group(x, w, b, mu, r, y, cs, q)


@kernel(fastmath=FASTMATH)
def _grad_run(g, x, p, q, k, hi):
    """sum g and sum g (x - hi) along s of group q at (p, k) (blocks as in _moments_run)."""
    S = x.shape[3]
    sa = 0.0
    sh = 0.0
    nb = S // BLOCK
    for j in range(nb):
        a = hi - hi
        h = hi - hi
        for s in range(j * BLOCK, (j + 1) * BLOCK):
            gv = g[p, q, k, s]
            a += gv
            h += gv * (x[p, q, k, s] - hi)
        sa += a
        sh += h
    for s in range(nb * BLOCK, S):
        gv = g[p, q, k, s]
        sa += gv
        sh += gv * (x[p, q, k, s] - hi)
    return sa, sh


@kernel(fastmath=FASTMATH)
def _grad_run_w(g, x, w, q, k, hi, need_wgrad, rr, lorr, acc):
    """sum w g and sum w g (x - hi) along s of group q at k (P = 1, w per element).

    With need_wgrad, also adds g * xhat = g * ((x - hi) * rr - lo * rr) and g into acc[0], acc[1]
    (the dweight/dbias partials) in the same pass, while g and x are in registers.
    """
    S = x.shape[3]
    sa = 0.0
    sh = 0.0
    nb = S // BLOCK
    for j in range(nb):
        a = hi - hi
        h = hi - hi
        if need_wgrad:
            for s in range(j * BLOCK, (j + 1) * BLOCK):
                gv = g[0, q, k, s]
                xc = x[0, q, k, s] - hi
                gw = gv * w[0, k, s]
                a += gw
                h += gw * xc
                acc[0, k, s] += gv * (xc * rr - lorr)
                acc[1, k, s] += gv
        else:
            for s in range(j * BLOCK, (j + 1) * BLOCK):
                gw = g[0, q, k, s] * w[0, k, s]
                a += gw
                h += gw * (x[0, q, k, s] - hi)
        sa += a
        sh += h
    for s in range(nb * BLOCK, S):
        gv = g[0, q, k, s]
        xc = x[0, q, k, s] - hi
        gw = gv * w[0, k, s]
        sa += gw
        sh += gw * xc
        if need_wgrad:
            acc[0, k, s] += gv * (xc * rr - lorr)
            acc[1, k, s] += gv
    return sa, sh


@kernel(fastmath=CONTRACT)
def _backward_channel(g, x, w, mu, r, center, batch_stats, need_dx, need_wgrad, dx, pdw, pdb, sg, sh, cs, q):
    """Gradients of group q, affine constant along s (BatchNorm, InstanceNorm, GroupNorm).

    Adds the dweight/dbias partials into pdw/pdb (this chunk's slice); sg, sh: float64 scratch
    of length K for the per-k sums of g and g * xhat.
    """
    P, _, K, S = x.shape
    qm = q % w.shape[0]
    n = float(P * K * S)
    hi, lo = _split(mu, cs, q)
    sum_wg = 0.0
    sum_wgx = 0.0
    for k in range(K):
        a = 0.0
        h = 0.0
        for p in range(P):
            ap, hp = _grad_run(g, x, p, q, k, hi)
            a += ap
            h += hp
        sg[k] = a
        sh[k] = (h - lo * a) * r  # sum g * xhat, with x - mu = (x - hi) - lo
        sum_wg += w[qm, k, 0] * a
        sum_wgx += w[qm, k, 0] * sh[k]
    if need_wgrad:
        for k in range(K):
            pdw[qm, k, 0] += sh[k]
            pdb[qm, k, 0] += sg[k]
    if need_dx:
        m1, m2 = backward_coefficients(r, sum_wg, sum_wgx, n, center, batch_stats)
        bx = _round(-r * r * m2, cs, q, 2)
        c = _round(-r * m1, cs, q, 3)
        for k in range(K):
            a = _round(r * w[qm, k, 0], cs, q, 4)
            for p in range(P):
                for s in range(S):
                    dx[p, q, k, s] = g[p, q, k, s] * a + (((x[p, q, k, s] - hi) - lo) * bx + c)


@kernel(fastmath=CONTRACT)
def _backward_element(g, x, w, mu, r, center, batch_stats, need_dx, need_wgrad, dx, acc, cs, q):
    """Gradients of group q (P = 1), affine per element (LayerNorm, RMSNorm).

    First pass: the sums, and g * xhat and g added into acc[0], acc[1] (x's dtype, flushed into
    float64 every few groups); second pass (from cache): dx.
    """
    _, _, K, S = x.shape
    n = float(K * S)
    hi, lo = _split(mu, cs, q)
    rr = _round(r, cs, q, 2)
    lorr = _round(lo * r, cs, q, 3)
    sum_wg = 0.0
    sum_wgx = 0.0
    for k in range(K):
        a, h = _grad_run_w(g, x, w, q, k, hi, need_wgrad, rr, lorr, acc)
        sum_wg += a
        sum_wgx += h - lo * a
    if need_dx:
        m1, m2 = backward_coefficients(r, sum_wg, sum_wgx * r, n, center, batch_stats)
        bx = _round(-r * r * m2, cs, q, 3)
        c = _round(-r * m1, cs, q, 4)
        for k in range(K):
            for s in range(S):
                xc = (x[0, q, k, s] - hi) - lo
                dx[0, q, k, s] = g[0, q, k, s] * w[0, k, s] * rr + (xc * bx + c)


# Per-element dweight/dbias partials are summed in x's dtype over at most this many groups, then
# added into the float64 partials: a float32 sum of 8 terms loses nothing that matters, and the
# float64 read-modify-write per element (the slowest part of LayerNorm's backward) happens 8x less.
FLUSH_EVERY = 8


@kernel(fastmath=CONTRACT)
def _flush(acc, pdw, pdb):
    _, K, S = acc.shape
    for k in range(K):
        for s in range(S):
            pdw[0, k, s] += acc[0, k, s]
            pdb[0, k, s] += acc[1, k, s]
            acc[0, k, s] = 0
            acc[1, k, s] = 0


@kernel(fastmath=CONTRACT)
def _backward_chunk(
    g, x, w, mean, rstd, center, batch_stats, need_dx, need_wgrad, dx, pdw, pdb, sg, sh, acc, cs, q0, q1
):
    """Gradients of groups q0 .. q1-1, which add their dweight/dbias into this chunk's pdw, pdb."""
    if w.shape[2] == 1:
        for q in range(q0, q1):
            _backward_channel(
                g, x, w, mean[q], rstd[q], center, batch_stats, need_dx, need_wgrad,
                dx, pdw, pdb, sg, sh, cs, q,
            )  # fmt: skip
    else:
        if need_wgrad:
            acc[:] = 0
        for q in range(q0, q1):
            _backward_element(g, x, w, mean[q], rstd[q], center, batch_stats, need_dx, need_wgrad, dx, acc, cs, q)
            if need_wgrad and ((q - q0) % FLUSH_EVERY == FLUSH_EVERY - 1 or q == q1 - 1):
                _flush(acc, pdw, pdb)


# --------------------------------------------------------------------------------------------------
# The loops: over groups (forward) or over chunks of groups (backward), serial and parallel twins
# --------------------------------------------------------------------------------------------------


def _forward_loop(x, w, b, eps, center, y, mean, var, rstd, cs):
    for q in prange(x.shape[1]):
        _forward_group(x, w, b, eps, center, y, mean, var, rstd, cs, q)


def _apply_loop(x, w, b, mean, rstd, y, cs):
    for q in prange(x.shape[1]):
        _apply_group(x, w, b, mean[q], rstd[q], y, cs, q)


def _backward_loop(g, x, w, mean, rstd, center, batch_stats, need_dx, need_wgrad, dx, pdw, pdb, sg, sh, acc, cs):
    Q = x.shape[1]
    chunks = pdw.shape[0]
    for c in prange(chunks):
        _backward_chunk(
            g, x, w, mean, rstd, center, batch_stats, need_dx, need_wgrad,
            dx, pdw[c], pdb[c], sg[c], sh[c], acc[c], cs, c * Q // chunks, (c + 1) * Q // chunks,
        )  # fmt: skip


# (serial, parallel) twins of each loop nest
_forward = serial_and_parallel(_forward_loop, fastmath=CONTRACT)
_apply = serial_and_parallel(_apply_loop, fastmath=CONTRACT)
_backward = serial_and_parallel(_backward_loop, fastmath=CONTRACT)


# --------------------------------------------------------------------------------------------------
# Public wrappers
# --------------------------------------------------------------------------------------------------


def _as_view(x):
    if x.ndim != 4:
        raise ValueError(f"norm kernels take a 4-D (P, Q, K, S) view, got shape {x.shape}")
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"norm kernels take float32 or float64 arrays, got {x.dtype}")
    return np.ascontiguousarray(x)


def _as_affine(a, x):
    a = np.ascontiguousarray(a, dtype=x.dtype)
    if a.ndim != 3 or a.shape[1] != x.shape[2] or a.shape[2] not in (1, x.shape[3]):
        raise ValueError(f"affine array of shape {a.shape} does not fit the view {x.shape}")
    if a.shape[0] == 0 or x.shape[1] % a.shape[0] != 0:
        raise ValueError(f"affine array of shape {a.shape} does not fit the view {x.shape}")
    if a.shape[2] != 1 and (a.shape[0] != 1 or x.shape[0] != 1):
        raise ValueError(f"a per-element affine array {a.shape} needs a (1, Q, K, S) view, got {x.shape}")
    return a


def _scratch(x):
    """Per-group scratch of x's dtype, where the kernels round float64 coefficients (see _round)."""
    return np.empty((x.shape[1], 5), x.dtype)


def _variant(pair, x, parallel):
    """The serial or parallel twin: by size (jit.pick), or forced by parallel=True/False."""
    if parallel is None:
        return pick(pair, x.size) if x.shape[1] > 1 else pair[0]
    return pair[1] if parallel else pair[0]


def norm_forward(x, weight, bias, eps, center=True, parallel=None):
    """Statistics and normalisation of every group of the view x (P, Q, K, S).

    weight, bias: (Qw, K, 1) or (Qw, K, S) arrays (ones and zeros without affine), cast to x's dtype.
    Returns (y, mean, var, rstd): y like x; mean, biased var and rstd = 1/sqrt(var + eps) per group,
    float64 arrays of length Q. center=False gives RMSNorm (mean 0, var = mean of squares).
    """
    x = _as_view(x)
    weight = _as_affine(weight, x)
    bias = _as_affine(bias, x)
    Q = x.shape[1]
    y = np.empty_like(x)
    mean = np.empty(Q)
    var = np.empty(Q)
    rstd = np.empty(Q)
    if x.size == 0:  # no values: nothing to normalise (and no first value to shift by)
        mean[:] = var[:] = rstd[:] = np.nan
        return y, mean, var, rstd
    fn = _variant(_forward, x, parallel)
    fn(x, weight, bias, float(eps), bool(center), y, mean, var, rstd, _scratch(x))
    return y, mean, var, rstd


def norm_apply(x, weight, bias, mean, rstd, parallel=None):
    """y = (x - mean[q]) * rstd[q] * weight + bias with given statistics (eval-mode BatchNorm)."""
    x = _as_view(x)
    weight = _as_affine(weight, x)
    bias = _as_affine(bias, x)
    mean = np.ascontiguousarray(mean, dtype=np.float64)
    rstd = np.ascontiguousarray(rstd, dtype=np.float64)
    y = np.empty_like(x)
    if x.size == 0:
        return y
    fn = _variant(_apply, x, parallel)
    fn(x, weight, bias, mean, rstd, y, _scratch(x))
    return y


def norm_backward(
    grad, x, weight, mean, rstd, center=True, batch_stats=True, need_dx=True, need_wgrad=True, parallel=None
):
    """Gradients of y = (x - mean) * rstd * weight + bias for the view x (P, Q, K, S).

    batch_stats: the statistics were computed from x (training), so the gradient flows through
    them; False for fixed (running) statistics, where dx = rstd * weight * grad.
    Returns (dx or None, dweight or None, dbias or None); dweight and dbias are float64 arrays of
    the weight's (Qw, K, Sw) shape.
    """
    x = _as_view(x)
    grad = np.ascontiguousarray(grad, dtype=x.dtype)
    if grad.shape != x.shape:
        raise ValueError(f"gradient of shape {grad.shape} for a view of shape {x.shape}")
    weight = _as_affine(weight, x)
    mean = np.ascontiguousarray(mean, dtype=np.float64)
    rstd = np.ascontiguousarray(rstd, dtype=np.float64)
    if x.size == 0:
        zeros = np.zeros(weight.shape)
        return (np.empty_like(x) if need_dx else None), (zeros if need_wgrad else None), (zeros if need_wgrad else None)
    fn = _variant(_backward, x, parallel)
    chunks = max(1, min(get_num_threads(), x.shape[1])) if fn is _backward[1] else 1
    dx = np.empty_like(x) if need_dx else np.empty((1, 1, 1, 1), x.dtype)
    wshape = weight.shape if need_wgrad else (1, 1, 1)
    pdw = np.zeros((chunks, *wshape))
    pdb = np.zeros((chunks, *wshape))
    sg = np.empty((chunks, x.shape[2]))
    sh = np.empty((chunks, x.shape[2]))
    per_element = weight.shape[2] != 1
    acc = np.empty((chunks, 2, *wshape[1:]) if per_element and need_wgrad else (chunks, 2, 1, 1), x.dtype)
    fn(grad, x, weight, mean, rstd, bool(center), bool(batch_stats), bool(need_dx), bool(need_wgrad),
       dx, pdw, pdb, sg, sh, acc, _scratch(x))  # fmt: skip
    if not need_wgrad:
        return (dx if need_dx else None), None, None
    return (dx if need_dx else None), pdw.sum(0), pdb.sum(0)


def warmup():
    """Compile every kernel for float32 and float64, serial and parallel, both affine layouts."""
    for dtype in (np.float32, np.float64):
        for view, wshape in (((2, 4, 2, 3), (2, 2, 1)), ((1, 4, 2, 3), (1, 2, 3))):
            x = np.arange(np.prod(view), dtype=dtype).reshape(view)
            g = np.ones_like(x)
            w = np.ones(wshape, dtype)
            b = np.zeros(wshape, dtype)
            for par in (False, True):
                y, mean, _, rstd = norm_forward(x, w, b, 1e-5, True, parallel=par)
                norm_apply(x, w, b, mean, rstd, parallel=par)
                for need_dx, need_wgrad in ((True, True), (True, False), (False, True)):
                    norm_backward(g, x, w, mean, rstd, True, True, need_dx, need_wgrad, parallel=par)
