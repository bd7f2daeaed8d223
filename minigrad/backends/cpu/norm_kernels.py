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

Two kernels do the work, each in a serial and a parallel variant (picked by size). Both walk a
chunk of consecutive groups (one chunk in the serial variant, several per thread in the parallel
one) and are *pipelined*: the pass that writes group q also reads group q + 1 and sums it, so reads
and writes stream through memory together, as in a copy, instead of a read-only pass followed by a
write pass per group (on a 16 MiB GroupNorm input: forward 0.76 ms instead of 1.3 ms).
- forward: per group, the statistics (sums of the values shifted by the group's first value, see
  minigrad/scalar_math_norm.py), then the normalisation, one write, while the next group is summed.
  `norm_apply` is the normalisation alone, for fixed statistics (BatchNorm and InstanceNorm in eval
  mode). BatchNorm's groups (P > 1 runs far apart) are not pipelined: it was slower there.
- backward: per group, the two sums of the closed-form gradient (sum w g and sum w g xhat), then
  dx = rstd (w g - mean(w g) - xhat mean(w g xhat)) while the next group's sums are taken.
  dweight/dbias: per-channel weights add the group's sums; LayerNorm's per-element weights add
  g xhat and g element by element in the summing pass (that layout is not pipelined, see
  _dx_run_w). Each chunk adds into its own slice of a (chunks, Qw, K, Sw) buffer, summed
  afterwards (no two iterations write one element).

Numerics (docs/normalization.md, section 4): sums run in blocks of BLOCK values in x's dtype, added
into float64; the float64 mean is split into hi + lo in x's dtype so that (x - hi) - lo keeps the
centred value exact; loops with a sum (the pipelined ones included) use fastmath={"reassoc",
"contract"} so that LLVM vectorises them, while every operation on a centred value lives in a
"contract"-only helper (_normalised, _dx_value), whose flags survive inlining; nnan/ninf are never
set. The tests hold the results against PyTorch and against float64 references, including badly
conditioned inputs (mean 1e4, std 1e-2).
"""

import numpy as np
from numba import get_num_threads

from minigrad.backends import checks
from minigrad.backends.cpu.jit import kernel, parallel_variant, pick, prange, serial_and_parallel
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
# Scalar helpers
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


@kernel(fastmath=CONTRACT)
def _shift(x, q, center, cs):
    """The value group q's sums are shifted by: its first value (0 in x's dtype for RMSNorm)."""
    if center:
        return x[0, q, 0, 0]
    return _round(0.0, cs, q, 0)


# The next three are the only arithmetic on a centred value. They are "contract" only and keep that
# when LLVM inlines them into a loop that may reassociate its sums: (x - hi) - lo stays as written.
@kernel(fastmath=CONTRACT)
def _normalised(v, hi, lo, a, c):
    """((v - hi) - lo) * a + c: y of a value whose scale a = rstd * w and shift c are constant."""
    return ((v - hi) - lo) * a + c


@kernel(fastmath=CONTRACT)
def _normalised_elementwise(v, hi, lo, rr, w, b):
    """((v - hi) - lo) * rr * w + b: y with a per-element weight and bias (LayerNorm)."""
    return ((v - hi) - lo) * rr * w + b


@kernel(fastmath=CONTRACT)
def _dx_value(gw, v, hi, lo, bx, c):
    """dx = gw + ((v - hi) - lo) * bx + c, with gw = g * rstd * w (see backward_coefficients)."""
    return gw + (((v - hi) - lo) * bx + c)


# --------------------------------------------------------------------------------------------------
# Runs: one pass along s of one (p, k) of a group
# --------------------------------------------------------------------------------------------------
# Sums run along s in blocks of BLOCK values accumulated in x's dtype (vector lanes: 8 float32 lanes
# x 4-way unrolling = 32 partial sums of 8 values each), and each block's sum is added into a
# float64 accumulator. Summing 8 values in float32 loses nothing that matters (relative error
# ~8 * 6e-8 of the block's magnitude); float64 over the blocks keeps long rows exact enough; and
# the inner loop runs 3x faster than one that converts every value to float64.
#
# A pass that writes group q also reads group nq (the next group of the chunk) and sums it: reads of
# one group and writes of another then stream through memory together, like a copy. Done one after
# the other (read a group, then write it), the forward ran at 1.3 ms instead of 0.76 ms on a 16 MiB
# GroupNorm input here. The last group of a chunk passes nq = q: it re-reads itself from cache.
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
def _apply_run(x, w, b, y, p, q, k, hi, lo, rr):
    """y[p, q, k, :] = xhat * w + b, with rr = rstd and hi + lo = mean of group q in x's dtype."""
    S = x.shape[3]
    qm = q % w.shape[0]
    if w.shape[2] == 1:  # scale and shift constant along s
        a = rr * w[qm, k, 0]
        c = b[qm, k, 0]
        for s in range(S):
            y[p, q, k, s] = _normalised(x[p, q, k, s], hi, lo, a, c)
    else:  # scale and shift per element (LayerNorm, RMSNorm)
        for s in range(S):
            y[p, q, k, s] = _normalised_elementwise(x[p, q, k, s], hi, lo, rr, w[qm, k, s], b[qm, k, s])


