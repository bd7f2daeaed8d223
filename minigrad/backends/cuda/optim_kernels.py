"""In-place optimizer updates on the GPU: one thread per element of a parameter (grid-stride loop).

The update of each element is PyTorch's (``torch/optim/sgd.py``, ``adam.py``), as in the CPU
kernels (``minigrad/backends/cpu/optim_kernels.py``). The hyper-parameters are cast to the
parameter's dtype by the wrappers, so a float32 parameter is updated in float32 arithmetic, as
PyTorch does on a GPU; the bias corrections are computed once per step in Python (float64) and
passed in as the step size lr / (1 - beta1^t) and sqrt(1 - beta2^t).
"""

import math

import numpy as np
from numba import boolean, float32, float64

from minigrad.backends import checks
from minigrad.backends.cuda.compiler import THREADS, blocks_for, contiguous, cuda, kernel

KERNELS = ("sgd_step", "adam_step")


@kernel
def _sgd(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first):
    for i in range(cuda.grid(1), p.size, cuda.gridsize(1)):
        d = g[i] + weight_decay * p[i] if weight_decay != F(0.0) else g[i]  # noqa: F821 (0 * inf is NaN)
        if momentum != F(0.0):  # noqa: F821 (F: the parameter's float type)
            b = d if first else momentum * buf[i] + (F(1.0) - dampening) * d  # noqa: F821
            buf[i] = b
            d = d + momentum * b if nesterov else b
        p[i] = p[i] - lr * d


@kernel
def _adam(p, g, m, v, vmax, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad, step_size, bc2_sqrt):
    for i in range(cuda.grid(1), p.size, cuda.gridsize(1)):
        gi = g[i]
        if decoupled:
            p[i] = p[i] * (F(1.0) - lr * weight_decay)  # noqa: F821  AdamW: decay the weight itself
        elif weight_decay != F(0.0):  # noqa: F821
            gi = gi + weight_decay * p[i]  # Adam: L2 penalty in the gradient
        mi = beta1 * m[i] + (F(1.0) - beta1) * gi  # noqa: F821
        vi = beta2 * v[i] + (F(1.0) - beta2) * gi * gi  # noqa: F821
        m[i] = mi
        v[i] = vi
        if amsgrad:
            if not vi <= vmax[i]:  # a NaN v wins, as in torch.maximum
                vmax[i] = vi
            vi = vmax[i]
        p[i] = p[i] - step_size * mi / (math.sqrt(vi) / bc2_sqrt + eps)


def _flat(a):
    """The flat view of a state array (checked: contiguous, the parameter's shape and dtype)."""
    return a.reshape(-1)


def sgd_step(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, first):
    """p <- p - lr * d, with d the gradient after weight decay, momentum and Nesterov (PyTorch's SGD)."""
    checks.optimizer_arrays("sgd_step", param, grad, buf=buf)  # the CPU's checks: the same errors
    p = param.reshape(-1)
    g = contiguous(grad).reshape(-1)
    b = _flat(buf) if buf is not None else p[:0]
    F = param.dtype.type
    if p.size:
        _sgd[param.dtype, blocks_for(p.size), THREADS](
            p, g, b, F(lr), F(momentum), F(dampening), F(weight_decay), bool(nesterov), bool(first)
        )


def adam_step(param, grad, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad):
    """One Adam/AdamW update of ``param`` and its moment estimates ``m`` and ``v``, in place."""
    checks.optimizer_arrays("adam_step", param, grad, m=m, v=v, vmax=vmax)
    p = param.reshape(-1)
    g = contiguous(grad).reshape(-1)
    vm = _flat(vmax) if vmax is not None else p[:0]
    F = param.dtype.type
    step_size = F(lr / (1.0 - beta1**step))
    bc2_sqrt = F(math.sqrt(1.0 - beta2**step))
    if p.size:
        _adam[param.dtype, blocks_for(p.size), THREADS](
            p, g, _flat(m), _flat(v), vm, F(lr), F(beta1), F(beta2),
            F(eps), F(weight_decay), bool(decoupled), bool(amsgrad), step_size, bc2_sqrt,
        )  # fmt: skip


def ptx_signatures(dtype):
    """(name, Kernel, numba argument types) of every kernel of this module for float `dtype`."""
    T = float32 if np.dtype(dtype) == np.float32 else float64
    v = T[::1]
    return [
        ("sgd_step", _sgd, (v, v, v, T, T, T, T, boolean, boolean)),
        ("adam_step", _adam, (v, v, v, v, v, T, T, T, T, T, boolean, boolean, T, T)),
    ]
