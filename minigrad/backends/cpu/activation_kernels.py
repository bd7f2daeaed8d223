"""Fused Numba kernels of the activation functions, forward and backward.

An activation acts on each element alone, so its kernel is one loop over the flat array::

    forward:   out[i] = f(x[i])
    backward:  gx[i]  = g[i] * f'(x[i])          (the chain rule, element by element)

with f and f' the scalar functions of ``minigrad/scalar_math.py`` (shared with the CUDA kernels;
in float32 their exp, expm1, log1p, tanh and erfc are the vectorisable versions of
``float32_math.py``).
One pass each way: the forward reads x and writes y, the backward reads g and x (or y) and writes
the gradient, so the ReLU family runs at memory speed. Sigmoid and tanh differentiate from their
output (y (1 - y), 1 - y^2); every other activation recomputes from its input.

Each loop is compiled twice: serially, and as a parallel twin that runs the serial loop on chunks of
the arrays spread over the threads (``_elementwise``); ``pick`` runs the twin from
``jit.PARALLEL_MIN_SIZE`` elements up.
Three kernels do more than map elements: PReLU's and Swish's backward also reduce the gradient of
their parameter (the slope per channel, beta) -- per-chunk float64 partial sums, added afterwards --
and Maxout takes a max over groups of ``pieces`` values, sending the gradient to the first arg-max.

Only the reductions use ``fastmath`` (``{"reassoc", "contract"}``, for their float64 sums): the
float32 exp/log1p/erfc of float32_math round to integers by adding and subtracting a large constant,
which reassociation would "simplify" away, and they keep their own flags (``contract`` only) when
LLVM inlines them into a reduction.
"""

import types

import numpy as np

import minigrad.scalar_math as sm
from minigrad.backends.contract import ACTIVATION_KERNELS
from minigrad.backends.cpu import float32_math  # noqa: F401  (registers the CPU's float32 exp, log1p, ...)
from minigrad.backends.cpu.jit import kernel, pick, prange, serial_and_parallel
from minigrad.backends.layouts import maxout_view, prelu_layout

KERNELS = ACTIVATION_KERNELS  # every activation of the contract, forward and backward

# The parallel loops hand out chunks of this many elements; the reductions (PReLU's and Swish's
# parameter gradients) sum each chunk into float64, then add the chunks: the result does not depend
# on the thread count.
CHUNK = 1 << 14
# Maxout's parallel loop hands out this many rows (groups of pieces) at a time
CHUNK_ROWS = 1 << 12
# PReLU on (N, C) inputs: the rows are split into at most this many blocks, each with a float64
# partial sum per column
ROW_BLOCKS = 16


# ================================================================================================
# Elementwise loops: the forward f(x) and the backward g f'(x) of every activation
# ================================================================================================
# Each loop below is a plain serial `for i in range(x.size)` over flat arrays: the form LLVM
# vectorises best. `_elementwise` compiles it (the serial variant) and builds its parallel twin,
# which splits the arrays into chunks of CHUNK elements and runs the serial loop on each chunk's
# slices, the chunks spread over the threads. (A `prange` over the elements themselves compiles
# to a loop body about 1.4x slower here: LLVM reloads the polynomial constants in every
# iteration.) The twin is a copy of the template for the loop's signature, whose global `_loop`
# is bound to the activation's serial kernel; its own name keeps its cache entry apart.
# Signatures: forward (x, *params, out), backward (g, x, *params, out), 0 to 2 scalar params.


def _fwd0(x, out):
    n = x.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
        _loop(x[lo:hi], out[lo:hi])  # noqa: F821 (bound by _elementwise)


def _fwd1(x, p, out):
    n = x.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
        _loop(x[lo:hi], p, out[lo:hi])  # noqa: F821


def _fwd2(x, p, q, out):
    n = x.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
        _loop(x[lo:hi], p, q, out[lo:hi])  # noqa: F821


def _bwd0(g, x, out):
    n = x.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
        _loop(g[lo:hi], x[lo:hi], out[lo:hi])  # noqa: F821


