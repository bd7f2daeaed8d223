"""CUDA kernels shared by BatchNorm, LayerNorm, InstanceNorm, GroupNorm and RMSNorm.

The layout is the CPU kernels' (``minigrad/backends/cpu/norm_kernels.py``): the ops view their
input as x4[p, q, k, s] of shape (P, Q, K, S), group q (one mean, one variance) holds the P*K*S
values x4[:, q, :, :], and the affine parameters are a (Qw, K, Sw) array indexed by (q % Qw, k)
and, when Sw == S, by s.

Thread/block mapping: **one block per group**. Within group q, the values of channel k are the
P*S values of the "runs" j = p * S + s; the block's threads take consecutive j (coalesced reads
along s) and each sums its share, then the block adds the shares up (``blocks.block_reduce``):

- forward: the shifted sums s1 = sum(x - shift), s2 = sum((x - shift)^2) with the group's first
  value as the shift, accumulated in float64 (``scalar_math_norm.py`` explains why that keeps a
  float32 input with mean 1e4 and std 1e-2 exact); then mean, variance and rstd, and every thread
  writes y = ((x - hi) - lo) * (rstd w) + b for its values, hi + lo being the float64 mean split in
  two numbers of x's dtype (exactly the CPU's formula).
- backward: per channel k, sum g and sum g (x - hi) (float64); from them the per-group constants
  of dx = rstd (w g - mean(w g) - xhat mean(w g xhat)) (``backward_coefficients``), then dx.
  dweight/dbias: per-channel weights take the per-(q, k) sums (added over q by CuPy); LayerNorm's
  per-element weights need sums over the groups of each element, a different reduction: one thread
  per (k, s) column and a chunk of the groups (``_column_grads``).

**Two passes when a group is too large** for one block (BatchNorm's channels hold N*H*W values:
256 blocks for a (256, 256, 32, 32) input would leave most of a big GPU idle): the runs of each
group are cut into ``chunks``, a first kernel writes each (group, chunk) block's sums to memory,
and a second one, again one block per (group, chunk), adds its group's chunk sums (a few numbers)
and normalises its chunk. With one chunk per group, both halves run in one kernel (``_fused``).
"""

import math

import numpy as np
from numba import boolean, float32, float64, int64

from minigrad.backends.cuda.blocks import THREADS, block_reduce, cast, chunk
from minigrad.backends.cuda.compiler import SIMULATOR, contiguous, cuda, device, kernel, xp
from minigrad.scalar_math_norm import backward_coefficients, inv_std, moments_from_shifted_sums

KERNELS = ("norm_forward", "norm_apply", "norm_backward")

# A group of more values than this is cut into chunks of about this many (the two-pass scheme).
# Tiny on the simulator so that small test shapes take both paths.
VALUES_PER_BLOCK = 4 * THREADS if SIMULATOR else 64 * THREADS

# --------------------------------------------------------------------------------------------------
# Per-thread parts (device functions): thread t of a block takes runs lo + t, lo + t + T, ... < hi
# --------------------------------------------------------------------------------------------------


@device
def _shifted_sums(x, q, lo, hi, shift):
    """This thread's share of sum(x - shift) and sum((x - shift)^2) over runs [lo, hi) of group q."""
    S = x.shape[3]
    s1 = 0.0
    s2 = 0.0
    for k in range(x.shape[2]):
        for j in range(lo + cuda.threadIdx.x, hi, cuda.blockDim.x):
            p = j // S
            d = float(x[p, q, k, j - p * S] - shift)
            s1 += d
            s2 += d * d
    return s1, s2


@device
def _normalise(x, w, b, y, q, lo, hi, mean, rstd):
    """y = ((x - hi) - lo) * rstd * w + b over runs [lo, hi) of group q (hi + lo: the mean in x's dtype)."""
    S = x.shape[3]
    qm = q % w.shape[0]
    mh = cast(x, mean)
    ml = cast(x, mean - float(mh))
    rr = cast(x, rstd)
    for k in range(x.shape[2]):
        a = cast(x, rstd * w[qm, k, 0])  # scale and shift constant along s (all but LayerNorm/RMSNorm)
        for j in range(lo + cuda.threadIdx.x, hi, cuda.blockDim.x):
            p = j // S
            s = j - p * S
            if w.shape[2] == 1:
                y[p, q, k, s] = ((x[p, q, k, s] - mh) - ml) * a + b[qm, k, 0]
            else:
                y[p, q, k, s] = ((x[p, q, k, s] - mh) - ml) * rr * w[qm, k, s] + b[qm, k, s]