@kernel(fastmath=FASTMATH)
def _normalise_run(x, w, b, y, p, q, k, hi, lo, rr, nq, shift):
    """_apply_run, and returns the shifted sums of x4[p, nq, k, :] (as _moments_run), read alongside."""
    S = x.shape[3]
    qm = q % w.shape[0]
    s1 = 0.0
    s2 = 0.0
    if w.shape[2] == 1:  # scale and shift constant along s
        a = rr * w[qm, k, 0]
        c = b[qm, k, 0]
        for j in range(0, S, BLOCK):
            t1 = shift - shift
            t2 = shift - shift
            for s in range(j, min(S, j + BLOCK)):
                y[p, q, k, s] = _normalised(x[p, q, k, s], hi, lo, a, c)
                d = x[p, nq, k, s] - shift
                t1 += d
                t2 += d * d
            s1 += t1
            s2 += t2
    else:  # scale and shift per element (LayerNorm, RMSNorm)
        for j in range(0, S, BLOCK):
            t1 = shift - shift
            t2 = shift - shift
            for s in range(j, min(S, j + BLOCK)):
                y[p, q, k, s] = _normalised_elementwise(x[p, q, k, s], hi, lo, rr, w[qm, k, s], b[qm, k, s])
                d = x[p, nq, k, s] - shift
                t1 += d
                t2 += d * d
            s1 += t1
            s2 += t2
    return s1, s2


@kernel(fastmath=FASTMATH)
def _grad_run(g, x, p, q, k, hi):
    """sum g and sum g (x - hi) along s of x4[p, q, k, :] (blocks as in _moments_run)."""
    S = x.shape[3]
    sa = 0.0
    sh = 0.0
    for j in range(0, S, BLOCK):
        a = hi - hi
        h = hi - hi
        for s in range(j, min(S, j + BLOCK)):
            gv = g[p, q, k, s]
            a += gv
            h += gv * (x[p, q, k, s] - hi)
        sa += a
        sh += h
    return sa, sh


@kernel(fastmath=FASTMATH)
def _dx_run(g, x, dx, p, q, k, hi, lo, a, bx, c, nq, nhi):
    """dx of x4[p, q, k, :] (affine constant along s, a = rstd * w); returns _grad_run of group nq."""
    S = x.shape[3]
    sa = 0.0
    sh = 0.0
    for j in range(0, S, BLOCK):
        ta = nhi - nhi
        th = nhi - nhi
        for s in range(j, min(S, j + BLOCK)):
            dx[p, q, k, s] = _dx_value(g[p, q, k, s] * a, x[p, q, k, s], hi, lo, bx, c)
            gv = g[p, nq, k, s]
            ta += gv
            th += gv * (x[p, nq, k, s] - nhi)
        sa += ta
        sh += th
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
def _dx_run_w(g, x, w, dx, q, k, hi, lo, rr, bx, c):
    """dx of x4[0, q, k, :], w per element (a second pass over the group, from cache).

    LayerNorm's backward is not pipelined like the others: a loop that writes dx while it sums the
    next group and adds its dweight/dbias partials has three output streams that may alias g and
    x, and LLVM does not vectorise it (4x slower here); split in two, it lost 4-8%.
    """
    S = x.shape[3]
    for s in range(S):
        dx[0, q, k, s] = _dx_value(g[0, q, k, s] * w[0, k, s] * rr, x[0, q, k, s], hi, lo, bx, c)