def _bwd1(g, x, p, out):
    n = x.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
        _loop(g[lo:hi], x[lo:hi], p, out[lo:hi])  # noqa: F821


def _bwd2(g, x, p, q, out):
    n = x.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
        _loop(g[lo:hi], x[lo:hi], p, q, out[lo:hi])  # noqa: F821


_TEMPLATES = {("fwd", 2): _fwd0, ("fwd", 3): _fwd1, ("fwd", 4): _fwd2,
              ("bwd", 3): _bwd0, ("bwd", 4): _bwd1, ("bwd", 5): _bwd2}  # fmt: skip


def _elementwise(loop):
    """(serial kernel, parallel kernel) of an elementwise loop ``_<name>_fwd`` or ``_<name>_bwd``."""
    serial = kernel(loop)
    template = _TEMPLATES[(loop.__name__[-3:], loop.__code__.co_argcount)]
    scope = dict(globals(), _loop=serial)
    twin = types.FunctionType(template.__code__, scope, loop.__name__ + "_parallel")
    twin.__qualname__ = loop.__qualname__ + "_parallel"
    return serial, kernel(twin, parallel=True)


# fmt: off
def _sigmoid_fwd(x, out):
    for i in range(x.size):
        out[i] = sm.sigmoid(x[i])


def _sigmoid_bwd(g, y, out):
    for i in range(y.size):
        out[i] = g[i] * sm.sigmoid_grad_y(y[i])


def _tanh_fwd(x, out):
    for i in range(x.size):
        out[i] = sm.tanh(x[i])


def _tanh_bwd(g, y, out):
    for i in range(y.size):
        out[i] = g[i] * sm.tanh_grad_y(y[i])


def _relu_fwd(x, out):
    for i in range(x.size):
        out[i] = sm.relu(x[i])


def _relu_bwd(g, x, out):
    for i in range(x.size):
        out[i] = g[i] * sm.relu_grad(x[i])


def _leaky_fwd(x, slope, out):
    for i in range(x.size):
        out[i] = sm.leaky_relu(x[i], slope)


def _leaky_bwd(g, x, slope, out):
    for i in range(x.size):
        out[i] = g[i] * sm.leaky_relu_grad(x[i], slope)


def _elu_fwd(x, alpha, out):
    for i in range(x.size):
        out[i] = sm.elu(x[i], alpha)


def _elu_bwd(g, x, alpha, out):
    for i in range(x.size):
        out[i] = g[i] * sm.elu_grad(x[i], alpha)


def _selu_fwd(x, out):
    for i in range(x.size):
        out[i] = sm.selu(x[i])


def _selu_bwd(g, x, out):
    for i in range(x.size):
        out[i] = g[i] * sm.selu_grad(x[i])


def _celu_fwd(x, alpha, out):
    for i in range(x.size):
        out[i] = sm.celu(x[i], alpha)


def _celu_bwd(g, x, alpha, out):
    for i in range(x.size):
        out[i] = g[i] * sm.celu_grad(x[i], alpha)


def _hardtanh_fwd(x, lo, hi, out):
    for i in range(x.size):
        out[i] = sm.hardtanh(x[i], lo, hi)


def _hardtanh_bwd(g, x, lo, hi, out):
    for i in range(x.size):
        out[i] = g[i] * sm.hardtanh_grad(x[i], lo, hi)


def _silu_fwd(x, out):
    for i in range(x.size):
        out[i] = sm.silu(x[i])


def _silu_bwd(g, x, out):
    for i in range(x.size):
        out[i] = g[i] * sm.silu_grad(x[i])


def _swish_fwd(x, beta, out):
    for i in range(x.size):
        out[i] = sm.swish(x[i], beta)


def _swish_bwd(g, x, beta, out):
    for i in range(x.size):
        out[i] = g[i] * sm.swish_grad(x[i], beta)


def _mish_fwd(x, out):
    for i in range(x.size):
        out[i] = sm.mish(x[i])


def _mish_bwd(g, x, out):
    for i in range(x.size):
        out[i] = g[i] * sm.mish_grad(x[i])