@device
def _statistics(x, q, s1, s2, eps, center):
    """(mean, biased var, rstd) of group q from its shifted sums."""
    n = float(x.shape[0] * x.shape[2] * x.shape[3])
    mean, var = moments_from_shifted_sums(float(_shift(x, q, center)), s1, s2, n, center)
    return mean, var, inv_std(var, eps)


@device
def _shift(x, q, center):
    """What group q's sums are shifted by: its first value (0 for RMSNorm)."""
    return x[0, q, 0, 0] if center else cast(x, 0.0)


@device
def _grad_sums(g, x, w, q, lo, hi, mh, sums, c, buf1, buf2):
    """sums[q, c, k] = (sum w g, sum w g (x - mh)) over runs [lo, hi) of channel k of group q, in
    float64, w = 1 for per-channel weights (they are applied per channel later)."""
    S = x.shape[3]
    for k in range(x.shape[2]):
        a = 0.0
        h = 0.0
        for j in range(lo + cuda.threadIdx.x, hi, cuda.blockDim.x):
            p = j // S
            s = j - p * S
            gw = float(g[p, q, k, s]) * (float(w[0, k, s]) if w.shape[2] != 1 else 1.0)
            a += gw
            h += gw * float(x[p, q, k, s] - mh)
        a = block_reduce(buf1, a, False)
        h = block_reduce(buf2, h, False)
        if cuda.threadIdx.x == 0:
            sums[q, c, k, 0] = a
            sums[q, c, k, 1] = h


@device
def _dx(g, x, w, mean, rstd, center, batch_stats, sums, dx, q, lo, hi):
    """dx over runs [lo, hi) of group q, from the sums of every chunk of the group."""
    S = x.shape[3]
    qm = q % w.shape[0]
    r = rstd[q]
    mh = cast(x, mean[q])
    ml = cast(x, mean[q] - float(mh))
    sum_wg = 0.0
    sum_wgh = 0.0
    for k in range(x.shape[2]):
        wk = float(w[qm, k, 0]) if w.shape[2] == 1 else 1.0
        for c in range(sums.shape[1]):
            sum_wg += wk * sums[q, c, k, 0]
            sum_wgh += wk * sums[q, c, k, 1]
    n = float(x.shape[0] * x.shape[2] * S)
    # sum w g xhat = rstd * sum w g (x - mean), and x - mean = (x - mh) - ml
    m1, m2 = backward_coefficients(r, sum_wg, (sum_wgh - float(ml) * sum_wg) * r, n, center, batch_stats)
    bx = cast(x, -r * r * m2)
    c0 = cast(x, -r * m1)
    rr = cast(x, r)
    for k in range(x.shape[2]):
        a = cast(x, r * w[qm, k, 0])
        for j in range(lo + cuda.threadIdx.x, hi, cuda.blockDim.x):
            p = j // S
            s = j - p * S
            gv = g[p, q, k, s] * a if w.shape[2] == 1 else g[p, q, k, s] * w[qm, k, s] * rr
            dx[p, q, k, s] = gv + (((x[p, q, k, s] - mh) - ml) * bx + c0)


# --------------------------------------------------------------------------------------------------
# Kernels: block b is chunk b % chunks of group b // chunks
# --------------------------------------------------------------------------------------------------


@kernel
def _forward_fused(x, w, b, eps, center, y, stats):
    """One block per group: statistics, then y. stats: float64 (3, Q) = mean, var, rstd."""
    buf1 = cuda.shared.array(THREADS, stats.dtype)
    buf2 = cuda.shared.array(THREADS, stats.dtype)
    q = cuda.blockIdx.x
    runs = x.shape[0] * x.shape[3]
    s1, s2 = _shifted_sums(x, q, 0, runs, _shift(x, q, center))
    mean, var, rstd = _statistics(x, q, block_reduce(buf1, s1, False), block_reduce(buf2, s2, False), eps, center)
    if cuda.threadIdx.x == 0:
        stats[0, q] = mean
        stats[1, q] = var
        stats[2, q] = rstd
    _normalise(x, w, b, y, q, 0, runs, mean, rstd)