# --------------------------------------------------------------------------------------------------
# Chunks: a run of groups q0 .. q1-1, in which each pass writes one group and reads the next
# --------------------------------------------------------------------------------------------------


@kernel(fastmath=CONTRACT)
def _group_sums(x, q, shift):
    """The shifted sums of group q: _moments_run over all its runs."""
    P, _, K, S = x.shape
    s1 = 0.0
    s2 = 0.0
    for p in range(P):
        for k in range(K):
            a, b = _moments_run(x, p, q, k, shift)
            s1 += a
            s2 += b
    return s1, s2


@kernel(fastmath=CONTRACT)
def _forward_chunk(x, w, b, eps, center, y, mean, var, rstd, cs, q0, q1):
    """Statistics and normalisation of groups q0 .. q1-1."""
    P, _, K, S = x.shape
    n = float(P * K * S)
    # BatchNorm's groups (P > 1) are P runs far apart in memory, and reading the next group while
    # writing this one was 1.2x slower there: its groups are summed in a pass of their own.
    pipelined = P == 1
    shift = _shift(x, q0, center, cs)
    if pipelined:
        # The first group is summed by the same loop as the others (writing a y that is overwritten
        # below), so that the statistics do not depend on how the groups were split into chunks,
        # that is, on the thread count: LLVM may order a vectorised sum differently in two loops.
        s1 = 0.0
        s2 = 0.0
        for k in range(K):
            a, c = _normalise_run(x, w, b, y, 0, q0, k, shift, shift, shift, q0, shift)
            s1 += a
            s2 += c
    else:
        s1, s2 = _group_sums(x, q0, shift)
    for q in range(q0, q1):
        mu, v = moments_from_shifted_sums(float(shift), s1, s2, n, center)
        r = inv_std(v, eps)
        mean[q] = mu
        var[q] = v
        rstd[q] = r
        hi, lo = _split(mu, cs, q)
        rr = _round(r, cs, q, 2)
        nq = q + 1 if q + 1 < q1 else q
        shift = _shift(x, nq, center, cs)
        if pipelined:
            s1 = 0.0
            s2 = 0.0
            for k in range(K):
                a, c = _normalise_run(x, w, b, y, 0, q, k, hi, lo, rr, nq, shift)
                s1 += a
                s2 += c
        else:
            for p in range(P):
                for k in range(K):
                    _apply_run(x, w, b, y, p, q, k, hi, lo, rr)
            s1, s2 = _group_sums(x, nq, shift)


@kernel(fastmath=CONTRACT)
def _apply_chunk(x, w, b, mean, rstd, y, cs, q0, q1):
    """y of groups q0 .. q1-1 with given statistics."""
    P, _, K, S = x.shape
    for q in range(q0, q1):
        hi, lo = _split(mean[q], cs, q)
        rr = _round(rstd[q], cs, q, 2)
        for p in range(P):
            for k in range(K):
                _apply_run(x, w, b, y, p, q, k, hi, lo, rr)


@kernel(fastmath=CONTRACT)
def _channel_sums(g, x, q, hi, lo, r, sums):
    """Per k: sums[0, k] = sum g and sums[1, k] = sum g * xhat over group q (affine constant along s)."""
    P, _, K, S = x.shape
    for k in range(K):
        a = 0.0
        h = 0.0
        for p in range(P):
            ap, hp = _grad_run(g, x, p, q, k, hi)
            a += ap
            h += hp
        sums[0, k] = a
        sums[1, k] = (h - lo * a) * r  # x - mu = (x - hi) - lo