def _gelu_fwd(x, out):
    for i in range(x.size):
        out[i] = sm.gelu(x[i])


def _gelu_bwd(g, x, out):
    for i in range(x.size):
        out[i] = g[i] * sm.gelu_grad(x[i])


def _gelu_tanh_fwd(x, out):
    for i in range(x.size):
        out[i] = sm.gelu_tanh(x[i])


def _gelu_tanh_bwd(g, x, out):
    for i in range(x.size):
        out[i] = g[i] * sm.gelu_tanh_grad(x[i])


def _softplus_fwd(x, beta, threshold, out):
    for i in range(x.size):
        out[i] = sm.softplus(x[i], beta, threshold)


def _softplus_bwd(g, x, beta, threshold, out):
    for i in range(x.size):
        out[i] = g[i] * sm.softplus_grad(x[i], beta, threshold)


def _softsign_fwd(x, out):
    for i in range(x.size):
        out[i] = sm.softsign(x[i])


def _softsign_bwd(g, x, out):
    for i in range(x.size):
        out[i] = g[i] * sm.softsign_grad(x[i])


def _hardsigmoid_fwd(x, out):
    for i in range(x.size):
        out[i] = sm.hardsigmoid(x[i])


def _hardsigmoid_bwd(g, x, out):
    for i in range(x.size):
        out[i] = g[i] * sm.hardsigmoid_grad(x[i])


def _hardswish_fwd(x, out):
    for i in range(x.size):
        out[i] = sm.hardswish(x[i])


def _hardswish_bwd(g, x, out):
    for i in range(x.size):
        out[i] = g[i] * sm.hardswish_grad(x[i])
# fmt: on


_sigmoid = _elementwise(_sigmoid_fwd), _elementwise(_sigmoid_bwd)
_tanh = _elementwise(_tanh_fwd), _elementwise(_tanh_bwd)
_relu = _elementwise(_relu_fwd), _elementwise(_relu_bwd)
_leaky = _elementwise(_leaky_fwd), _elementwise(_leaky_bwd)
_elu = _elementwise(_elu_fwd), _elementwise(_elu_bwd)
_selu = _elementwise(_selu_fwd), _elementwise(_selu_bwd)
_celu = _elementwise(_celu_fwd), _elementwise(_celu_bwd)
_hardtanh = _elementwise(_hardtanh_fwd), _elementwise(_hardtanh_bwd)
_silu = _elementwise(_silu_fwd), _elementwise(_silu_bwd)
_swish = _elementwise(_swish_fwd), _elementwise(_swish_bwd)
_mish = _elementwise(_mish_fwd), _elementwise(_mish_bwd)
_gelu = _elementwise(_gelu_fwd), _elementwise(_gelu_bwd)
_gelu_tanh = _elementwise(_gelu_tanh_fwd), _elementwise(_gelu_tanh_bwd)
_softplus = _elementwise(_softplus_fwd), _elementwise(_softplus_bwd)
_softsign = _elementwise(_softsign_fwd), _elementwise(_softsign_bwd)
_hardsigmoid = _elementwise(_hardsigmoid_fwd), _elementwise(_hardsigmoid_bwd)
_hardswish = _elementwise(_hardswish_fwd), _elementwise(_hardswish_bwd)


# ================================================================================================
# Reductions: PReLU's slope gradient and Swish's beta gradient
# ================================================================================================
# The parallel loop runs over chunks; each chunk calls a serial kernel on its slice and writes its
# own partial sum (float64), and the partial sums are added afterwards. The serial kernels loop
# `for i in range(x.size)` over a slice: LLVM vectorises that form, where it left
# `for i in range(lo, hi)` scalar (Numba cannot prove lo >= 0, and every index gets a
# negative-index check), with branches that random signs mispredict half the time (10x slower).
# The sums use fastmath {"reassoc", "contract"} (vectorised float64 accumulation); the scalar maths
# they call keeps its own flags (no reassociation inside exp).

_REDUCE = {"reassoc", "contract"}


