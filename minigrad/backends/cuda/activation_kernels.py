"""CUDA kernels of the activation functions, forward and backward.

The same scalar functions as the CPU kernels (``minigrad/scalar_math.py``), one thread per element::

    forward:   out[i] = f(x[i])            backward:  gx[i] = g[i] * f'(x[i])

Each kernel is a *grid-stride loop*: thread t of a grid of T threads handles elements t, t + T,
t + 2T, ... Consecutive threads touch consecutive elements, so every warp reads and writes 32
neighbouring values at once (coalesced), and a grid of a fixed size (``compiler.blocks_for``) covers
an array of any size. There are six loop sources (forward and backward, 0 to 2 scalar parameters);
``_pair`` binds one to each activation's f and f' (``compiler.Kernel``). On the GPU, sm.exp & co
compile to libdevice's exp, expm1, log1p, tanh, erfc: the formulas are the CPU's, the elementary
functions the device's.

Three kernels do more than map elements. PReLU's and Swish's backward also reduce the gradient of
their parameter (the slope per channel, beta): one block per (channel, chunk of the channel's
elements) sums its share in float64 (``blocks.block_reduce``) and the partial sums are added by
CuPy. Maxout is a map over *output* elements, each the max of its group of ``pieces`` inputs; its
backward sends each output's gradient to the first arg-max of its group (and 0 to the others).
"""

import math

import numpy as np
from numba import float32, float64

import minigrad.scalar_math as sm
from minigrad.backends.contract import ACTIVATION_KERNELS
from minigrad.backends.cuda.blocks import THREADS, block_reduce, chunk
from minigrad.backends.cuda.compiler import MAX_BLOCKS, Kernel, blocks_for, contiguous, cuda, device, kernel, xp
from minigrad.backends.layouts import maxout_view, prelu_layout

KERNELS = ACTIVATION_KERNELS  # every activation of the contract, forward and backward


# ================================================================================================
# Grid-stride loops; `f` is bound by _pair to the activation's scalar function
# ================================================================================================
# fmt: off
def _forward0(x, out):
    for i in range(cuda.grid(1), x.size, cuda.gridsize(1)):
        out[i] = f(x[i])  # noqa: F821 (bound by _pair)


def _forward1(x, p, out):
    for i in range(cuda.grid(1), x.size, cuda.gridsize(1)):
        out[i] = f(x[i], p)  # noqa: F821


def _forward2(x, p, q, out):
    for i in range(cuda.grid(1), x.size, cuda.gridsize(1)):
        out[i] = f(x[i], p, q)  # noqa: F821


def _backward0(g, x, out):
    for i in range(cuda.grid(1), x.size, cuda.gridsize(1)):
        out[i] = g[i] * f(x[i])  # noqa: F821


def _backward1(g, x, p, out):
    for i in range(cuda.grid(1), x.size, cuda.gridsize(1)):
        out[i] = g[i] * f(x[i], p)  # noqa: F821


def _backward2(g, x, p, q, out):
    for i in range(cuda.grid(1), x.size, cuda.gridsize(1)):
        out[i] = g[i] * f(x[i], p, q)  # noqa: F821
# fmt: on


def _pair(f, f_grad, params):
    """(forward kernel, backward kernel) of the activation f with `params` scalar parameters."""
    forward = Kernel((_forward0, _forward1, _forward2)[params], f.__name__ + "_forward", f=f)
    backward = Kernel((_backward0, _backward1, _backward2)[params], f_grad.__name__ + "_backward", f=f_grad)
    forward.params = backward.params = params
    return forward, backward


_sigmoid = _pair(sm.sigmoid, sm.sigmoid_grad_y, 0)
_tanh = _pair(sm.tanh, sm.tanh_grad_y, 0)
_relu = _pair(sm.relu, sm.relu_grad, 0)
_leaky = _pair(sm.leaky_relu, sm.leaky_relu_grad, 1)
_elu = _pair(sm.elu, sm.elu_grad, 1)
_selu = _pair(sm.selu, sm.selu_grad, 0)
_celu = _pair(sm.celu, sm.celu_grad, 1)
_hardtanh = _pair(sm.hardtanh, sm.hardtanh_grad, 2)
_silu = _pair(sm.silu, sm.silu_grad, 0)
_swish = _pair(sm.swish, sm.swish_grad, 1)
_mish = _pair(sm.mish, sm.mish_grad, 0)
_gelu = _pair(sm.gelu, sm.gelu_grad, 0)
_gelu_tanh = _pair(sm.gelu_tanh, sm.gelu_tanh_grad, 0)
_softplus = _pair(sm.softplus, sm.softplus_grad, 2)
_softsign = _pair(sm.softsign, sm.softsign_grad, 0)
_hardsigmoid = _pair(sm.hardsigmoid, sm.hardsigmoid_grad, 0)
_hardswish = _pair(sm.hardswish, sm.hardswish_grad, 0)