@device
def _block_chunk(x, chunks):
    """(q, c, lo, hi): this block is chunk c of group q, runs [lo, hi)."""
    q = cuda.blockIdx.x // chunks
    c = cuda.blockIdx.x % chunks
    lo, hi = chunk(x.shape[0] * x.shape[3], chunks, c)
    return q, c, lo, hi


@kernel
def _forward_sums(x, center, partial):
    """Pass 1 of 2: partial[q, c] = the shifted sums of chunk c of group q."""
    buf1 = cuda.shared.array(THREADS, partial.dtype)
    buf2 = cuda.shared.array(THREADS, partial.dtype)
    q, c, lo, hi = _block_chunk(x, partial.shape[1])
    s1, s2 = _shifted_sums(x, q, lo, hi, _shift(x, q, center))
    s1 = block_reduce(buf1, s1, False)
    s2 = block_reduce(buf2, s2, False)
    if cuda.threadIdx.x == 0:
        partial[q, c, 0] = s1
        partial[q, c, 1] = s2


@kernel
def _forward_normalise(x, w, b, eps, center, partial, y, stats):
    """Pass 2 of 2: the group's statistics from its chunks' sums, then y of chunk c."""
    chunks = partial.shape[1]
    q, c, lo, hi = _block_chunk(x, chunks)
    s1 = 0.0
    s2 = 0.0
    for i in range(chunks):
        s1 += partial[q, i, 0]
        s2 += partial[q, i, 1]
    mean, var, rstd = _statistics(x, q, s1, s2, eps, center)
    if c == 0 and cuda.threadIdx.x == 0:
        stats[0, q] = mean
        stats[1, q] = var
        stats[2, q] = rstd
    _normalise(x, w, b, y, q, lo, hi, mean, rstd)


@kernel
def _apply(x, w, b, mean, rstd, chunks, y):
    """y with given statistics (eval-mode BatchNorm, InstanceNorm)."""
    q, _, lo, hi = _block_chunk(x, chunks)
    _normalise(x, w, b, y, q, lo, hi, mean[q], rstd[q])


@kernel
def _backward_sums(g, x, w, mean, sums):
    """sums[q, c, k] of chunk c of group q (pass 1 of 2, or the whole backward without dx)."""
    buf1 = cuda.shared.array(THREADS, sums.dtype)
    buf2 = cuda.shared.array(THREADS, sums.dtype)
    q, c, lo, hi = _block_chunk(x, sums.shape[1])
    _grad_sums(g, x, w, q, lo, hi, cast(x, mean[q]), sums, c, buf1, buf2)


@kernel
def _backward_dx(g, x, w, mean, rstd, center, batch_stats, sums, dx):
    """Pass 2 of 2: dx of chunk c of group q from the sums of all the group's chunks."""
    q, _, lo, hi = _block_chunk(x, sums.shape[1])
    _dx(g, x, w, mean, rstd, center, batch_stats, sums, dx, q, lo, hi)


@kernel
def _backward_fused(g, x, w, mean, rstd, center, batch_stats, sums, dx):
    """One block per group: its sums, then dx (the sums go through memory: K of them per group)."""
    buf1 = cuda.shared.array(THREADS, sums.dtype)
    buf2 = cuda.shared.array(THREADS, sums.dtype)
    q = cuda.blockIdx.x
    runs = x.shape[0] * x.shape[3]
    _grad_sums(g, x, w, q, 0, runs, cast(x, mean[q]), sums, 0, buf1, buf2)
    cuda.syncthreads()  # thread 0's stores to sums are visible to the whole block after the barrier
    _dx(g, x, w, mean, rstd, center, batch_stats, sums, dx, q, 0, runs)