@kernel(fastmath=_REDUCE)
def _prelu_slice_bwd(g, x, w, gx):
    """gx = g * (x > 0 ? 1 : w) over a slice; returns sum of g * x where x <= 0 (dL/dw's share)."""
    acc = 0.0
    for i in range(x.size):
        xi = x[i]
        gi = g[i]
        gx[i] = gi * sm.leaky_relu_grad(xi, w)
        acc += 0.0 if xi > 0 else float(gi) * float(xi)
    return acc


@kernel
def _prelu_slice_fwd(x, w, out):
    for i in range(x.size):
        out[i] = sm.leaky_relu(x[i], w)


@kernel
def _prelu_row_fwd(x, w, out):
    """One row of an (N, C) input: slope w[c] for column c."""
    for c in range(x.size):
        out[c] = sm.leaky_relu(x[c], w[c])


@kernel
def _prelu_row_bwd(g, x, w, gx, acc):
    """One row of an (N, C) input; adds this row's share of dL/dw into acc (float64, one per column).

    Two loops over the row (the second reads it from cache): one loop writing both gx and acc would
    touch five arrays, too many for LLVM's run-time overlap checks, and stay scalar.
    """
    for c in range(x.size):
        gx[c] = g[c] * sm.leaky_relu_grad(x[c], w[c])
    for c in range(x.size):
        xc = x[c]
        gc = g[c]
        acc[c] += 0.0 if xc > 0 else float(gc) * float(xc)


def _prelu_shared_bwd(g, x, w, gx, partial):
    # one slope for every element (flat arrays); partial[c]: chunk c's sum
    n = x.size
    for c in prange(partial.size):
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        partial[c] = _prelu_slice_bwd(g[lo:hi], x[lo:hi], w, gx[lo:hi])


def _prelu_rows_fwd(x, w, out):
    # x: (N, C), one slope per column
    for r in prange(x.shape[0]):
        _prelu_row_fwd(x[r], w, out[r])


def _prelu_rows_bwd(g, x, w, gx, partial):
    # partial[b, c]: the sum over the rows of block b
    rows = x.shape[0]
    nblocks = partial.shape[0]
    per = (rows + nblocks - 1) // nblocks
    for b in prange(nblocks):
        acc = np.zeros(x.shape[1], np.float64)
        for k in range(max(0, min(rows, (b + 1) * per) - b * per)):
            r = b * per + k
            _prelu_row_bwd(g[r], x[r], w, gx[r], acc)
        partial[b, :] = acc


def _prelu_planes_fwd(x, w, out):
    # x: (N, C, S), slope w[c] for plane (n, c)
    cols = x.shape[1]
    for p in prange(x.shape[0] * cols):
        n = p // cols
        c = p - n * cols
        _prelu_slice_fwd(x[n, c], w[c], out[n, c])


def _prelu_planes_bwd(g, x, w, gx, partial):
    # partial[n, c]: the sum over plane (n, c)
    cols = x.shape[1]
    for p in prange(x.shape[0] * cols):
        n = p // cols
        c = p - n * cols
        partial[n, c] = _prelu_slice_bwd(g[n, c], x[n, c], w[c], gx[n, c])


@kernel(fastmath=_REDUCE)
def _swish_slice_bwd(g, x, beta, gx):
    """gx = g * swish'(x) over a slice; returns sum of g * x^2 s (1 - s) (dL/dbeta's share)."""
    acc = 0.0
    for i in range(x.size):
        gx[i] = g[i] * sm.swish_grad(x[i], beta)
        acc += float(g[i]) * float(sm.swish_grad_beta(x[i], beta))
    return acc


def _swish_beta_bwd(g, x, beta, gx, partial):
    n = x.size
    for c in prange(partial.size):
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        partial[c] = _swish_slice_bwd(g[lo:hi], x[lo:hi], beta, gx[lo:hi])


_prelu_shared = serial_and_parallel(_prelu_shared_bwd)
_prelu_rows = serial_and_parallel(_prelu_rows_fwd), serial_and_parallel(_prelu_rows_bwd)
_prelu_planes = serial_and_parallel(_prelu_planes_fwd), serial_and_parallel(_prelu_planes_bwd)
_swish_beta = serial_and_parallel(_swish_beta_bwd)