ELEMENTWISE = (_sigmoid, _tanh, _relu, _leaky, _elu, _selu, _celu, _hardtanh, _silu, _swish, _mish, _gelu,
               _gelu_tanh, _softplus, _softsign, _hardsigmoid, _hardswish)  # fmt: skip


# ================================================================================================
# Parameter gradients (PReLU's slopes, Swish's beta): map and reduce in one pass
# ================================================================================================
# x is viewed as (N, C, S): channel c's elements are x[:, c, :] (C = 1 for one shared parameter).
# Block b handles channel c = b % C and chunk r = b // C of its N * S elements: it writes
# gx = g * f'(x, w[c]) there and sums g * df/dw(x, w[c]) in float64 into partial[r, c].


def _param_grad(g, x, w, gx, partial):
    buf = cuda.shared.array(THREADS, partial.dtype)  # float64
    C = x.shape[1]
    S = x.shape[2]
    c = cuda.blockIdx.x % C
    lo, hi = chunk(x.shape[0] * S, partial.shape[0], cuda.blockIdx.x // C)
    acc = 0.0
    for j in range(lo + cuda.threadIdx.x, hi, cuda.blockDim.x):
        n = j // S
        s = j - n * S
        gx[n, c, s] = g[n, c, s] * f_x(x[n, c, s], w[c])  # noqa: F821 (bound below)
        acc += float(g[n, c, s]) * float(f_w(x[n, c, s], w[c]))  # noqa: F821
    total = block_reduce(buf, acc, False)
    if cuda.threadIdx.x == 0:
        partial[cuda.blockIdx.x // C, c] = total


_prelu_grad = Kernel(_param_grad, "prelu_grad", f_x=sm.leaky_relu_grad, f_w=sm.leaky_relu_grad_slope)
_swish_grad = Kernel(_param_grad, "swish_grad", f_x=sm.swish_grad, f_w=sm.swish_grad_beta)


@kernel
def _prelu_forward(x, w, out):
    """out = leaky_relu(x, w[c]) over the (N, C, S) view, elementwise."""
    C = x.shape[1]
    S = x.shape[2]
    for i in range(cuda.grid(1), x.size, cuda.gridsize(1)):
        n = i // (C * S)
        c = (i // S) % C
        s = i % S
        out[n, c, s] = sm.leaky_relu(x[n, c, s], w[c])


def _param_grad_launch(k, g, x3, w):
    """Run a _param_grad kernel: returns (gx, the parameter gradient per channel, float64)."""
    gx = xp.empty_like(x3)
    n, channels, s = x3.shape
    chunks = max(1, min(math.ceil(n * s / THREADS), MAX_BLOCKS // channels))
    partial = xp.empty((chunks, channels), np.float64)
    if x3.size:
        k[x3.dtype, chunks * channels, THREADS](g, x3, w, gx, partial)
    else:
        partial[:] = 0
    return gx, partial.sum(axis=0)


# ================================================================================================
# Maxout: a map over output elements (a, j, b), each the max over p of x[a, j, p, b]
# ================================================================================================


@kernel
def _maxout_forward(x, out):
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        a, j, b = _unravel(i, out.shape[1], out.shape[2])
        best = x[a, j, 0, b]
        for p in range(1, x.shape[2]):
            v = x[a, j, p, b]
            if (v > best) | ((v != v) & (best == best)):  # NaN wins, the first maximum wins a tie
                best = v
        out[a, j, b] = best


@kernel
def _maxout_backward(g, x, gx):
    for i in range(cuda.grid(1), g.size, cuda.gridsize(1)):
        a, j, b = _unravel(i, g.shape[1], g.shape[2])
        best = x[a, j, 0, b]
        arg = 0
        for p in range(1, x.shape[2]):
            v = x[a, j, p, b]
            if (v > best) | ((v != v) & (best == best)):
                best = v
                arg = p
        for p in range(x.shape[2]):
            gx[a, j, p, b] = g[a, j, b] if p == arg else F(0.0)  # noqa: F821 (F: the data's type)


@device
def _unravel(i, J, B):
    """(a, j, b) of flat index i in an (A, J, B) array."""
    b = i % B
    j = (i // B) % J
    return i // (B * J), j, b


# ================================================================================================
# Python wrappers: the names the ops call (ctx.backend.relu_forward, ...)
# ================================================================================================


def _contiguous(a, name="activation"):
    """A C-contiguous float array on the device (a copy only when needed)."""
    a = xp.asarray(a)
    if a.dtype.kind != "f" or a.dtype.itemsize not in (4, 8):
        raise TypeError(f"{name}: CUDA kernels take float32 or float64 arrays, got {a.dtype}")
    return contiguous(a)


def _out(x, out):
    if out is None:
        return xp.empty_like(x)
    if out.shape != x.shape or out.dtype != x.dtype or not out.flags.c_contiguous:
        raise ValueError(
            f"out must be a C-contiguous array of the input's shape {x.shape} and dtype {x.dtype}, "
            f"got {out.shape} {out.dtype}"
        )
    return out


def _grad_like(g, x, name):
    """g as a C-contiguous array of x's shape and dtype (broadcast if needed)."""
    g = xp.asarray(g).astype(x.dtype, copy=False)
    if g.shape != x.shape:
        try:
            g = xp.broadcast_to(g, x.shape)
        except ValueError:
            raise ValueError(f"{name}: gradient of shape {g.shape} does not match the input's {x.shape}") from None
    return contiguous(g)


def _map(k, x, *params, out=None):
    """out = f(x, *params) elementwise."""
    x = _contiguous(x, k.name)
    out = _out(x, out)
    if x.size:
        params = tuple(x.dtype.type(p) for p in params)  # float32 kernels stay float32
        k[x.dtype, blocks_for(x.size), THREADS](x.reshape(-1), *params, out.reshape(-1))
    return out


def _map_grad(k, g, x, *params):
    """gx = g * f'(x, *params) elementwise (x is the saved output y for sigmoid and tanh)."""
    x = _contiguous(x, k.name)
    g = _grad_like(g, x, k.name)
    out = xp.empty_like(x)
    if x.size:
        params = tuple(x.dtype.type(p) for p in params)
        k[x.dtype, blocks_for(x.size), THREADS](g.reshape(-1), x.reshape(-1), *params, out.reshape(-1))
    return out


# One forward and one backward per activation, with the contract's signatures (contract.py); sigmoid
# and tanh are differentiated from their output y. ReLU6 is hardtanh on [0, 6].
sigmoid_forward = lambda x, out=None: _map(_sigmoid[0], x, out=out)
sigmoid_backward = lambda g, y: _map_grad(_sigmoid[1], g, y)
tanh_forward = lambda x, out=None: _map(_tanh[0], x, out=out)
tanh_backward = lambda g, y: _map_grad(_tanh[1], g, y)
relu_forward = lambda x, out=None: _map(_relu[0], x, out=out)
relu_backward = lambda g, x: _map_grad(_relu[1], g, x)
relu6_forward = lambda x, out=None: _map(_hardtanh[0], x, 0.0, 6.0, out=out)
relu6_backward = lambda g, x: _map_grad(_hardtanh[1], g, x, 0.0, 6.0)
leaky_relu_forward = lambda x, negative_slope, out=None: _map(_leaky[0], x, negative_slope, out=out)
leaky_relu_backward = lambda g, x, negative_slope: _map_grad(_leaky[1], g, x, negative_slope)
elu_forward = lambda x, alpha, out=None: _map(_elu[0], x, alpha, out=out)
elu_backward = lambda g, x, alpha: _map_grad(_elu[1], g, x, alpha)
selu_forward = lambda x, out=None: _map(_selu[0], x, out=out)
selu_backward = lambda g, x: _map_grad(_selu[1], g, x)
celu_forward = lambda x, alpha, out=None: _map(_celu[0], x, alpha, out=out)
celu_backward = lambda g, x, alpha: _map_grad(_celu[1], g, x, alpha)
hardtanh_forward = lambda x, min_val, max_val, out=None: _map(_hardtanh[0], x, min_val, max_val, out=out)
hardtanh_backward = lambda g, x, min_val, max_val: _map_grad(_hardtanh[1], g, x, min_val, max_val)
silu_forward = lambda x, out=None: _map(_silu[0], x, out=out)
silu_backward = lambda g, x: _map_grad(_silu[1], g, x)
mish_forward = lambda x, out=None: _map(_mish[0], x, out=out)
mish_backward = lambda g, x: _map_grad(_mish[1], g, x)
softsign_forward = lambda x, out=None: _map(_softsign[0], x, out=out)
softsign_backward = lambda g, x: _map_grad(_softsign[1], g, x)
hardsigmoid_forward = lambda x, out=None: _map(_hardsigmoid[0], x, out=out)
hardsigmoid_backward = lambda g, x: _map_grad(_hardsigmoid[1], g, x)
hardswish_forward = lambda x, out=None: _map(_hardswish[0], x, out=out)
hardswish_backward = lambda g, x: _map_grad(_hardswish[1], g, x)
softplus_forward = lambda x, beta, threshold, out=None: _map(_softplus[0], x, beta, threshold, out=out)
softplus_backward = lambda g, x, beta, threshold: _map_grad(_softplus[1], g, x, beta, threshold)


def _gelu_pair(approximate):
    if approximate == "none":
        return _gelu
    if approximate == "tanh":
        return _gelu_tanh
    raise ValueError(f"gelu(): approximate must be 'none' or 'tanh', got {approximate!r}")


def gelu_forward(x, approximate="none", out=None):
    return _map(_gelu_pair(approximate)[0], x, out=out)


def gelu_backward(g, x, approximate="none"):
    return _map_grad(_gelu_pair(approximate)[1], g, x)


def swish_forward(x, beta, out=None):
    return _map(_swish[0], x, beta, out=out)


def swish_backward(g, x, beta, need_beta_grad=False):
    """(dL/dx, dL/dbeta or None) of x * sigmoid(beta x); beta a Python or NumPy scalar."""
    if not need_beta_grad:
        return _map_grad(_swish[1], g, x, beta), None
    x = _contiguous(x, "swish")
    g3 = _grad_like(g, x, "swish").reshape(1, 1, -1)
    beta = xp.full(1, beta, x.dtype)
    gx, dbeta = _param_grad_launch(_swish_grad, g3, x.reshape(1, 1, -1), beta)
    return gx.reshape(x.shape), float(dbeta[0])


def _slopes(weight, x):
    w = xp.asarray(weight)
    if w.dtype.kind != "f":
        raise TypeError(f"prelu(): weight must be a float array, got {w.dtype}")
    return w.astype(x.dtype).reshape(-1)  # a fresh contiguous copy in x's dtype


def prelu_forward(x, weight, out=None):
    x = _contiguous(x, "prelu")
    w = _slopes(weight, x)
    view = prelu_layout(x.shape, w.size)
    out = _out(x, out)
    if x.size:
        _prelu_forward[x.dtype, blocks_for(x.size), THREADS](x.reshape(view), w, out.reshape(view))
    return out


def prelu_backward(g, x, weight, need_weight_grad=True):
    """(dL/dx, dL/dweight or None); dL/dweight has weight's shape and dtype."""
    x = _contiguous(x, "prelu")
    w = _slopes(weight, x)
    view = prelu_layout(x.shape, w.size)
    g = _grad_like(g, x, "prelu")
    gx, gw = _param_grad_launch(_prelu_grad, g.reshape(view), x.reshape(view), w)
    gw = gw.astype(x.dtype).reshape(xp.asarray(weight).shape) if need_weight_grad else None
    return gx.reshape(x.shape), gw


def maxout_forward(x, pieces, dim=1):
    """The max over consecutive groups of `pieces` entries along `dim`."""
    x = _contiguous(x, "maxout")
    (a, j, p, b), out_shape = maxout_view(x.shape, pieces, dim)
    out = xp.empty(out_shape, x.dtype)
    if out.size:
        _maxout_forward[x.dtype, blocks_for(out.size), THREADS](x.reshape(a, j, p, b), out.reshape(a, j, b))
    return out


def maxout_backward(g, x, pieces, dim=1):
    x = _contiguous(x, "maxout")
    (a, j, p, b), out_shape = maxout_view(x.shape, pieces, dim)
    g = xp.asarray(g)
    if g.shape != out_shape:
        raise ValueError(f"maxout(): gradient of shape {g.shape}, expected the output's {out_shape}")
    g = contiguous(g.astype(x.dtype, copy=False))
    gx = xp.empty_like(x)
    if g.size:
        _maxout_backward[x.dtype, blocks_for(g.size), THREADS](g.reshape(a, j, b), x.reshape(a, j, p, b),
                                                              gx.reshape(a, j, p, b))  # fmt: skip
    return gx


# ================================================================================================
# Every kernel with its argument types, for the PTX test (tests/test_cuda_ptx.py)
# ================================================================================================


def ptx_signatures(dtype):
    """(name, Kernel, numba argument types) of every kernel of this module for float `dtype`."""
    T = float32 if np.dtype(dtype) == np.float32 else float64
    v, v3, v4 = T[::1], T[:, :, ::1], T[:, :, :, ::1]
    sigs = []
    for fwd, bwd in ELEMENTWISE:
        sigs.append((fwd.name, fwd, (v,) + (T,) * fwd.params + (v,)))
        sigs.append((bwd.name, bwd, (v, v) + (T,) * bwd.params + (v,)))
    sigs.append(("prelu_forward", _prelu_forward, (v3, v, v3)))
    for k in (_prelu_grad, _swish_grad):
        sigs.append((k.name, k, (v3, v3, v, v3, float64[:, ::1])))
    sigs.append(("maxout_forward", _maxout_forward, (v4, v3)))
    sigs.append(("maxout_backward", _maxout_backward, (v3, v4, v4)))
    return sigs