@kernel
def _column_grads(g, x, mean, rstd, partial):
    """Per-element dweight/dbias (P = 1): partial[0 or 1, r, k*S + s] = sum over the groups of chunk r
    of g xhat or g at (k, s); one thread per column, blocks along the columns and the chunks."""
    K = x.shape[2]
    S = x.shape[3]
    columns_blocks = (K * S + cuda.blockDim.x - 1) // cuda.blockDim.x
    r = cuda.blockIdx.x // columns_blocks
    col = (cuda.blockIdx.x % columns_blocks) * cuda.blockDim.x + cuda.threadIdx.x
    if col >= K * S:
        return
    k = col // S
    s = col - k * S
    lo, hi = chunk(x.shape[1], partial.shape[1], r)
    acc_w = 0.0
    acc_b = 0.0
    for q in range(lo, hi):
        mh = cast(x, mean[q])
        ml = cast(x, mean[q] - float(mh))
        gv = g[0, q, k, s]
        acc_w += float(gv) * float(((x[0, q, k, s] - mh) - ml) * cast(x, rstd[q]))
        acc_b += float(gv)
    partial[0, r, col] = acc_w
    partial[1, r, col] = acc_b


# --------------------------------------------------------------------------------------------------
# Public wrappers
# --------------------------------------------------------------------------------------------------


def _as_view(x):
    x = xp.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"norm kernels take a 4-D (P, Q, K, S) view, got shape {x.shape}")
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"norm kernels take float32 or float64 arrays, got {x.dtype}")
    return contiguous(x)


def _as_affine(a, x):
    """The (Qw, K, 1) or (Qw, K, S) affine array in x's dtype, checked against the view x."""
    a = contiguous(xp.asarray(a).astype(x.dtype, copy=False))
    per_element = a.ndim == 3 and a.shape[2] == x.shape[3] != 1
    fits = a.ndim == 3 and a.shape[1] == x.shape[2] and a.shape[2] in (1, x.shape[3]) and a.shape[0] > 0
    if not fits or x.shape[1] % a.shape[0] or (per_element and (a.shape[0] != 1 or x.shape[0] != 1)):
        raise ValueError(
            f"affine array of shape {a.shape} does not fit the view {x.shape} "
            "(expected (Qw, K, 1) with Qw dividing Q, or (1, K, S) for a (1, Q, K, S) view)"
        )
    return a


def _stats(name, a, Q):
    a = contiguous(xp.asarray(a, dtype=np.float64))
    if a.shape != (Q,):
        raise ValueError(f"{name} must have one value per group, shape ({Q},), got {a.shape}")
    return a


# Blocks per group: None picks by size (_chunks); a number forces it (the tests check the two-pass
# scheme with any number of chunks on tiny inputs this way).
CHUNKS = None


def _chunks(x):
    """Chunks per group: 1 (one block per group) unless a group holds more than VALUES_PER_BLOCK."""
    chunks = CHUNKS
    if chunks is None:
        chunks = math.ceil(x.shape[0] * x.shape[2] * x.shape[3] / VALUES_PER_BLOCK)
    return max(1, min(int(chunks), x.shape[0] * x.shape[3]))


def norm_forward(x4, w3, b3, eps, center=True):
    """Statistics and normalisation of every group of the view x4 (P, Q, K, S); see the CPU kernel.

    Returns (y, mean, var, rstd), the statistics float64 arrays of length Q.
    """
    x = _as_view(x4)
    w, b = _as_affine(w3, x), _as_affine(b3, x)
    Q = x.shape[1]
    y = xp.empty_like(x)
    stats = xp.empty((3, Q))
    if x.size == 0:  # no values: nothing to normalise (and no first value to shift by)
        stats[:] = np.nan
        return y, stats[0], stats[1], stats[2]
    chunks = _chunks(x)
    if chunks == 1:
        _forward_fused[x.dtype, Q, THREADS](x, w, b, float(eps), bool(center), y, stats)
    else:
        partial = xp.empty((Q, chunks, 2))
        _forward_sums[x.dtype, Q * chunks, THREADS](x, bool(center), partial)
        _forward_normalise[x.dtype, Q * chunks, THREADS](x, w, b, float(eps), bool(center), partial, y, stats)
    return y, stats[0], stats[1], stats[2]