# ================================================================================================
# Maxout: max over consecutive groups of `pieces`
# ================================================================================================
# The input is a flat array of rows, each row `pieces` blocks of `inner` values: row r = (the dims
# before `dim`, output index j), inner = the dims after `dim` (1 after a Linear layer). Rows run in
# parallel in chunks; each chunk calls a serial kernel on its slices. NaN wins the max and the first
# maximum wins a tie, like torch.max(dim).


@kernel
def _maxout_slice_fwd(x, pieces, inner, out):
    rows = out.size // inner
    if pieces == 2 and inner == 1:  # the common case, written out: it compiles to SIMD selects
        for r in range(rows):
            a = x[2 * r]
            b = x[2 * r + 1]
            out[r] = b if (b > a) | ((b != b) & (a == a)) else a
        return
    for r in range(rows):
        base = r * pieces * inner
        for k in range(inner):
            out[r * inner + k] = x[base + k]
        for p in range(1, pieces):
            for k in range(inner):
                v = x[base + p * inner + k]
                m = out[r * inner + k]
                out[r * inner + k] = v if (v > m) | ((v != v) & (m == m)) else m


@kernel
def _maxout_slice_bwd(g, x, pieces, inner, gx):
    rows = g.size // inner
    if pieces == 2 and inner == 1:
        for r in range(rows):
            a = x[2 * r]
            b = x[2 * r + 1]
            second = (b > a) | ((b != b) & (a == a))
            gr = g[r]  # one load: read twice, LLVM must assume a store to gx may change g[r]
            gx[2 * r] = 0.0 if second else gr  # and gives up vectorising (10x slower)
            gx[2 * r + 1] = gr if second else 0.0
        return
    for i in range(gx.size):
        gx[i] = 0.0
    for r in range(rows):
        base = r * pieces * inner
        for k in range(inner):
            best = x[base + k]
            arg = 0
            for p in range(1, pieces):
                v = x[base + p * inner + k]
                win = (v > best) | ((v != v) & (best == best))
                best = v if win else best  # selects, not branches (random data mispredicts)
                arg = p if win else arg
            gx[base + arg * inner + k] = g[r * inner + k]