@kernel(fastmath=CONTRACT)
def _backward_channel_chunk(
    g, x, w, mean, rstd, center, batch_stats, need_dx, need_wgrad, dx, pdw, pdb, sums, cs, q0, q1
):
    """Gradients of groups q0 .. q1-1, affine constant along s (BatchNorm, InstanceNorm, GroupNorm).

    sums: float64 scratch (2 groups, 2, K): the per-k sums of g and g * xhat of this group and of
    the next. dweight/dbias partials are added into pdw/pdb (this chunk's slice).
    """
    P, _, K, S = x.shape
    n = float(P * K * S)
    hi, lo = _split(mean[q0], cs, q0)
    _channel_sums(g, x, q0, hi, lo, rstd[q0], sums[0])
    for q in range(q0, q1):
        cur = sums[(q - q0) % 2]
        nxt = sums[(q - q0 + 1) % 2]
        qm = q % w.shape[0]
        r = rstd[q]
        hi, lo = _split(mean[q], cs, q)
        sum_wg = 0.0
        sum_wgx = 0.0
        for k in range(K):
            sum_wg += w[qm, k, 0] * cur[0, k]
            sum_wgx += w[qm, k, 0] * cur[1, k]
            if need_wgrad:
                pdw[qm, k, 0] += cur[1, k]
                pdb[qm, k, 0] += cur[0, k]
        nq = q + 1 if q + 1 < q1 else q
        nhi, nlo = _split(mean[nq], cs, nq)
        if need_dx:
            m1, m2 = backward_coefficients(r, sum_wg, sum_wgx, n, center, batch_stats)
            bx = _round(-r * r * m2, cs, q, 2)
            c = _round(-r * m1, cs, q, 3)
            for k in range(K):
                a = _round(r * w[qm, k, 0], cs, q, 4)
                sa = 0.0
                sh = 0.0
                for p in range(P):
                    ap, hp = _dx_run(g, x, dx, p, q, k, hi, lo, a, bx, c, nq, nhi)
                    sa += ap
                    sh += hp
                nxt[0, k] = sa
                nxt[1, k] = (sh - nlo * sa) * rstd[nq]
        elif q + 1 < q1:
            _channel_sums(g, x, nq, nhi, nlo, rstd[nq], nxt)


@kernel(fastmath=CONTRACT)
def _flush(acc, pdw, pdb):
    _, K, S = acc.shape
    for k in range(K):
        for s in range(S):
            pdw[0, k, s] += acc[0, k, s]
            pdb[0, k, s] += acc[1, k, s]
            acc[0, k, s] = 0
            acc[1, k, s] = 0


# Per-element dweight/dbias partials are summed in x's dtype over at most this many groups, then
# added into the float64 partials: a float32 sum of 8 terms loses nothing that matters, and the
# float64 read-modify-write per element (the slowest part of LayerNorm's backward) happens 8x less.
FLUSH_EVERY = 8


@kernel(fastmath=CONTRACT)
def _backward_element_chunk(
    g, x, w, mean, rstd, center, batch_stats, need_dx, need_wgrad, dx, pdw, pdb, acc, cs, q0, q1
):
    """Gradients of groups q0 .. q1-1 (P = 1), affine per element (LayerNorm, RMSNorm).

    Per group, a first pass sums and adds g * xhat and g into acc (this chunk's dweight/dbias
    partials in x's dtype, flushed into pdw/pdb every FLUSH_EVERY groups); a second pass writes dx.
    """
    _, _, K, S = x.shape
    n = float(K * S)
    if need_wgrad:
        acc[:] = 0
    for q in range(q0, q1):
        r = rstd[q]
        hi, lo = _split(mean[q], cs, q)
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
                _dx_run_w(g, x, w, dx, q, k, hi, lo, rr, bx, c)
        if need_wgrad and ((q - q0) % FLUSH_EVERY == FLUSH_EVERY - 1 or q == q1 - 1):
            _flush(acc, pdw, pdb)


# --------------------------------------------------------------------------------------------------
# The loops: over chunks of groups, serial and parallel twins
# --------------------------------------------------------------------------------------------------