def norm_apply(x4, w3, b3, mean, rstd):
    """y = (x - mean[q]) * rstd[q] * weight + bias with given statistics."""
    x = _as_view(x4)
    w, b = _as_affine(w3, x), _as_affine(b3, x)
    mean, rstd = _stats("mean", mean, x.shape[1]), _stats("rstd", rstd, x.shape[1])
    y = xp.empty_like(x)
    if x.size:
        chunks = _chunks(x)
        _apply[x.dtype, x.shape[1] * chunks, THREADS](x, w, b, mean, rstd, chunks, y)
    return y


def norm_backward(g4, x4, w3, mean, rstd, center=True, batch_stats=True, need_dx=True, need_wgrad=True):
    """Gradients of y = (x - mean) * rstd * weight + bias for the view x4 (P, Q, K, S).

    Returns (dx or None, dweight or None, dbias or None); dweight and dbias are float64 arrays of
    the weight's (Qw, K, Sw) shape.
    """
    x = _as_view(x4)
    g = xp.asarray(g4)
    if g.shape != x.shape:
        raise ValueError(f"gradient of shape {g.shape} for a view of shape {x.shape}")
    g = contiguous(g.astype(x.dtype, copy=False))
    w = _as_affine(w3, x)
    P, Q, K, S = x.shape
    mean, rstd = _stats("mean", mean, Q), _stats("rstd", rstd, Q)
    dx = xp.empty_like(x) if need_dx else None
    if x.size == 0:
        zeros = xp.zeros(w.shape)
        return dx, (zeros if need_wgrad else None), (zeros if need_wgrad else None)
    chunks = _chunks(x)
    sums = xp.empty((Q, chunks, K, 2))
    if need_dx and chunks == 1:
        _backward_fused[x.dtype, Q, THREADS](g, x, w, mean, rstd, bool(center), bool(batch_stats), sums, dx)
    else:
        _backward_sums[x.dtype, Q * chunks, THREADS](g, x, w, mean, sums)
        if need_dx:
            _backward_dx[x.dtype, Q * chunks, THREADS](g, x, w, mean, rstd, bool(center), bool(batch_stats), sums, dx)
    if not need_wgrad:
        return dx, None, None
    if w.shape[2] == 1:  # per channel: dbias = sum g, dweight = sum g xhat over each (q, k), then over q
        a = sums[..., 0].sum(axis=1)
        low = mean - mean.astype(x.dtype).astype(np.float64)  # the mean's part below x's precision
        gx = (sums[..., 1].sum(axis=1) - low[:, None] * a) * rstd[:, None]
        shape = (Q // w.shape[0], w.shape[0], K)
        return dx, gx.reshape(shape).sum(axis=0)[..., None], a.reshape(shape).sum(axis=0)[..., None]
    rows = max(1, min(Q, (1 << 16) // (K * S)))  # chunks of the groups: about 65536 threads in all
    partial = xp.empty((2, rows, K * S))
    blocks = math.ceil(K * S / THREADS) * rows
    _column_grads[x.dtype, blocks, THREADS](g, x, mean, rstd, partial)
    sums2 = partial.sum(axis=1)
    return dx, sums2[0].reshape(w.shape), sums2[1].reshape(w.shape)


def ptx_signatures(dtype):
    """(name, Kernel, numba argument types) of every kernel of this module for float `dtype`."""
    T = float32 if np.dtype(dtype) == np.float32 else float64
    v4, w3 = T[:, :, :, ::1], T[:, :, ::1]
    f1, f2, f3, f4 = float64[::1], float64[:, ::1], float64[:, :, ::1], float64[:, :, :, ::1]
    return [
        ("norm_forward_fused", _forward_fused, (v4, w3, w3, float64, boolean, v4, f2)),
        ("norm_forward_sums", _forward_sums, (v4, boolean, f3)),
        ("norm_forward_normalise", _forward_normalise, (v4, w3, w3, float64, boolean, f3, v4, f2)),
        ("norm_apply", _apply, (v4, w3, w3, f1, f1, int64, v4)),
        ("norm_backward_sums", _backward_sums, (v4, v4, w3, f1, f4)),
        ("norm_backward_dx", _backward_dx, (v4, v4, w3, f1, f1, boolean, boolean, f4, v4)),
        ("norm_backward_fused", _backward_fused, (v4, v4, w3, f1, f1, boolean, boolean, f4, v4)),
        ("norm_column_grads", _column_grads, (v4, v4, f1, f1, f3)),
    ]