def _maxout_fwd(x, pieces, inner, out):
    rows = out.size // inner
    step = pieces * inner
    for c in prange((rows + CHUNK_ROWS - 1) // CHUNK_ROWS):
        lo = c * CHUNK_ROWS
        hi = min(rows, lo + CHUNK_ROWS)
        _maxout_slice_fwd(x[lo * step : hi * step], pieces, inner, out[lo * inner : hi * inner])


def _maxout_bwd(g, x, pieces, inner, gx):
    rows = g.size // inner
    step = pieces * inner
    for c in prange((rows + CHUNK_ROWS - 1) // CHUNK_ROWS):
        lo = c * CHUNK_ROWS
        hi = min(rows, lo + CHUNK_ROWS)
        _maxout_slice_bwd(g[lo * inner : hi * inner], x[lo * step : hi * step], pieces, inner,
                          gx[lo * step : hi * step])  # fmt: skip


_maxout = serial_and_parallel(_maxout_fwd), serial_and_parallel(_maxout_bwd)


# ================================================================================================
# Python wrappers: the names the ops call (ctx.backend.relu_forward, ...)
# ================================================================================================
# Each checks its arrays (float dtype, the gradient's shape, a writeable `out`) before a kernel
# indexes them, and names itself in the error (minigrad/backends/checks.py).

from minigrad.backends import checks  # noqa: E402


def _contiguous(a):
    """`a` itself when C-contiguous, else a C-contiguous copy (np.ascontiguousarray would turn a 0-d
    array into a 1-d one)."""
    a = np.asarray(a)
    return a if a.flags.c_contiguous else np.array(a, order="C")


def _floats(kernel, a):
    """A C-contiguous float array and its flat view (a copy only when `a` is not contiguous)."""
    a = checks.floating(kernel, "x", _contiguous(a))
    return a, a.reshape(-1)


def _out(kernel, x, out):
    """A new array like x, or the caller's `out` once checked (the in-place variants pass x itself)."""
    return np.empty_like(x) if out is None else checks.output(kernel, out, x)


def _grad(kernel, g, x, shape=None):
    """The upstream gradient as a C-contiguous array of x's dtype and of `shape` (x's by default);
    one that broadcasts to it (a scalar, an expanded view) is expanded."""
    shape = x.shape if shape is None else tuple(shape)
    g = np.asarray(g)
    if g.dtype.kind != "f":
        raise TypeError(f"{kernel}(): the gradient must be a float array, got dtype {g.dtype}")
    checks.broadcastable(kernel, "the gradient", g, "the output", shape)
    g = g.astype(x.dtype, copy=False)
    return _contiguous(g if g.shape == shape else np.broadcast_to(g, shape))


def _map(name, pair, x, *params, out=None):
    """out = f(x, *params) elementwise, with the serial or the parallel loop."""
    x, xf = _floats(name + "_forward", x)
    out = _out(name + "_forward", x, out)
    params = tuple(x.dtype.type(p) for p in params)  # float32 kernels stay float32
    pick(pair, xf.size)(xf, *params, out.reshape(-1))
    return out


def _map_grad(name, pair, g, x, *params):
    """gx = g * f'(x, *params) elementwise (x may be the saved output y for sigmoid and tanh)."""
    x, xf = _floats(name + "_backward", x)
    g = _grad(name + "_backward", g, x)
    out = np.empty_like(x)
    params = tuple(x.dtype.type(p) for p in params)
    pick(pair, xf.size)(g.reshape(-1), xf, *params, out.reshape(-1))
    return out


# fmt: off
def sigmoid_forward(x, out=None): return _map("sigmoid", _sigmoid[0], x, out=out)
def sigmoid_backward(g, y): return _map_grad("sigmoid", _sigmoid[1], g, y)
def tanh_forward(x, out=None): return _map("tanh", _tanh[0], x, out=out)
def tanh_backward(g, y): return _map_grad("tanh", _tanh[1], g, y)
def relu_forward(x, out=None): return _map("relu", _relu[0], x, out=out)
def relu_backward(g, x): return _map_grad("relu", _relu[1], g, x)
def relu6_forward(x, out=None): return _map("relu6", _hardtanh[0], x, 0.0, 6.0, out=out)
def relu6_backward(g, x): return _map_grad("relu6", _hardtanh[1], g, x, 0.0, 6.0)
def leaky_relu_forward(x, negative_slope, out=None): return _map("leaky_relu", _leaky[0], x, negative_slope, out=out)
def leaky_relu_backward(g, x, negative_slope): return _map_grad("leaky_relu", _leaky[1], g, x, negative_slope)
def elu_forward(x, alpha, out=None): return _map("elu", _elu[0], x, alpha, out=out)
def elu_backward(g, x, alpha): return _map_grad("elu", _elu[1], g, x, alpha)
def selu_forward(x, out=None): return _map("selu", _selu[0], x, out=out)
def selu_backward(g, x): return _map_grad("selu", _selu[1], g, x)
def celu_forward(x, alpha, out=None): return _map("celu", _celu[0], x, alpha, out=out)
def celu_backward(g, x, alpha): return _map_grad("celu", _celu[1], g, x, alpha)
def hardtanh_forward(x, min_val, max_val, out=None): return _map("hardtanh", _hardtanh[0], x, min_val, max_val, out=out)
def hardtanh_backward(g, x, min_val, max_val): return _map_grad("hardtanh", _hardtanh[1], g, x, min_val, max_val)
def silu_forward(x, out=None): return _map("silu", _silu[0], x, out=out)
def silu_backward(g, x): return _map_grad("silu", _silu[1], g, x)
def mish_forward(x, out=None): return _map("mish", _mish[0], x, out=out)
def mish_backward(g, x): return _map_grad("mish", _mish[1], g, x)
def softsign_forward(x, out=None): return _map("softsign", _softsign[0], x, out=out)
def softsign_backward(g, x): return _map_grad("softsign", _softsign[1], g, x)
def hardsigmoid_forward(x, out=None): return _map("hardsigmoid", _hardsigmoid[0], x, out=out)
def hardsigmoid_backward(g, x): return _map_grad("hardsigmoid", _hardsigmoid[1], g, x)
def hardswish_forward(x, out=None): return _map("hardswish", _hardswish[0], x, out=out)
def hardswish_backward(g, x): return _map_grad("hardswish", _hardswish[1], g, x)
def softplus_forward(x, beta, threshold, out=None): return _map("softplus", _softplus[0], x, beta, threshold, out=out)
def softplus_backward(g, x, beta, threshold): return _map_grad("softplus", _softplus[1], g, x, beta, threshold)
# fmt: on


def _gelu_pair(approximate):
    if approximate == "none":
        return _gelu
    if approximate == "tanh":
        return _gelu_tanh
    raise ValueError(f"gelu(): approximate must be 'none' or 'tanh', got {approximate!r}")


def gelu_forward(x, approximate="none", out=None):
    return _map("gelu", _gelu_pair(approximate)[0], x, out=out)


def gelu_backward(g, x, approximate="none"):
    return _map_grad("gelu", _gelu_pair(approximate)[1], g, x)


def swish_forward(x, beta, out=None):
    return _map("swish", _swish[0], x, beta, out=out)


def swish_backward(g, x, beta, need_beta_grad=False):
    """(dL/dx, dL/dbeta or None) of x * sigmoid(beta x); beta a Python or NumPy scalar."""
    if not need_beta_grad:
        return _map_grad("swish", _swish[1], g, x, beta), None
    x, xf = _floats("swish_backward", x)
    g = _grad("swish_backward", g, x)
    gx = np.empty_like(x)
    partial = np.empty(max(1, -(-xf.size // CHUNK)), np.float64)
    pick(_swish_beta, xf.size)(g.reshape(-1), xf, x.dtype.type(beta), gx.reshape(-1), partial)
    return gx, partial.sum()


# ---- PReLU: one slope, or one per channel (dim 1) -----------------------------------------------


def _prelu_arrays(kernel, x, weight):
    """x (C-contiguous, float) and its slopes, flat and of x's dtype."""
    x = checks.floating(kernel, "x", _contiguous(x))
    w = np.asarray(weight)
    if w.dtype.kind != "f":
        raise TypeError(f"{kernel}(): weight must be a float array, got dtype {w.dtype}")
    return x, _contiguous(w).astype(x.dtype, copy=False).reshape(-1)


def _prelu_layout(x, w):
    """('shared', None) | ('rows', (R, C)) | ('planes', (N, C, S)): how x meets the slopes w."""
    n, c, rest = prelu_layout(x.shape, w.size)
    if w.size == 1:
        return "shared", None
    return ("rows", (n, c)) if x.ndim == 2 else ("planes", (n, c, rest))


def prelu_forward(x, weight, out=None):
    x, w = _prelu_arrays("prelu_forward", x, weight)
    layout, shape = _prelu_layout(x, w)
    if layout == "shared":
        return _map("prelu", _leaky[0], x, w[0], out=out)
    out = _out("prelu_forward", x, out)
    pick(_prelu_rows[0] if layout == "rows" else _prelu_planes[0], x.size)(x.reshape(shape), w, out.reshape(shape))
    return out


def prelu_backward(g, x, weight, need_weight_grad=True):
    """(dL/dx, dL/dweight or None); dL/dweight has weight's shape and dtype."""
    x, w = _prelu_arrays("prelu_backward", x, weight)
    layout, shape = _prelu_layout(x, w)
    if not need_weight_grad and layout == "shared":
        return _map_grad("prelu", _leaky[1], g, x, w[0]), None
    g = _grad("prelu_backward", g, x)
    gx = np.empty_like(x)
    if layout == "shared":
        partial = np.empty(max(1, -(-x.size // CHUNK)), np.float64)
        pick(_prelu_shared, x.size)(g.reshape(-1), x.reshape(-1), w[0], gx.reshape(-1), partial)
        gw = partial.sum()
    elif layout == "rows":
        nblocks = min(shape[0], ROW_BLOCKS)  # a fixed count: the sum does not depend on the threads
        partial = np.empty((nblocks, shape[1]), np.float64)
        pick(_prelu_rows[1], x.size)(g.reshape(shape), x.reshape(shape), w, gx.reshape(shape), partial)
        gw = partial.sum(axis=0)
    else:
        partial = np.empty(shape[:2], np.float64)
        pick(_prelu_planes[1], x.size)(g.reshape(shape), x.reshape(shape), w, gx.reshape(shape), partial)
        gw = partial.sum(axis=0)
    gw = np.asarray(gw, dtype=x.dtype).reshape(np.shape(weight)) if need_weight_grad else None
    return gx, gw


# ---- Maxout -------------------------------------------------------------------------------------


def maxout_forward(x, pieces, dim=1):
    """The max over consecutive groups of `pieces` entries along `dim`."""
    x = checks.floating("maxout_forward", "x", _contiguous(x))
    (_, _, p, inner), out_shape = maxout_view(x.shape, pieces, dim)
    out = np.empty(out_shape, x.dtype)
    pick(_maxout[0], x.size)(x.reshape(-1), p, inner, out.reshape(-1))
    return out


def maxout_backward(g, x, pieces, dim=1):
    x = checks.floating("maxout_backward", "x", _contiguous(x))
    (_, _, p, inner), out_shape = maxout_view(x.shape, pieces, dim)
    g = _grad("maxout_backward", g, x, out_shape)
    gx = np.empty_like(x)
    pick(_maxout[1], x.size)(g.reshape(-1), x.reshape(-1), p, inner, gx.reshape(-1))
    return gx


# ================================================================================================
# warmup: compile (or load from the cache) every kernel, float32 and float64, both variants
# ================================================================================================


def warmup():
    # (loop pair, number of scalar parameters) of every elementwise activation
    elementwise = (
        (_sigmoid, 0), (_tanh, 0), (_relu, 0), (_leaky, 1), (_elu, 1), (_selu, 0), (_celu, 1),
        (_hardtanh, 2), (_silu, 0), (_swish, 1), (_mish, 0), (_gelu, 0), (_gelu_tanh, 0),
        (_softplus, 2), (_softsign, 0), (_hardsigmoid, 0), (_hardswish, 0),
    )  # fmt: skip
    for dtype in (np.float32, np.float64):
        x = np.linspace(-2, 2, 6).astype(dtype)
        g = np.ones_like(x)
        out = np.empty_like(x)
        for (fwd, bwd), nparams in elementwise:
            params = (dtype(1.0),) * nparams
            for variant in (0, 1):
                fwd[variant](x, *params, out)
                bwd[variant](g, x, *params, out)
        partial = np.empty(1, np.float64)
        x2, g2, o2 = x.reshape(2, 3), g.reshape(2, 3), out.reshape(2, 3)
        x3, g3, o3 = x.reshape(1, 2, 3), g.reshape(1, 2, 3), out.reshape(1, 2, 3)
        w = np.full(3, 0.25, dtype)
        for variant in (0, 1):
            _prelu_shared[variant](g, x, dtype(0.25), out, partial)
            _swish_beta[variant](g, x, dtype(1.0), out, partial)
            _prelu_rows[0][variant](x2, w, o2)
            _prelu_rows[1][variant](g2, x2, w, o2, np.empty((1, 3), np.float64))
            _prelu_planes[0][variant](x3, w[:2], o3)
            _prelu_planes[1][variant](g3, x3, w[:2], o3, np.empty((1, 2), np.float64))
            for pieces, inner in ((2, 1), (3, 2)):
                _maxout[0][variant](x, pieces, inner, out[: x.size // pieces])
                _maxout[1][variant](g[: x.size // pieces], x, pieces, inner, out)