def _forward_loop(x, w, b, eps, center, y, mean, var, rstd, cs, chunks):
    Q = x.shape[1]
    for c in prange(chunks):
        _forward_chunk(x, w, b, eps, center, y, mean, var, rstd, cs, c * Q // chunks, (c + 1) * Q // chunks)


def _apply_loop(x, w, b, mean, rstd, y, cs, chunks):
    Q = x.shape[1]
    for c in prange(chunks):
        _apply_chunk(x, w, b, mean, rstd, y, cs, c * Q // chunks, (c + 1) * Q // chunks)


def _backward_loop(g, x, w, mean, rstd, center, batch_stats, need_dx, need_wgrad, dx, pdw, pdb, sums, acc, cs):
    Q = x.shape[1]
    chunks = pdw.shape[0]
    for c in prange(chunks):
        q0, q1 = c * Q // chunks, (c + 1) * Q // chunks
        if w.shape[2] == 1:
            _backward_channel_chunk(
                g, x, w, mean, rstd, center, batch_stats, need_dx, need_wgrad, dx, pdw[c], pdb[c], sums[c], cs, q0, q1
            )
        else:
            _backward_element_chunk(
                g, x, w, mean, rstd, center, batch_stats, need_dx, need_wgrad, dx, pdw[c], pdb[c], acc[c], cs, q0, q1
            )


# (serial, parallel) twins of each loop nest
_forward = serial_and_parallel(_forward_loop, fastmath=CONTRACT)
_apply = serial_and_parallel(_apply_loop, fastmath=CONTRACT)
_backward = serial_and_parallel(_backward_loop, fastmath=CONTRACT)

# --------------------------------------------------------------------------------------------------
# Public wrappers
# --------------------------------------------------------------------------------------------------


def _as_view(kernel, x):
    x = np.asarray(x)
    checks.ndim(kernel, "x", x, 4, "(P, Q, K, S)")
    checks.floating(kernel, "x", x)
    return np.ascontiguousarray(x)


def _as_affine(kernel, what, a, x):
    a = np.asarray(a)
    if a.dtype.kind != "f":
        raise TypeError(f"{kernel}(): {what} must be a float array, got dtype {a.dtype}")
    a = np.ascontiguousarray(a, dtype=x.dtype)
    fits = a.ndim == 3 and a.shape[1] == x.shape[2] and a.shape[2] in (1, x.shape[3])
    if not fits or a.shape[0] == 0 or x.shape[1] % a.shape[0] != 0:
        raise ValueError(
            f"{kernel}(): {what} of shape {a.shape} does not fit the view {x.shape}: expected (Qw, K, 1) or "
            "(Qw, K, S) with Q a multiple of Qw"
        )
    if a.shape[2] != 1 and (a.shape[0] != 1 or x.shape[0] != 1):
        raise ValueError(f"{kernel}(): a per-element {what} {a.shape} needs a (1, Q, K, S) view, got {x.shape}")
    return a


def _per_group(kernel, what, a, x):
    """mean or rstd: one float64 value per group (the kernels index them by q)."""
    a = np.asarray(a)
    if a.shape != (x.shape[1],):
        raise ValueError(f"{kernel}(): {what} has shape {a.shape}; expected ({x.shape[1]},), one per group of the view")
    return np.ascontiguousarray(a, dtype=np.float64)


def _scratch(x):
    """Per-group scratch of x's dtype, where the kernels round float64 coefficients (see _round)."""
    return np.empty((x.shape[1], 5), x.dtype)


def _variant(pair, x, parallel):
    """The serial or parallel twin: by size (jit.pick), or forced by parallel=True/False."""
    if parallel is None:
        return pick(pair, x.size) if x.shape[1] > 1 else pair[0]
    return parallel_variant(pair) if parallel else pair[0]


# The parallel loops split the groups into this many chunks per thread (TBB hands a busy thread's
# chunks to the others), except LayerNorm's backward: one chunk per thread, because each chunk has
# its own per-element dweight/dbias partials (twice the weight's size in float64).
CHUNKS_PER_THREAD = 4


def _chunks(fn, pair, x, per_thread):
    """How many chunks of groups the loop runs: 1 for the serial twin."""
    if fn is pair[0]:
        return 1
    return max(1, min(per_thread * get_num_threads(), x.shape[1]))


def norm_forward(x, weight, bias, eps, center=True, parallel=None):
    """Statistics and normalisation of every group of the view x (P, Q, K, S).

    weight, bias: (Qw, K, 1) or (Qw, K, S) arrays (ones and zeros without affine), cast to x's dtype.
    Returns (y, mean, var, rstd): y like x; mean, biased var and rstd = 1/sqrt(var + eps) per group,
    float64 arrays of length Q. center=False gives RMSNorm (mean 0, var = mean of squares).
    """
    x = _as_view("norm_forward", x)
    weight = _as_affine("norm_forward", "weight", weight, x)
    bias = _as_affine("norm_forward", "bias", bias, x)
    y, mean, var, rstd = _run_forward(x, weight, bias, eps, center, parallel)
    if np.isinf(var).any():
        _rescale_overflowed(x, weight, bias, eps, center, y, mean, var, rstd)
    return y, mean, var, rstd


def _run_forward(x, weight, bias, eps, center, parallel):
    Q = x.shape[1]
    y = np.empty_like(x)
    mean = np.empty(Q)
    var = np.empty(Q)
    rstd = np.empty(Q)
    if x.size == 0:  # no values: nothing to normalise (and no first value to shift by)
        mean[:] = var[:] = rstd[:] = np.nan
        return y, mean, var, rstd
    fn = _variant(_forward, x, parallel)
    chunks = _chunks(fn, _forward, x, CHUNKS_PER_THREAD)
    fn(x, weight, bias, float(eps), bool(center), y, mean, var, rstd, _scratch(x), chunks)
    return y, mean, var, rstd


def _rescale_overflowed(x, weight, bias, eps, center, y, mean, var, rstd):
    """Normalise again the groups whose sums of squares overflowed (var = inf from finite values:
    |x - mean| above ~1.8e19 in float32, ~1.3e154 in float64), from x * 2^-k.

    Scaling by a power of two is exact, and y = (x - mean) / sqrt(var + eps) does not change when x
    scales by c and eps by c^2; each group gets its own k (its largest |x| becomes ~2^32). The groups
    share the smallest eps * 4^-k: next to a variance above 1e38 / n, eps is below 1e-40 of it either
    way. Mean and var come back scaled up (in float64, where they fit), rstd scaled down. Runs only
    after an overflow, so ordinary calls pay one check of Q values. (A group holding inf itself keeps
    var = inf or NaN, as before.)
    """
    bad = np.flatnonzero(np.isinf(var))
    xs = x[:, bad]  # (P, B, K, S), a copy
    peak = np.where(np.isfinite(xs), np.abs(xs), 0).max(axis=(0, 2, 3))
    k = np.frexp(peak)[1].astype(np.float64) - 32  # |x| * 2^-k below 2^32
    xs *= np.exp2(-k).astype(x.dtype)[None, :, None, None]
    w = weight if weight.shape[0] == 1 else weight[bad % weight.shape[0]]
    b = bias if bias.shape[0] == 1 else bias[bad % bias.shape[0]]
    ys, ms, vs, rs = _run_forward(np.ascontiguousarray(xs), w, b, float(eps) * 4.0 ** -k.max(), center, False)
    y[:, bad] = ys
    mean[bad] = ms * np.exp2(k)
    var[bad] = vs * np.exp2(2 * k)
    rstd[bad] = rs * np.exp2(-k)


def norm_apply(x, weight, bias, mean, rstd, parallel=None):
    """y = (x - mean[q]) * rstd[q] * weight + bias with given statistics (eval-mode BatchNorm)."""
    x = _as_view("norm_apply", x)
    weight = _as_affine("norm_apply", "weight", weight, x)
    bias = _as_affine("norm_apply", "bias", bias, x)
    mean = _per_group("norm_apply", "mean", mean, x)
    rstd = _per_group("norm_apply", "rstd", rstd, x)
    y = np.empty_like(x)
    if x.size == 0:
        return y
    fn = _variant(_apply, x, parallel)
    fn(x, weight, bias, mean, rstd, y, _scratch(x), _chunks(fn, _apply, x, CHUNKS_PER_THREAD))
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
    x = _as_view("norm_backward", x)
    grad = np.asarray(grad)
    if grad.dtype.kind != "f":
        raise TypeError(f"norm_backward(): the gradient must be a float array, got dtype {grad.dtype}")
    checks.same_shape("norm_backward", "the gradient", grad, "x", x)
    grad = np.ascontiguousarray(grad, dtype=x.dtype)
    weight = _as_affine("norm_backward", "weight", weight, x)
    mean = _per_group("norm_backward", "mean", mean, x)
    rstd = _per_group("norm_backward", "rstd", rstd, x)
    dx, dw, db = _run_backward(grad, x, weight, mean, rstd, center, batch_stats, need_dx, need_wgrad, parallel)
    if need_dx and batch_stats and (rstd < _SMALLEST_RSTD[x.dtype]).any():
        dx = _rescaled_dx(grad, x, weight, mean, rstd, center, parallel)
    return dx, dw, db


# Below this rstd (std above ~2e15 in float32, ~1e146 in float64) the dx coefficient of
# (x - mean), -rstd^2 mean(w g xhat), loses precision to underflow in x's dtype (it is 0 from ~1e22).
_SMALLEST_RSTD = {np.dtype(t): float(np.sqrt(np.finfo(t).tiny)) * 2.0 ** (np.finfo(t).nmant // 2 + 1)
                  for t in (np.float32, np.float64)}  # fmt: skip


def _rescaled_dx(grad, x, weight, mean, rstd, center, parallel):
    """dx again, for groups with a tiny rstd, from x * 2^e (e < 0, rstd * 2^-e in [0.5, 1)).

    y = (x - mean) rstd w + b does not change when x and mean scale by c and rstd by 1/c, so
    dL/dx = c dL/d(cx); powers of two scale exactly. (dweight and dbias, sums of g * xhat, did not
    suffer: xhat itself is fine.) Runs only for such extreme groups."""
    e = np.where(rstd < _SMALLEST_RSTD[x.dtype], np.frexp(rstd)[1], 0).astype(np.float64)
    c = np.exp2(e)
    xs = x * c.astype(x.dtype)[None, :, None, None]
    dxs, _, _ = _run_backward(grad, xs, weight, mean * c, rstd / c, center, True, True, False, parallel)
    return dxs * c.astype(x.dtype)[None, :, None, None]


def _run_backward(grad, x, weight, mean, rstd, center, batch_stats, need_dx, need_wgrad, parallel):
    if x.size == 0:
        zeros = np.zeros(weight.shape)
        return (np.empty_like(x) if need_dx else None), (zeros if need_wgrad else None), (zeros if need_wgrad else None)
    fn = _variant(_backward, x, parallel)
    per_element = weight.shape[2] != 1
    chunks = _chunks(fn, _backward, x, 1 if per_element else CHUNKS_PER_THREAD)
    dx = np.empty_like(x) if need_dx else np.empty((1, 1, 1, 1), x.dtype)
    wshape = weight.shape if need_wgrad else (1, 1, 1)
    pdw = np.zeros((chunks, *wshape))
    pdb = np.zeros((chunks, *wshape))
    sums = np.empty((chunks, 2, 2, x.shape[2]))
    acc = np.empty((chunks, 2, *wshape[1:]) if per_element and need_wgrad else (chunks, 2, 1, 1), x.dtype)
    fn(grad, x, weight, mean, rstd, bool(center), bool(batch_stats), bool(need_dx), bool(need_wgrad),
       dx, pdw, pdb, sums, acc, _scratch(x))  # fmt: skip
    if not need_wgrad:
        return (dx if need_dx else None), None, None
    if chunks == 1:
        return (dx if need_dx else None), pdw[0], pdb[0]
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
